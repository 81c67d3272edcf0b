"""Issue 17's e-mail paths, through their real code against the local stack's PostgreSQL and moto:

- one-click unsubscribe: POST /api/track/email/unsubscribe/{message_id}?s=... through its real
  handler in-process (the origin header CloudFront adds, no sign-in), for sent messages of one
  tenant: the first POST of each (the address is added), then each again (already there);
- the scheduled-send release: the email_schedule job's release_due over many due jobs (one per
  event, each of a few attendees), each locked, its audience read, its template fixed, its
  batches queued to SQS (moto) and the job made `queued`, as EventBridge runs it every minute.

    python -m bench email17
"""

from __future__ import annotations

import importlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bench import Result, add_code_paths, latency_results

MESSAGES = 400
WARMUP = 20
JOBS = 200
ATTENDEES_PER_EVENT = 5


def _tenant(admin_url: str, name: str) -> uuid.UUID:
    import psycopg

    tenant_id = uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, %s)", (tenant_id, name))
    return tenant_id


def _sent_messages(admin_url: str, tenant_id: uuid.UUID, count: int) -> list[tuple[str, str]]:
    """(message_id, recipient) of `count` sent card e-mails of one event."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        event_id = conn.execute(
            "INSERT INTO events (tenant_id, name, slug, starts_at, ends_at, timezone, status) "
            "VALUES (%s, 'Expo', 'expo', '2030-05-01T09:00Z', '2030-05-03T18:00Z', 'UTC', 'active') RETURNING event_id",
            (tenant_id,),
        ).fetchone()[0]
        rows = conn.execute(
            """
            INSERT INTO email_sends (tenant_id, event_id, message_id, provider_message_id, recipient_email, status, claimed_at, sent_at)
            SELECT %s, %s, gen_random_uuid()::text, 'ses-' || i, 'person' || i || '@bench.example.com', 'sent', now(), now()
            FROM generate_series(1, %s) i
            RETURNING message_id, recipient_email
            """,
            (tenant_id, event_id, count),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _unsubscribe_caller(base_url: str) -> Any:
    import routes
    from local.edge import origin_headers
    from local.events import LambdaContext, function_name, http_api_event

    route = routes.find_route("POST", "/api/track/email/unsubscribe/{message_id}")
    handler = importlib.import_module(route.handler).handler
    context = LambdaContext(function_name=function_name("bench", route.handler))
    cloudfront = origin_headers()

    def call(url: str) -> float:
        parts = urlsplit(url)
        message_id = parts.path.rsplit("/", 1)[1]
        event = http_api_event(
            method="POST", raw_path=parts.path, raw_query=parts.query, route_key=route.route_key,
            path_parameters={"message_id": message_id},
            header_pairs=[("content-type", "application/x-www-form-urlencoded"), *cloudfront],
            body=b"List-Unsubscribe=One-Click",
        )
        start = time.perf_counter()
        response = handler(event, context)
        elapsed = (time.perf_counter() - start) * 1000
        if response["statusCode"] != 200:
            raise RuntimeError(f"unsubscribe answered {response['statusCode']}: {str(response.get('body'))[:200]}")
        return elapsed

    return call


def _scheduled_jobs(admin_url: str, tenant_id: uuid.UUID) -> None:
    """JOBS events of ATTENDEES_PER_EVENT attendees, each with one e-mail job due a minute ago."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute(
            """
            WITH ev AS (
                INSERT INTO events (tenant_id, name, slug, starts_at, ends_at, timezone, status)
                SELECT %(t)s, 'Expo ' || i, 'expo-' || i, '2030-05-01T09:00Z', '2030-05-03T18:00Z', 'UTC', 'active'
                FROM generate_series(1, %(jobs)s) i
                RETURNING event_id
            ), people AS (
                INSERT INTO attendees (tenant_id, event_id, email, first_name)
                SELECT %(t)s, ev.event_id, 'p' || j || '-' || ev.event_id || '@bench.example.com', 'P'
                FROM ev, generate_series(1, %(n)s) j
                RETURNING event_id
            )
            INSERT INTO jobs (tenant_id, event_id, kind, status, scheduled_for, input)
            SELECT %(t)s, event_id, 'emails', 'scheduled', now() - interval '1 minute',
                   '{"audience": "all", "batch_size": 50, "subject": null, "message": null}'::jsonb
            FROM ev
            """,
            {"t": tenant_id, "jobs": JOBS, "n": ATTENDEES_PER_EVENT},
        )


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack
    from outreachpass.services.email.scheduling import release_due
    from outreachpass.services.email.unsubscribe import unsubscribe_url

    stack = shared_stack()
    admin_url = stack.db_urls.admin_url
    base_url = stack.api_url

    tenant_id = _tenant(admin_url, "Bench Unsubscribe")
    messages = _sent_messages(admin_url, tenant_id, MESSAGES + WARMUP)
    urls = [unsubscribe_url(base_url, tenant_id, message_id, email) for message_id, email in messages]
    call = _unsubscribe_caller(base_url)
    for url in urls[:WARMUP]:
        call(url)
    first = [call(url) for url in urls[WARMUP:]]
    again = [call(url) for url in urls[WARMUP:]]
    results = latency_results("unsubscribe: one-click POST, address added", first)
    results += latency_results("unsubscribe: one-click POST, already suppressed", again)

    _scheduled_jobs(admin_url, _tenant(admin_url, "Bench Schedule"))
    started = time.perf_counter()
    released = 0
    now = datetime.now(UTC) + timedelta(seconds=1)
    while True:  # RELEASE_LIMIT per run; other tenants' due jobs (none in a bench stack) would count too
        report = release_due(now=now)
        released += report.released
        if report.due == 0 or report.released == 0:
            break
    wall_ms = (time.perf_counter() - started) * 1000
    if released < JOBS:
        raise RuntimeError(f"released {released} of {JOBS} scheduled jobs")
    results += [
        Result("schedule: release due e-mail jobs", f"{released} jobs of {ATTENDEES_PER_EVENT} attendees: total",
               round(wall_ms, 1), "ms", note=f"{released / (wall_ms / 1000):.0f} jobs/s"),
        Result("schedule: release due e-mail jobs", "per job", round(wall_ms / released, 3), "ms",
               note="lock, audience, template, SQS batch, queued"),
    ]
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
