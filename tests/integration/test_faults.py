"""Faults: the database going away and coming back, messages that always fail, workers that
die mid-job, and thousands of concurrent tracking hits.

* Database: the functions reach PostgreSQL through a TCP proxy (tests/fixtures/tcp_proxy.py)
  that can cut every connection, mid-query included, and refuse new ones, then come back on
  the same address; the shared test server itself is never stopped. A request cut mid-way
  answers 503 with the error envelope and leaves nothing half-written; while the database is
  away no route of the table answers a 500; when it is back the same container serves again.
  (tests/integration/test_events_api.py covers a wrong DATABASE_URL from the start.)
* An SQS message that always fails, on every worker of the table: retried exactly the
  queue's max_receive_count times, then visible in that queue's DLQ and gone from the queue.
  (tests/integration/test_local_poller.py covers the poller's redrive with a test worker.)
* A worker crash mid-job: PostgreSQL kills the worker's own connection in the middle of the
  job (a trigger calls pg_terminate_backend on the worker's backend, once: a sequence is not
  rolled back), as when a Lambda dies; SQS delivers again and the job ends with every row
  written once: CSV import (one transaction) and email sends (claims, nobody mailed twice).
* Concurrent tracking hits: thousands of requests from many threads through the local HTTP
  server on every tracking route of the table (card views, the beacon, the open pixel), each
  one recorded: the rows counted afterwards equal the hits sent.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psycopg
import pytest

import routes
from tests.fixtures.database import seed_tenant_graph
from tests.fixtures.tcp_proxy import TcpProxy

ADMIN = routes.ADMIN_PREFIX
HITS = int(os.environ.get("FAULTS_TRACKING_HITS", "1200"))  # per tracking route
THREADS = int(os.environ.get("FAULTS_TRACKING_THREADS", "16"))


# --- the database going away ------------------------------------------------------------------


@pytest.fixture
def proxied_database(app_env, monkeypatch):
    """The runtime's DATABASE_URL points at the test database through a TCP proxy."""
    from outreachpass.config import reset_settings
    from outreachpass.db.connection import reset_database

    proxy = TcpProxy.for_conninfo(app_env.app_url).start()
    monkeypatch.setenv("DATABASE_URL", proxy.conninfo)
    reset_settings()
    reset_database()
    try:
        yield proxy
    finally:
        proxy.stop()
        monkeypatch.undo()
        reset_settings()
        reset_database()


@pytest.fixture
def tenant(tenant_factory, claims_for, call_route):
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    body = {"name": "Fault Expo", "slug": f"fault-{uuid.uuid4().hex[:8]}", "starts_at": "2031-05-01T09:00:00Z",
            "ends_at": "2031-05-02T18:00:00Z", "timezone": "UTC"}
    brand = call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand
    event = call_route("POST", f"{ADMIN}/events", claims=admin, json_body=body)
    assert event.status == 201, event
    return {"id": tenant_id, "admin": admin, "event_id": event.json["data"]["event_id"]}


