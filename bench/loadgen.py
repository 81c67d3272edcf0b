"""A small HTTP load generator for loopback benchmarks: threads with keep-alive connections.

Run as its own process (`python -m bench.loadgen URL ...`), so the client does not share
the server's interpreter and GIL. Bounded by a duration and a request count; prints one
JSON object: requests, errors, statuses, elapsed_s, requests_per_s, p50_ms, p99_ms.

Only loopback URLs are accepted: this is for the local stack, never for a remote host.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lower, upper = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def load(url: str, *, threads: int, duration_s: float, max_requests: int, headers: dict[str, str] | None = None) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise ValueError(f"loopback http URLs only, not {url!r}")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + duration_s
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    issued = 0

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= max_requests or time.monotonic() >= deadline:
                return False
            issued += 1
            return True

    def worker() -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        while take():
            if conn is None:
                conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            started = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers or {})
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    statuses[response.status] += 1
                mine.append(elapsed)
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors[type(exc).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker, name=f"load-{i}", daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    done = len(latencies)
    return {
        "requests": done,
        "errors": dict(errors),
        "statuses": {str(k): v for k, v in statuses.items()},
        "elapsed_s": round(elapsed, 3),
        "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "threads": threads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds (upper bound)")
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--header", action="append", default=[], help="name: value")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    print(json.dumps(load(args.url, threads=args.threads, duration_s=args.duration, max_requests=args.max_requests, headers=headers)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
