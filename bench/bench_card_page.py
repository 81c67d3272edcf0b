"""The public card routes, warm, through the real handlers in-process against local PostgreSQL.

Setup (not timed): on the shared bench stack (bench.shared_stack: embedded PostgreSQL, moto),
a tenant with a branded theme (logo), an event and a card with an avatar, so each page view
does everything it does in production: the tenant resolver, the card/event/brand query,
user-agent parsing, the view insert with the unique-session lookup, two presigned asset
URLs, and the jinja2 render. Then, per case, warm-up calls and BENCH_CARD_ITERATIONS timed
calls (default 500):

- card page, a returning visitor (session cookie) from a QR scan; target p50 < 5 ms;
- card page, a first visit (no cookie: a new session is minted);
- beacon (add_to_contacts, JSON); target p50 < 2 ms;
- vCard download (no photo object: the S3 lookup answers 404 from moto);
- QR PNG served from the S3 cache (moto over loopback HTTP: an upper bound);
- an unknown card (the 404 page).

The database round trips of one view are reported too (counted on the psycopg connection):
what matters most in AWS, where each costs a network hop to RDS Proxy and Aurora.

    python -m bench card_page
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import Result, add_code_paths, percentile, time_calls

ITERATIONS = int(os.environ.get("BENCH_CARD_ITERATIONS", "500"))
WARMUP = 50
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _populate(admin_url: str) -> dict[str, str]:
    import psycopg
    from psycopg.types.json import Jsonb

    tenant_id, brand_id, event_id, attendee_id, card_id = (uuid.uuid4() for _ in range(5))
    theme = {"primary_color": "#0b3d91", "accent_color": "#f59e0b", "logo_s3_key": f"logos/{tenant_id}/{brand_id}.png"}
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Cards')", (tenant_id,))
        conn.execute(
            "INSERT INTO brands (brand_id, tenant_id, brand_key, display_name, theme_json) VALUES (%s, %s, 'BENCH', 'Bench Events', %s)",
            (brand_id, tenant_id, Jsonb(theme)),
        )
        conn.execute(
            "INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at) "
            "VALUES (%s, %s, %s, 'Bench Expo', 'bench-expo', '2030-05-01T09:00Z', '2030-05-03T18:00Z')",
            (event_id, tenant_id, brand_id),
        )
        conn.execute(
            "INSERT INTO attendees (attendee_id, tenant_id, event_id, email, first_name, last_name) "
            "VALUES (%s, %s, %s, 'ada@example.com', 'Ada', 'Lovelace')",
            (attendee_id, tenant_id, event_id),
        )
        conn.execute(
            "INSERT INTO cards (card_id, tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, "
            "avatar_s3_key, links_json, is_personal) VALUES (%s, %s, %s, %s, 'Ada Lovelace', 'ada@example.com', '+44 20 7946 0958', "
            "'Analytical Engines Ltd', 'Chief Programmer', %s, %s, false)",
            (card_id, tenant_id, event_id, attendee_id, f"avatars/{tenant_id}/{card_id}/original.jpg",
             Jsonb({"linkedin": "https://www.linkedin.com/in/ada", "website": "https://ada.example.com"})),
        )
        conn.execute("UPDATE attendees SET card_id = %s WHERE attendee_id = %s", (card_id, attendee_id))
    return {"tenant_id": str(tenant_id), "card_id": str(card_id)}


def _invoker() -> Callable[..., dict[str, Any]]:
    import routes
    from local.edge import origin_headers
    from local.events import LambdaContext, function_name, http_api_event

    cloudfront = origin_headers()  # the origin-verify header CloudFront adds, read once

    def invoke(method: str, template: str, path: str, *, query: str = "", headers: list[tuple[str, str]] | None = None,
               body: bytes = b"", params: dict[str, str] | None = None) -> dict[str, Any]:
        route = routes.find_route(method, template)
        handler = importlib.import_module(route.handler).handler
        event = http_api_event(
            method=method, raw_path=path, raw_query=query, route_key=route.route_key, path_parameters=params,
            header_pairs=[*(headers or []), *cloudfront], body=body,
        )
        return handler(event, LambdaContext(function_name=function_name("bench", route.handler)))

    return invoke


def _case(name: str, call: Callable[[], dict[str, Any]], *, target: str = "", iterations: int = ITERATIONS) -> list[Result]:
    statuses: Counter[int] = Counter()

    def counted() -> None:
        statuses[call()["statusCode"]] += 1

    samples = time_calls(counted, iterations=iterations, warmup=WARMUP)
    note = "status " + ", ".join(f"{code} x{count}" for code, count in sorted(statuses.items()))
    return [
        Result(f"public {name}", "p50", round(statistics.median(samples), 3), "ms", target, note),
        Result(f"public {name}", "p99", round(percentile(samples, 99), 3), "ms"),
    ]


def _cpu_ms(call: Callable[[], dict[str, Any]], iterations: int) -> float:
    """Median CPU time of this process per call: the handler's own cost, without the time spent
    waiting for PostgreSQL or for the CPU (steadier than wall time on a shared machine)."""
    import time

    samples = []
    for _ in range(iterations):
        start = time.process_time()
        call()
        samples.append((time.process_time() - start) * 1000)
    return round(statistics.median(samples), 3)


def _round_trips_per_view(card_id: str) -> tuple[int, int]:
    """(statements, server exchanges) of one page view, counted on the connection: BEGIN and
    COMMIT are one exchange each, the pipelined statements one together."""
    import psycopg

    from outreachpass.api.visitor import new_session_id
    from outreachpass.services.card_tracking import Visitor
    from outreachpass.services.cards_public import open_card_page

    statements = 0
    pipelines = 0
    execute, pipeline = psycopg.Connection.execute, psycopg.Connection.pipeline

    def counting_execute(self, *args, **kwargs):
        nonlocal statements
        statements += 1
        return execute(self, *args, **kwargs)

    def counting_pipeline(self, *args, **kwargs):
        nonlocal pipelines
        pipelines += 1
        return pipeline(self, *args, **kwargs)

    psycopg.Connection.execute = counting_execute  # type: ignore[method-assign]
    psycopg.Connection.pipeline = counting_pipeline  # type: ignore[method-assign]
    try:
        open_card_page(card_id, Visitor("203.0.113.9", PHONE_UA, None, new_session_id()), "qr")
    finally:
        psycopg.Connection.execute = execute  # type: ignore[method-assign]
        psycopg.Connection.pipeline = pipeline  # type: ignore[method-assign]
    return statements, 2 + pipelines  # BEGIN + COMMIT + one exchange per pipeline


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    data = _populate(stack.db_urls.admin_url)
    card_id = data["card_id"]
    invoke = _invoker()
    params = {"card_id": card_id}
    session = [("user-agent", PHONE_UA), ("cookie", "op_sid=benchbenchbenchbench01")]

    def page_returning() -> dict[str, Any]:
        return invoke("GET", "/c/{card_id}", f"/c/{card_id}", query="src=qr", headers=session, params=params)

    def page_first() -> dict[str, Any]:
        return invoke("GET", "/c/{card_id}", f"/c/{card_id}", query="src=qr", headers=[("user-agent", PHONE_UA)], params=params)

    beacon_body = json.dumps({"card_id": card_id, "type": "add_to_contacts"}).encode()

    def beacon() -> dict[str, Any]:
        return invoke("POST", "/api/track/events", "/api/track/events", headers=[*session, ("content-type", "application/json")], body=beacon_body)

    def vcard() -> dict[str, Any]:
        return invoke("GET", "/c/{card_id}/vcard", f"/c/{card_id}/vcard", headers=session, params=params)

    def qr_png() -> dict[str, Any]:
        return invoke("GET", "/c/{card_id}/qr.png", f"/c/{card_id}/qr.png", params=params)

    missing = str(uuid.uuid4())

    def not_found() -> dict[str, Any]:
        return invoke("GET", "/c/{card_id}", f"/c/{missing}", headers=session, params={"card_id": missing})

    first = page_returning()  # cold in this process: ua-parser resolver build, jinja2 compile
    size = len(first["body"].encode())
    results: list[Result] = []
    results += _case("card page (returning visitor, ?src=qr)", page_returning, target="< 5 ms")
    results += _case("card page (first visit, new session)", page_first, target="< 5 ms")
    results += _case("beacon (add_to_contacts)", beacon, target="< 2 ms")
    results += _case("vCard download", vcard)
    results += _case("QR PNG (from the S3 cache)", qr_png, iterations=max(50, ITERATIONS // 5))
    results += _case("card page, unknown card (404 page)", not_found)
    results.append(Result("public card page", "html size", size, "bytes", "a few KB"))
    results.append(Result("public card page (returning visitor)", "CPU p50", _cpu_ms(page_returning, ITERATIONS), "ms", "",
                          "process CPU per call: handler, render, parsing; not PostgreSQL"))
    results.append(Result("public beacon", "CPU p50", _cpu_ms(beacon, ITERATIONS), "ms"))
    statements, exchanges = _round_trips_per_view(card_id)
    results.append(Result("public card page", "database exchanges per view", exchanges, "round trips", "",
                          f"BEGIN, one pipeline of {statements} statements (resolver, card/event/brand join, view insert), COMMIT"))
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
