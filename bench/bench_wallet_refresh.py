"""Passes refreshed on an event or brand edit, at the issue's scale: an event of
BENCH_REFRESH_CARDS cards (default 50,000), every card with an Apple and a Google pass.

Setup (not timed): on the shared bench stack, a tenant, brand and event, the attendees and their
cards, and 2 passes per card (SQL, as the owner).

Timed, through the real handlers in-process (warm container), BENCH_REFRESH_RUNS times each:
- PATCH /events/{event_id} (a new name): the request, which writes one refresh request for the
  event in its transaction (migrations/V0631), whatever the number of cards;
- PATCH /brands/{brand_id} (a new primary colour): the same for the brand.
Between runs the refresh request is removed (untimed), so each run starts alike.

The expansion is timed on its own (every chunk of one event edit, SQL only: every pass re-tagged,
one outbox row per card, a chunk per transaction). Then the relay
(services.wallet.push.dispatch_outbox, the wallet_outbox_relay schedule) runs on one event edit
BENCH_REFRESH_RELAY_RUNS times (default 2) with its real budget, sending to moto's SQS: messages
per second, and the minutes to drain the event at that rate (SQS in AWS is faster than moto on a
shared machine).

    python -m bench wallet_refresh
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from typing import Any

from bench import Result, add_code_paths, route_invoker, staff_claims

CARDS = int(os.environ.get("BENCH_REFRESH_CARDS", "50000"))
RUNS = int(os.environ.get("BENCH_REFRESH_RUNS", "3"))
RELAY_RUNS = int(os.environ.get("BENCH_REFRESH_RELAY_RUNS", "2"))
ADMIN = "/api/v1/admin"
REQUEST_TIMEOUT_S = 10  # the events_update / brands_update functions' timeout (lambdas/routes.py Needs)


def _populate(admin_url: str) -> dict[str, str]:
    import psycopg

    tenant_id, event_id = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Refresh')", (tenant_id,))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'BENCH', 'Bench') RETURNING brand_id", (tenant_id,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at) "
            "VALUES (%s, %s, %s, 'Bench Expo', 'bench-refresh', '2030-05-01T09:00Z', '2030-05-03T18:00Z')",
            (event_id, tenant_id, brand_id),
        )
        conn.execute(
            """
            INSERT INTO attendees (tenant_id, event_id, email, first_name, last_name)
            SELECT %(tenant)s, %(event)s, 'refresh.' || i || '@bench.example.com', 'Ada', 'Bench ' || i
            FROM generate_series(1, %(n)s) AS i
            """,
            {"tenant": tenant_id, "event": event_id, "n": CARDS},
        )
        conn.execute(
            """
            WITH new_cards AS (
                INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, is_personal)
                SELECT tenant_id, event_id, attendee_id, first_name || ' ' || last_name, email, false
                FROM attendees WHERE event_id = %(event)s
                RETURNING card_id, owner_attendee_id
            )
            UPDATE attendees a SET card_id = c.card_id FROM new_cards c WHERE a.attendee_id = c.owner_attendee_id
            """,
            {"event": event_id},
        )
        conn.execute(
            """
            INSERT INTO wallet_passes (tenant_id, card_id, platform, serial_number, pass_type_id, authentication_token,
                                       google_object_id, vcard_rev, status)
            SELECT c.tenant_id, c.card_id, p.platform,
                   CASE p.platform WHEN 'apple' THEN md5(c.card_id::text) ELSE 'outreachpass-ticket-' || c.card_id END,
                   CASE p.platform WHEN 'apple' THEN 'pass.bench' ELSE '3388000000012345678.outreachpass-eventticket-' || c.event_id END,
                   CASE p.platform WHEN 'apple' THEN md5(random()::text) END,
                   CASE p.platform WHEN 'google' THEN '3388000000012345678.outreachpass-ticket-' || c.card_id END,
                   c.vcard_rev, 'active'
            FROM cards c CROSS JOIN (VALUES ('apple'), ('google')) AS p(platform)
            WHERE c.event_id = %(event)s
            """,
            {"event": event_id},
        )
        conn.execute("ANALYZE cards; ANALYZE wallet_passes; ANALYZE wallet_push_outbox")
    return {"tenant_id": str(tenant_id), "event_id": str(event_id), "brand_id": str(brand_id)}


def _progress(text: str) -> None:
    print(f"  wallet_refresh: {text}", file=sys.stderr, flush=True)


def _requests(admin_url: str, tenant_id: str, *, clear: bool = False) -> int:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        pending = conn.execute(
            "SELECT count(*) FROM wallet_refresh_requests WHERE tenant_id = %s AND done_at IS NULL", (tenant_id,)
        ).fetchone()[0]
        if clear:
            conn.execute("DELETE FROM wallet_refresh_requests WHERE tenant_id = %s", (tenant_id,))
            conn.execute("DELETE FROM wallet_push_outbox WHERE tenant_id = %s", (tenant_id,))
    return int(pending)


def _timed_edits(label: str, call: Any, admin_url: str, tenant_id: str) -> list[Result]:
    seconds = []
    for run in range(RUNS):
        started = time.perf_counter()
        response = call(run)
        seconds.append(time.perf_counter() - started)
        if response["statusCode"] != 200:
            raise RuntimeError(f"{label}: {response['statusCode']} {response.get('body')}")
        if _requests(admin_url, tenant_id, clear=True) != 1:
            raise RuntimeError(f"{label}: the edit did not request a refresh")
    name = f"wallet refresh: {label}, {CARDS:,} cards"
    note = "runs: " + ", ".join(f"{s * 1000:.0f}" for s in seconds) + f" ms; load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    return [
        Result(name, "median", round(statistics.median(seconds) * 1000, 1), "ms", f"< {REQUEST_TIMEOUT_S} s (the function's timeout)", note),
        Result(name, "max", round(max(seconds) * 1000, 1), "ms"),
    ]


def _expand_only(admin_url: str, data: dict[str, str]) -> tuple[float, int, int]:
    """Every chunk of one event's refresh request expanded, without sending: (seconds, cards, chunks)."""
    from outreachpass.data import wallet_outbox
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.wallet.push import EXPAND_CHUNK

    tenant_id = uuid.UUID(data["tenant_id"])
    with tenant_tx(tenant_id) as conn:
        wallet_outbox.request_refresh(conn, tenant_id, "event", uuid.UUID(data["event_id"]))
    cards = chunks = 0
    started = time.perf_counter()
    while True:
        with tenant_tx(tenant_id) as conn:
            request = wallet_outbox.claim_refresh_request(conn, tenant_id)
            if request is None:
                break
            cards += wallet_outbox.expand_refresh_request(conn, tenant_id, request, EXPAND_CHUNK)
            chunks += 1
    elapsed = time.perf_counter() - started
    _requests(admin_url, data["tenant_id"], clear=True)
    return elapsed, cards, chunks


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    admin_url = stack.db_urls.admin_url
    _progress(f"populating {CARDS:,} cards with 2 passes each")
    data = _populate(admin_url)
    _progress("timing the edit requests")
    invoke = route_invoker(staff_claims(admin_url, data["tenant_id"]))
    event_path, brand_path = f"{ADMIN}/events/{data['event_id']}", f"{ADMIN}/brands/{data['brand_id']}"

    results = _timed_edits(
        "event rename (PATCH /events)",
        lambda run: invoke("PATCH", f"{ADMIN}/events/{{event_id}}", event_path, params={"event_id": data["event_id"]},
                           body={"name": f"Bench Expo {run}"}),
        admin_url, data["tenant_id"],
    )
    results += _timed_edits(
        "brand colour (PATCH /brands)",
        lambda run: invoke("PATCH", f"{ADMIN}/brands/{{brand_id}}", brand_path, params={"brand_id": data["brand_id"]},
                           body={"theme": {"primary_color": f"#1{run % 10}2233"}}),
        admin_url, data["tenant_id"],
    )

    _progress("timing the expansion")
    expand_s, expanded, chunks = _expand_only(admin_url, data)
    results.append(Result(f"wallet refresh: expansion of {CARDS:,} cards (SQL only)", "seconds", round(expand_s, 2), "s",
                          note=f"{expanded:,} cards queued, {expanded * 2:,} passes re-tagged, in {chunks} transactions "
                               f"of up to {expanded // max(chunks - 1, 1):,} cards ({expanded / expand_s:,.0f} cards/s)"))

    # The relay after an edit, run after run (each with its real budget), until everything is sent.
    from outreachpass.services.wallet.push import RELAY_BUDGET_S, dispatch_outbox

    invoke("PATCH", f"{ADMIN}/events/{{event_id}}", event_path, params={"event_id": data["event_id"]}, body={"name": "Bench Expo relay"})
    tenant_id = uuid.UUID(data["tenant_id"])
    started, sent = time.perf_counter(), 0
    for run in range(RELAY_RUNS):
        sent += dispatch_outbox(tenant_ids=[tenant_id], budget_s=RELAY_BUDGET_S)
        _progress(f"relay run {run + 1}: {sent:,} messages sent so far")
        if _requests(admin_url, data["tenant_id"]) == 0 and sent >= expanded:
            break
    elapsed = time.perf_counter() - started
    _requests(admin_url, data["tenant_id"], clear=True)
    rate = sent / elapsed
    results.append(Result("wallet refresh: relay to SQS (moto)", "messages/s", round(rate), "msg/s",
                          note=f"{sent:,} of {CARDS:,} sent in {elapsed:.0f} s ({RELAY_RUNS} run(s) of at most {RELAY_BUDGET_S:g} s); "
                               f"the event drains in ~{CARDS / rate / 60:.1f} min of relay runs at this rate (one run a minute in AWS)"))
    # What moto's SQS takes alone on this machine now, for scale: 1,000 messages, ten per call.
    from outreachpass.integrations import queues

    started = time.perf_counter()
    queues.send_batch("wallet_push", [{"bench": i} for i in range(1000)])
    baseline = 1000 / (time.perf_counter() - started)
    results.append(Result("wallet refresh: moto SQS alone (send_batch)", "messages/s", round(baseline), "msg/s",
                          note=f"the relay's ceiling here; load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"))
    # The queue holds those messages now; nobody runs the wallet_push worker on them here.
    stack.boto("sqs").purge_queue(QueueUrl=stack.resources.queues["wallet_push"].url)
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
