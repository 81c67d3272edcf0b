"""Lead capture by exhibitors (POST /api/v1/leads), through its real handler in-process against the
local stack's PostgreSQL, as a phone on a show floor uses it:

- capture: a new card's QR URL scanned, one request per card (201), then the same cards scanned
  again (200: the existing lead, nothing written);
- the sync of an offline queue: 500 scans with their client_ids posted one after another (what
  the scanner does when the network returns), then the whole queue replayed twice (each replay
  finds the lead its client_id made: 200, no duplicates).

Each request is what Lambda runs warm: the caller check, the exhibitor from the caller's row, the
card of the exhibitor's event, the lead and its card's engagement event in one statement.

    python -m bench leads
"""

from __future__ import annotations

import importlib
import json
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench import Result, add_code_paths, latency_results, percentile, staff_claims

CARDS = 520
WARMUP = 20
QUEUE = 500
TARGET = "< 5 ms"


def _populate(admin_url: str) -> dict[str, Any]:
    """A tenant with an event of CARDS attendees with cards, and two exhibitors of it, each with staff."""
    import psycopg

    tenant_id = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Leads')", (tenant_id,))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'BENCH', 'Bench') RETURNING brand_id", (tenant_id,)
        ).fetchone()[0]
        event_id = conn.execute(
            "INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status) "
            "VALUES (%s, %s, 'Expo', 'expo', '2030-05-01T09:00Z', '2030-05-03T18:00Z', 'Europe/Berlin', 'active') RETURNING event_id",
            (tenant_id, brand_id),
        ).fetchone()[0]
        cards = [row[0] for row in conn.execute(
            """
            WITH people AS (
                INSERT INTO attendees (tenant_id, event_id, email, first_name, last_name, org_name, title, phone, linkedin_url)
                SELECT %(tenant)s, %(event)s, 'person' || i || '@bench.example.com', 'Person', 'No. ' || i, 'Org ' || i,
                       'Engineer', '+49 30 555 ' || i, 'https://www.linkedin.com/in/person-' || i
                FROM generate_series(1, %(n)s) i
                RETURNING attendee_id, email, first_name, last_name, org_name, title, phone, linkedin_url
            )
            INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json, is_personal)
            SELECT %(tenant)s, %(event)s, attendee_id, first_name || ' ' || last_name, email, phone, org_name, title,
                   jsonb_build_object('linkedin', linkedin_url), false
            FROM people
            RETURNING card_id
            """,
            {"tenant": tenant_id, "event": event_id, "n": CARDS},
        ).fetchall()]
        exhibitors = [
            conn.execute(
                "INSERT INTO exhibitors (tenant_id, event_id, name) VALUES (%s, %s, %s) RETURNING exhibitor_id", (tenant_id, event_id, name)
            ).fetchone()[0]
            for name in ("Booth capture", "Booth sync")
        ]
    staff = []
    for index, exhibitor_id in enumerate(exhibitors):
        claims = staff_claims(admin_url, str(tenant_id), "exhibitor", sub=f"bench-booth-{index}")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("UPDATE users SET exhibitor_id = %s WHERE cognito_sub = %s", (exhibitor_id, claims["sub"]))
        staff.append(claims)
    return {"tenant_id": tenant_id, "cards": cards, "staff": staff}


def _capture(claims: dict[str, str]) -> Callable[[dict[str, Any], int], float]:
    """POST /api/v1/leads with `body` through the real handler; returns milliseconds."""
    import routes
    from local.events import LambdaContext, function_name, http_api_event

    route = routes.find_route("POST", "/api/v1/leads")
    handler = importlib.import_module(route.handler).handler
    context = LambdaContext(function_name=function_name("bench", route.handler))

    def call(body: dict[str, Any], expected: int) -> float:
        event = http_api_event(method="POST", raw_path=route.path, route_key=route.route_key, claims=claims,
                               header_pairs=[("content-type", "application/json")], body=json.dumps(body).encode())
        start = time.perf_counter()
        response = handler(event, context)
        elapsed = (time.perf_counter() - start) * 1000
        if response["statusCode"] != expected:
            raise RuntimeError(f"expected {expected}, got {response['statusCode']} {response.get('body', '')[:200]}")
        return elapsed

    return call


