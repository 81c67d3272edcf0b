"""The cost of authorizing every request from the database's current state.

Every authenticated request's first transaction begins with `app_begin_request()` (it sets the
tenant and returns the caller's row and its tenant's status) instead of the plain
`set_config()` it replaced: the same number of round trips, one function call more work.
Measured side by side in one run, interleaved in blocks so drift hits both alike:

- the events list (GET /api/v1/admin/events, 20 events) through its real handler in-process,
  with the check ("after") and with the old statement ("before": the request's caller hidden
  from the transaction, which is exactly what every request ran before the check existed);
- the two statements alone, in a transaction, as the application role.

    python -m bench caller_check
"""

from __future__ import annotations

import contextlib
import importlib
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

from bench import Result, add_code_paths, percentile, staff_claims

ITERATIONS = 1000
BLOCK = 25
EVENTS = "/api/v1/admin/events"


def _populate(admin_url: str) -> str:
    import psycopg

    tenant_id = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Caller Check')", (tenant_id,))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'BENCH', 'Bench') RETURNING brand_id", (tenant_id,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at) "
            "SELECT %s, %s, 'Event ' || i, 'event-' || i, '2030-05-01T09:00Z', '2030-05-03T18:00Z' FROM generate_series(1, 20) i",
            (tenant_id, brand_id),
        )
    return str(tenant_id)


def _interleaved(
    after: Callable[[], Any], before: Callable[[], Any], before_context: Callable[[], Any] = contextlib.nullcontext
) -> tuple[list[float], list[float]]:
    """Alternating blocks of each; `before_context` wraps each "before" block (not timed)."""
    samples: dict[str, list[float]] = {"after": [], "before": []}
    plan = (("after", after, contextlib.nullcontext), ("before", before, before_context))
    for _, fn, context in plan:  # warm both
        with context():
            for _ in range(30):
                fn()
    for _ in range(ITERATIONS // BLOCK):
        for name, fn, context in plan:
            with context():
                for _ in range(BLOCK):
                    start = time.perf_counter()
                    fn()
                    samples[name].append((time.perf_counter() - start) * 1000)
    return samples["after"], samples["before"]


def _results(name: str, after: list[float], before: list[float]) -> list[Result]:
    a50, b50 = statistics.median(after), statistics.median(before)
    return [
        Result(name, "p50 before (set_config)", round(b50, 3), "ms"),
        Result(name, "p50 after (caller check)", round(a50, 3), "ms", note=f"+{a50 - b50:.3f} ms per request"),
        Result(name, "p99 before / after", round(percentile(before, 99), 3), "ms", note=f"after: {percentile(after, 99):.3f} ms"),
    ]


def run() -> list[Result]:
    add_code_paths()
    import psycopg

    import routes
    from bench.shared_stack import shared_stack
    from local.events import LambdaContext, function_name, http_api_event

    stack = shared_stack()
    tenant_id = _populate(stack.db_urls.admin_url)
    claims = staff_claims(stack.db_urls.admin_url, tenant_id)
    route = routes.find_route("GET", EVENTS)
    handler = importlib.import_module(route.handler).handler
    context = LambdaContext(function_name=function_name("bench", route.handler))

    def events_list() -> None:
        event = http_api_event(method="GET", raw_path=EVENTS, raw_query="limit=50", route_key=route.route_key, claims=claims)
        response = handler(event, context)
        if response["statusCode"] != 200:
            raise RuntimeError(f"{response['statusCode']} {response.get('body', '')[:200]}")

    @contextlib.contextmanager
    def without_check() -> Iterator[None]:
        # The caller hidden from the transaction and from the after-route check: exactly the
        # statements every request ran before the check existed.
        with mock.patch("outreachpass.db.connection.request_caller", return_value=None), \
                mock.patch("outreachpass.api.auth.request_caller", return_value=None):
            yield

    results = _results("caller check: events list", *_interleaved(events_list, events_list, without_check))

    subject = claims["sub"]
    with psycopg.connect(stack.db_urls.app_url, autocommit=True) as conn:
        def statement(sql: str, params: tuple[Any, ...]) -> Callable[[], None]:
            def run_once() -> None:
                with conn.transaction():
                    conn.execute(sql, params).fetchall()
            return run_once

        after = statement("SELECT * FROM app_begin_request(%s, %s)", (tenant_id, subject))
        before = statement("SELECT set_config('app.tenant_id', %s, true)", (tenant_id,))
        results += _results("caller check: first statement alone", *_interleaved(after, before))
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
