"""Benchmarks: `make bench` runs every bench/bench_*.py module and prints one table.

A benchmark module exposes `run() -> list[Result]` and can be run alone with
`python -m bench.bench_<name>`. Numbers are printed and written as JSON, never asserted:
the machines are shared and noisy, so targets are reported next to the figures.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def add_code_paths() -> None:
    """The same import roots as Lambda (lambdas/, the core layer) plus the repo root."""
    for part in ("", "lambdas", "layers/core/python"):
        path = str(ROOT / part) if part else str(ROOT)
        if path not in sys.path:
            sys.path.insert(0, path)


@dataclass(frozen=True)
class Result:
    benchmark: str
    metric: str
    value: float
    unit: str
    target: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lower, upper = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def time_calls(fn: Callable[[], object], *, iterations: int, warmup: int = 20) -> list[float]:
    """Milliseconds per call, after warm-up calls that are not counted."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def latency_results(benchmark: str, samples: list[float], *, target_p50: str = "", target_p99: str = "") -> list[Result]:
    return [
        Result(benchmark, "p50", round(statistics.median(samples), 3), "ms", target_p50),
        Result(benchmark, "p99", round(percentile(samples, 99), 3), "ms", target_p99),
    ]


def staff_claims(admin_url: str, tenant_id: str, role: str = "admin", sub: str = "bench-staff") -> dict[str, str]:
    """Id-token claims of a staff user of `tenant_id`, with its users row: the API authorizes
    from the database's current state, so a benchmark's caller must exist there, as in AWS."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO users (tenant_id, email, role, status, cognito_sub)
            VALUES (%(tenant)s, %(email)s, %(role)s, 'active', %(sub)s)
            ON CONFLICT DO NOTHING
            """,
            {"tenant": str(tenant_id), "email": f"{sub}-{role}@bench.example.com", "role": role, "sub": f"{sub}-{tenant_id}-{role}"},
        )
    return {
        "sub": f"{sub}-{tenant_id}-{role}",
        "custom:tenant_id": str(tenant_id),
        "custom:role": role,
        "cognito:username": f"{sub}-{role}@bench.example.com",
        "token_use": "id",
    }


def route_invoker(claims: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Call a route's real handler in-process, as API Gateway would with these JWT claims:
    invoke(method, template, path, query=, body=, params=) -> the Lambda response."""
    import routes
    from local.events import LambdaContext, function_name, http_api_event

    def invoke(method: str, template: str, path: str, *, query: str = "", body: Any = None, params: dict[str, str] | None = None) -> dict[str, Any]:
        route = routes.find_route(method, template)
        handler = importlib.import_module(route.handler).handler
        raw = json.dumps(body).encode() if body is not None else b""
        event = http_api_event(
            method=method, raw_path=path, raw_query=query, route_key=route.route_key, path_parameters=params,
            header_pairs=[("content-type", "application/json")] if body is not None else [], body=raw, claims=claims,
        )
        return handler(event, LambdaContext(function_name=function_name("bench", route.handler)))

    return invoke
