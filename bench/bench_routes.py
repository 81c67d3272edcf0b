"""Warm latency of the routes, invoked in-process against the local PostgreSQL.

Each route's real handler gets a payload 2.0 event (as the local gateway builds it) after
warm-up calls, so the figure is a warm container's: the module imported, the connection
open, Powertools and pydantic caches filled. Derived from the route table:
- every GET route (lists and reads of the admin API with the demo tenant's admin claims,
  public and tracking routes against the seeded demo card), with the demo ids in their
  path parameters and the OpenAPI document's required query parameters;
- the creates whose bodies are known here (events, attendees), each call a new row;
- routes that have their own benchmark module are left to it (the card page to
  bench_card_page, the .pkpass to bench_pkpass).
Each route gets up to BENCH_ROUTES_ITERATIONS calls, fewer (at least 30) where they would
take more than BENCH_ROUTES_BUDGET_S; p99 of a few hundred calls is its second-worst call.

    python -m bench routes            (BENCH_ROUTES_ITERATIONS=200, BENCH_ROUTES_BUDGET_S=2)
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import re
import statistics
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import ROOT, Result, add_code_paths, percentile, staff_claims, time_calls

ITERATIONS = int(os.environ.get("BENCH_ROUTES_ITERATIONS", "200"))
BUDGET_S = float(os.environ.get("BENCH_ROUTES_BUDGET_S", "2"))  # per route: slow routes get fewer calls
MIN_ITERATIONS = 30
WARMUP = 20
# Routes another benchmark module measures (route key -> that module).
COVERED_ELSEWHERE = {
    "GET /c/{card_id}": "bench_card_page",
    "GET /c/{card_id}/wallet/apple": "bench_pkpass",
}


def _fill(path: str, ids: dict[str, str]) -> tuple[str, dict[str, str]]:
    params: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).rstrip("+")
        params[name] = ids.get(name) or str(uuid.uuid4())
        return params[name]

    return re.sub(r"\{([^}]+)\}", replace, path), params


def _bodies(route_key: str) -> Callable[[], dict[str, Any]] | None:
    """A new valid body per call for the creates this benchmark knows."""
    counter = itertools.count()
    run_tag = uuid.uuid4().hex[:6]
    if route_key == "POST /api/v1/admin/events":
        return lambda: {
            "name": "Bench Expo",
            "slug": f"bench-{run_tag}-{next(counter)}",
            "starts_at": "2031-05-01T09:00:00Z",
            "ends_at": "2031-05-02T18:00:00Z",
            "timezone": "UTC",
        }
    if route_key == "POST /api/v1/admin/events/{event_id}/attendees":
        return lambda: {"email": f"bench-{run_tag}-{next(counter)}@example.com", "first_name": "Bench", "last_name": "Mark"}
    return None


def selected_routes() -> list[tuple[Any, Callable[[], dict[str, Any]] | None]]:
    import routes

    chosen = []
    for route in routes.ROUTES:
        owner = COVERED_ELSEWHERE.get(route.route_key)
        if owner and (ROOT / "bench" / f"{owner}.py").exists():
            continue
        body = _bodies(route.route_key)
        if route.method == "GET" or body is not None:
            chosen.append((route, body))
    return chosen


def caller(route: Any, ids: dict[str, str], claims: dict[str, str], query: str, body: Callable[[], dict[str, Any]] | None) -> tuple[Callable[[], Any], Counter[int]]:
    from local.edge import origin_headers
    from local.events import LambdaContext, function_name, http_api_event

    handler = importlib.import_module(route.handler).handler
    raw_path, params = _fill(route.path, ids)
    statuses: Counter[int] = Counter()
    name = function_name("bench", route.handler)
    cloudfront = origin_headers()

    def call() -> Any:
        payload = json.dumps(body()).encode() if body else b""
        headers = [("content-type", "application/json")] if payload else []
        headers.append(("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 bench"))
        if route.is_public:
            headers += cloudfront  # the origin-verify header CloudFront adds
        event = http_api_event(
            method=route.method,
            raw_path=raw_path,
            raw_query=query,
            header_pairs=headers,
            body=payload,
            route_key=route.route_key,
            path_parameters=params or None,
            claims=None if route.is_public else claims,
        )
        result = handler(event, LambdaContext(function_name=name, memory_limit_in_mb=route.needs.memory_mb, timeout_s=route.needs.timeout_s))
        statuses[result.get("statusCode", 200) if isinstance(result, dict) else 200] += 1
        return result

    return call, statuses


def run() -> list[Result]:
    add_code_paths()
    from bench.bench_cold_start import required_query
    from bench.shared_stack import demo_ids, shared_stack

    stack = shared_stack()
    ids = demo_ids(stack)
    claims = staff_claims(stack.db_urls.admin_url, ids["tenant_id"])
    try:
        from local.stack import openapi_document

        document: dict[str, Any] | None = openapi_document()
    except Exception:
        document = None
    results: list[Result] = []
    for route, body in selected_routes():
        query = required_query(document, route.method, route.path)
        try:
            call, statuses = caller(route, ids, claims, query, body)
            warm = time_calls(call, iterations=WARMUP, warmup=0)
            iterations = max(MIN_ITERATIONS, min(ITERATIONS, int(BUDGET_S * 1000 / max(statistics.median(warm), 0.01))))
            samples = time_calls(call, iterations=iterations, warmup=0)
        except Exception as exc:
            results.append(Result(f"warm {route.route_key}", "error", float("nan"), "", note=f"failed: {exc!r}"[:160]))
            continue
        answered = ", ".join(f"{status} x{count}" for status, count in sorted(statuses.items()))
        note = f"{iterations} calls after {WARMUP} warm-up; answered {answered}"
        if body:
            note += "; a new row per call"
        results.append(Result(f"warm {route.route_key}", "p50", round(statistics.median(samples), 3), "ms", "", note))
        results.append(Result(f"warm {route.route_key}", "p99", round(percentile(samples, 99), 3), "ms"))
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