def assert_unavailable(response):
    assert response.status == 503, response
    assert response.json["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.json["error"]["correlation_id"] == response.headers["x-correlation-id"]
    assert "Traceback" not in response.text and "psycopg" not in response.text


def wait_for(condition, timeout_s: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_database_going_away_mid_request_is_a_503_and_the_function_recovers(proxied_database, tenant, call_route, database):
    proxy = proxied_database
    event_path = f"{ADMIN}/events/{tenant['event_id']}"
    assert call_route("GET", event_path, claims=tenant["admin"]).status == 200

    # Hold the event's row so the update blocks inside its transaction, then cut the database.
    with psycopg.connect(database.admin_url) as holder:
        holder.execute("SELECT 1 FROM events WHERE event_id = %s FOR UPDATE", (tenant["event_id"],))
        holder_pid = holder.info.backend_pid
        outcome = {}
        request = threading.Thread(
            target=lambda: outcome.update(response=call_route("PATCH", event_path, claims=tenant["admin"], json_body={"name": "Renamed"}))
        )
        request.start()
        with psycopg.connect(database.admin_url, autocommit=True) as observer:
            wait_for(
                lambda: observer.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (holder_pid,)).fetchone()[0],
                what="the update to wait on the row lock",
            )
        proxy.stop()
        request.join(timeout=30)
        assert not request.is_alive()
        holder.rollback()
    assert_unavailable(outcome["response"])

    # Away: every request is refused quickly with the envelope.
    assert_unavailable(call_route("GET", "/health"))
    assert_unavailable(call_route("GET", f"{ADMIN}/events", claims=tenant["admin"]))

    # Back, same address, same container: it serves again, and the cut update left nothing behind.
    proxy.start()
    assert call_route("GET", "/health").status == 200
    current = call_route("GET", event_path, claims=tenant["admin"])
    assert current.status == 200
    assert current.json["data"]["name"] == "Fault Expo"
    renamed = call_route("PATCH", event_path, claims=tenant["admin"], json_body={"name": "Renamed"})
    assert renamed.status == 200, renamed
    assert renamed.json["data"]["name"] == "Renamed"


def test_no_route_answers_500_while_the_database_is_away(proxied_database, tenant, call_route, claims_for):
    proxied_database.stop()
    problems = []
    for route in routes.ROUTES:
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)
        claims = None if route.is_public else claims_for(tenant["id"], "admin" if "admin" in route.roles else route.roles[0])
        body = {} if route.method in ("POST", "PUT", "PATCH") else None
        response = call_route(route.method, path, claims=claims, json_body=body)
        if response.status >= 500 and response.status != 503:
            problems.append(f"{route.route_key} -> {response.status} {response.text[:200]}")
        if response.status == 503 and response.json is not None and not re.fullmatch(r"[A-Z][A-Z0-9_]*", str(response.json.get("error", {}).get("code"))):
            problems.append(f"{route.route_key} -> 503 without the error envelope: {response.text[:200]}")
    assert not problems, "\n".join(problems)
    assert_unavailable(call_route("GET", f"{ADMIN}/events/{tenant['event_id']}", claims=tenant["admin"]))


# --- messages that always fail -------------------------------------------------------------------


def drain(sqs, url):
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])


def visible(sqs, url) -> dict[str, str]:
    found: dict[str, str] = {}
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0).get("Messages", [])
        new = [m for m in batch if m["MessageId"] not in found]
        if not new:
            return found
        found.update({m["MessageId"]: m["Body"] for m in new})


