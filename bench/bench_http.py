"""Requests per second of the local HTTP server on the card page, from a load generator on
loopback.

The local stack (bench.shared_stack: embedded PostgreSQL with the demo cards, moto, the
gateway on a free 127.0.0.1 port) serves `GET /c/{card_id}` of a seeded card; the load
generator (bench/loadgen.py) runs in its own process with keep-alive connections on
BENCH_HTTP_THREADS threads for at most BENCH_HTTP_SECONDS (or BENCH_HTTP_MAX_REQUESTS),
after a short warm-up. Until the card page route exists in the route table, `GET /health`
is measured instead (the result says which). Every request is a full round trip through
the same path as `make dev`: HTTP parsing, routing, the payload 2.0 event, the handler
(the card page records a view), the response mapping.

    python -m bench http
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import ROOT, Result, add_code_paths

THREADS = int(os.environ.get("BENCH_HTTP_THREADS", "8"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "10"))
MAX_REQUESTS = int(os.environ.get("BENCH_HTTP_MAX_REQUESTS", "200000"))
CARD_ROUTE = "GET /c/{card_id}"


def target(stack) -> tuple[str, str]:
    import routes

    if any(route.route_key == CARD_ROUTE for route in routes.ROUTES):
        card_id = stack.demo.attendees[0].card_id
        return CARD_ROUTE, f"{stack.api_url}/c/{card_id}?src=qr"
    return "GET /health", f"{stack.api_url}/health"


def generate(url: str, *, threads: int, seconds: float, max_requests: int) -> dict:
    process = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", url, "--threads", str(threads), "--duration", str(seconds), "--max-requests", str(max_requests)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=seconds + 120,
        check=True,
    )
    return json.loads(process.stdout.strip().splitlines()[-1])


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    route_key, url = target(stack)
    generate(url, threads=2, seconds=2, max_requests=200)  # warm-up: handler imported, connections open
    stats = generate(url, threads=THREADS, seconds=SECONDS, max_requests=MAX_REQUESTS)
    statuses = ", ".join(f"{code} x{count}" for code, count in sorted(stats["statuses"].items()))
    errors = ", ".join(f"{name} x{count}" for name, count in stats["errors"].items()) or "no errors"
    note = f"{stats['requests']} requests in {stats['elapsed_s']} s, {THREADS} keep-alive clients (own process); {statuses}; {errors}"
    if route_key != CARD_ROUTE:
        note += f"; {CARD_ROUTE} not in the route table yet"
    name = f"http {route_key}"
    return [
        Result(name, "throughput", stats["requests_per_s"], "req/s", "", note),
        Result(name, "p50", stats["p50_ms"], "ms"),
        Result(name, "p99", stats["p99_ms"], "ms"),
    ]


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