def _pass(samples: list[float], wall_s: float, label: str) -> list[Result]:
    return [
        Result("leads: sync of 500 queued scans", f"{label}: total", round(wall_s * 1000, 1), "ms", note=f"{len(samples) / wall_s:.0f} scans/s"),
        Result("leads: sync of 500 queued scans", f"{label}: p50 per scan", round(statistics.median(samples), 3), "ms", TARGET),
        Result("leads: sync of 500 queued scans", f"{label}: p99 per scan", round(percentile(samples, 99), 3), "ms"),
    ]


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    world = _populate(stack.db_urls.admin_url)
    cards = world["cards"]
    capture = _capture(world["staff"][0])

    for card in cards[:WARMUP]:  # warm: imports, connection, prepared statements
        capture({"scan": f"https://cards.example.com/c/{card}?src=qr"}, 201)
    fresh = [capture({"scan": f"https://cards.example.com/c/{card}?src=qr"}, 201) for card in cards[WARMUP:WARMUP + QUEUE]]
    again = [capture({"scan": f"https://cards.example.com/c/{card}?src=qr"}, 200) for card in cards[WARMUP:WARMUP + QUEUE]]
    results = latency_results("leads: capture a new lead (201)", fresh, target_p50=TARGET)
    results += latency_results("leads: scan a captured card again (200)", again, target_p50=TARGET)

    sync = _capture(world["staff"][1])
    queue = [{"scan": f"https://cards.example.com/c/{card}?src=qr", "client_id": str(uuid.uuid4()), "rating": "warm",
              "notes": "met at the booth", "tags": ["expo"]} for card in cards[:QUEUE]]
    for label, expected in (("first sync", 201), ("replay 1", 200), ("replay 2", 200)):
        started = time.perf_counter()
        samples = [sync(scan, expected) for scan in queue]
        results += _pass(samples, time.perf_counter() - started, label)
    _check_no_duplicates(stack.db_urls.admin_url, world)
    return results + _reference(stack.db_urls.admin_url)


def _reference(admin_url: str) -> list[Result]:
    """What this machine's database costs right now, for reading the figures above on a shared,
    busy machine: an empty read transaction and a one-row write transaction (its COMMIT waits
    for the WAL flush, as a capture's does)."""
    import psycopg

    samples: dict[str, list[float]] = {"read": [], "write": []}
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_reference_rows (x int)")
        for _ in range(200):
            for kind, sql in (("read", "SELECT 1"), ("write", "INSERT INTO bench_reference_rows VALUES (1)")):
                start = time.perf_counter()
                with conn.transaction():
                    conn.execute(sql)
                samples[kind].append((time.perf_counter() - start) * 1000)
        conn.execute("DROP TABLE bench_reference_rows")
    return [
        Result("leads: reference", "read transaction p50", round(statistics.median(samples["read"]), 3), "ms", note="BEGIN, SELECT 1, COMMIT"),
        Result("leads: reference", "write transaction p50", round(statistics.median(samples["write"]), 3), "ms",
               note="BEGIN, one INSERT, COMMIT (WAL flush)"),
    ]


def _check_no_duplicates(admin_url: str, world: dict[str, Any]) -> None:
    import psycopg

    with psycopg.connect(admin_url) as conn:
        leads, events = conn.execute(
            "SELECT (SELECT count(*) FROM leads WHERE tenant_id = %(t)s), "
            "(SELECT count(*) FROM card_engagement_events WHERE tenant_id = %(t)s AND event_type = 'lead_captured')",
            {"t": world["tenant_id"]},
        ).fetchone()
    expected = QUEUE + WARMUP + QUEUE
    if (leads, events) != (expected, expected):
        raise RuntimeError(f"duplicates or losses: {leads} leads and {events} engagement events, expected {expected}")


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