# Workers that drop a body they cannot parse (retrying cannot help) get a well-formed message:
# with their database away it fails on every delivery all the same.
WELL_FORMED = {
    "send_emails": lambda: {"job_id": str(uuid.uuid4()), "tenant_id": str(uuid.uuid4()), "attendee_ids": [str(uuid.uuid4())]},
    "import_attendees": lambda: {"type": "import", "tenant_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4())},
}


@pytest.mark.parametrize("worker", routes.WORKERS, ids=[w.name for w in routes.WORKERS])
def test_a_message_that_always_fails_lands_in_the_dlq_after_max_receives(local_stack, proxied_database, worker):
    """The database stays away for the whole run: every delivery fails, as in a long outage.
    Messages of the shared contract (outreachpass.workers.sqs_handler) that are not JSON fail
    the same way, database or not."""
    sqs = local_stack.boto("sqs")
    queue = local_stack.resources.queues[worker.queue]
    for url in (queue.url, queue.dlq_url):
        drain(sqs, url)
    make = WELL_FORMED.get(worker.name)
    poison = json.dumps(make()) if make else f"not json {uuid.uuid4()}"
    message_id = sqs.send_message(QueueUrl=queue.url, MessageBody=poison)["MessageId"]
    proxied_database.stop()
    try:
        report = local_stack.run_workers_once()
        attempts = sum(batch.failed.count(message_id) for batch in report.batches if batch.worker == worker.name)
        assert attempts == queue.max_receive_count, report
        assert message_id not in visible(sqs, queue.url)
        assert visible(sqs, queue.dlq_url).get(message_id) == poison
        attributes = sqs.get_queue_attributes(QueueUrl=queue.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        assert int(attributes["ApproximateNumberOfMessages"]) >= 1
    finally:
        drain(sqs, queue.dlq_url)


# --- a worker crash mid-job ---------------------------------------------------------------------


@pytest.fixture
def crash_once(database):
    """crash_once(table, column, value): the next INSERT into `table` with `column` = value kills
    the inserting backend (its connection drops mid-transaction), once."""
    installed: list[tuple[str, str]] = []

    def install(table: str, column: str, value: str) -> None:
        name = f"crash_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(database.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE SEQUENCE {name}_seq")
            conn.execute(
                f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                    BEGIN
                      IF nextval('{name}_seq') = 1 THEN
                        PERFORM pg_terminate_backend(pg_backend_pid());
                        PERFORM pg_sleep(5);  -- the termination lands here
                      END IF;
                      RETURN NEW;
                    END $$"""
            )
            conn.execute(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN (NEW.{column} = '{value}') EXECUTE FUNCTION {name}()"
            )
            installed.append((table, name))

    def fired() -> list[int]:
        with psycopg.connect(database.admin_url, autocommit=True) as conn:
            return [conn.execute(f"SELECT last_value FROM {name}_seq").fetchone()[0] for _, name in installed]

    install.fired = fired  # type: ignore[attr-defined]
    yield install
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        for table, name in installed:
            conn.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            conn.execute(f"DROP FUNCTION IF EXISTS {name}()")
            conn.execute(f"DROP SEQUENCE IF EXISTS {name}_seq")


@pytest.fixture
def http_tenant(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    assert call("POST", f"{ADMIN}/brands", json={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    event = call("POST", f"{ADMIN}/events", json={"name": "Crash Expo", "slug": f"crash-{uuid.uuid4().hex[:8]}",
                                                "starts_at": "2031-05-01T09:00:00Z", "ends_at": "2031-05-02T18:00:00Z"})
    assert event.status == 201, event.text
    return {"id": tenant_id, "call": call, "event_id": event.json()["data"]["event_id"], "stack": local_stack}


def finish(tenant, job_id: str, rounds: int = 20) -> dict:
    for _ in range(rounds):
        tenant["stack"].run_workers_once()
        job = tenant["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]
        if job["status"] in ("succeeded", "succeeded_with_errors", "failed"):
            return job
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.mark.skipif(not any(r.route_key == f"POST {ADMIN}/events/{{event_id}}/imports" for r in routes.ROUTES), reason="no import route yet")
def test_an_import_worker_killed_mid_job_resumes_without_loss_or_duplicates(http_tenant, crash_once, database):
    rows = 60
    tag = uuid.uuid4().hex[:8]
    emails = [f"crash-{tag}-{i:03d}@example.com" for i in range(rows)]
    crash_once("attendees", "email", emails[rows // 2])  # half of the rows are written when it dies
    csv = "Email,First Name,Last Name\n" + "".join(f"{email},Row,{i}\n" for i, email in enumerate(emails))
    started = http_tenant["call"]("POST", f"{ADMIN}/events/{http_tenant['event_id']}/imports", body=csv.encode(),
                                  headers={"content-type": "text/csv", "x-filename": "crash.csv"})
    assert started.status == 202, started.text
    job = finish(http_tenant, started.json()["data"]["job"]["job_id"])
    assert crash_once.fired() == [2]  # it died once, and the redelivery ran through the trigger again
    assert job["status"] == "succeeded", job
    assert job["counts"]["created"] == rows
    with psycopg.connect(database.admin_url) as conn:
        stored = conn.execute(
            "SELECT email, count(*) FROM attendees WHERE event_id = %s GROUP BY email", (http_tenant["event_id"],)
        ).fetchall()
        cards = conn.execute("SELECT count(*) FROM cards WHERE event_id = %s AND deleted_at IS NULL", (http_tenant["event_id"],)).fetchone()[0]
    assert sorted(email for email, _ in stored) == emails
    assert all(count == 1 for _, count in stored)
    assert cards == rows


@pytest.mark.skipif(not any(r.route_key == f"POST {ADMIN}/events/{{event_id}}/emails" for r in routes.ROUTES), reason="no email route yet")
def test_an_email_worker_killed_mid_job_resumes_and_mails_nobody_twice(http_tenant, crash_once, database):
    stack = http_tenant["stack"]
    tag = uuid.uuid4().hex[:8]
    emails = [f"mail-{tag}-{i}@example.com" for i in range(6)]
    for i, email in enumerate(emails):
        created = http_tenant["call"]("POST", f"{ADMIN}/events/{http_tenant['event_id']}/attendees",
                                      json={"email": email, "first_name": "Mail", "last_name": f"Row {i}"})
        assert created.status == 201, created.text
    crash_once("email_sends", "recipient_email", emails[3])  # dies claiming the 4th, 3 already sent
    before = len(stack.sent_emails())
    started = http_tenant["call"]("POST", f"{ADMIN}/events/{http_tenant['event_id']}/emails", json={})
    assert started.status == 202, started.text
    job = finish(http_tenant, started.json()["data"]["job"]["job_id"])
    assert crash_once.fired() == [2]
    assert job["status"] == "succeeded", job
    sent = stack.sent_emails()[before:]
    # destinations holds the envelope address and the To header: one mail counts once per address
    recipients = Counter(
        address for mail in sent for address in set(re.findall(rf"mail-{tag}-\d@example\.com", json.dumps(mail["destinations"])))
    )
    assert sorted(recipients) == emails
    assert set(recipients.values()) == {1}, recipients
    with psycopg.connect(database.admin_url) as conn:
        statuses = conn.execute(
            "SELECT status, count(*) FROM email_sends WHERE recipient_email LIKE %s GROUP BY status", (f"mail-{tag}-%",)
        ).fetchall()
    assert dict(statuses) == {"sent": len(emails)}


# --- concurrent tracking hits -------------------------------------------------------------------


# Tracking routes, and how to hit one card's / message's counter (route key -> request, count query).
TRACKING = {
    "GET /c/{card_id}": lambda ids: ("GET", f"/c/{ids['card_id']}?src=qr", None,
                                     "SELECT count(*) FROM card_view_events WHERE card_id = %s", (ids["card_id"],)),
    "POST /api/track/events": lambda ids: ("POST", "/api/track/events", json.dumps({"card_id": str(ids["card_id"]), "type": "share"}).encode(),
                                           "SELECT count(*) FROM contact_export_events WHERE card_id = %s AND export_type = 'share'",
                                           (ids["card_id"],)),
    "GET /api/track/email/open/{pixel}": lambda ids: ("GET", f"/api/track/email/open/{ids['message_id']}.gif", None,
                                                      "SELECT count(*) FROM email_events WHERE message_id = %s AND event_type = 'opened'",
                                                      (ids["message_id"],)),
}
TRACKING_ROUTES = [key for key in TRACKING if any(route.route_key == key for route in routes.ROUTES)]


def hammer(api_url: str, method: str, path: str, body: bytes | None, hits: int, threads: int) -> Counter:
    """`hits` requests from `threads` threads, each on its own keep-alive connection."""
    parts = urlsplit(api_url)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    per_thread = [hits // threads + (1 if i < hits % threads else 0) for i in range(threads)]

    def run(count: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        headers = {"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "content-type": "application/json"}
        mine: Counter = Counter()
        for _ in range(count):
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                mine[response.status] += 1
            except (OSError, http.client.HTTPException) as exc:
                mine[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.close()
        with lock:
            outcomes.update(mine)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(run, per_thread))
    return outcomes


@pytest.mark.skipif(not TRACKING_ROUTES, reason="no tracking route in the table yet")
@pytest.mark.parametrize("route_key", TRACKING_ROUTES)
def test_thousands_of_concurrent_tracking_hits_are_all_recorded(local_stack, database, tenant_factory, route_key):
    tenant_id = tenant_factory()
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        ids = seed_tenant_graph(conn, tenant_id)
    method, path, body, count_sql, params = TRACKING[route_key](ids)
    with psycopg.connect(database.admin_url) as conn:
        before = conn.execute(count_sql, params).fetchone()[0]
    outcomes = hammer(local_stack.api_url, method, path, body, HITS, THREADS)
    with psycopg.connect(database.admin_url) as conn:
        after = conn.execute(count_sql, params).fetchone()[0]
    successes = sum(n for status, n in outcomes.items() if isinstance(status, int) and status < 300)
    assert successes == HITS, f"{route_key}: {dict(outcomes)}"
    assert after - before == HITS, f"{route_key}: {HITS} hits answered {dict(outcomes)}, {after - before} recorded"
