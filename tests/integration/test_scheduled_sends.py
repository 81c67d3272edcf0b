"""Scheduled card e-mails through the local stack: POST .../emails with send_at makes a `scheduled`
job and queues nothing; the email_schedule handler of the route table, invoked as EventBridge
would (LocalStack.run_schedule), leaves it alone until it is due, then starts it (audience decided
then) and the real worker mails it through moto; a scheduled job can be cancelled (twice: the same
answer) and then never sends; a started one cannot be cancelled; send_at is validated."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, job_row, make_world, unique_email

LEAD_S = 3.0  # how far ahead the tests schedule


@pytest.fixture
def world(local_stack, database, tenant_factory):
    return make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace", "last_name": "Hopper"},
    ])


@pytest.fixture
def admin(world, claims_for):
    return claims_for(world.tenant_id, "admin")


def schedule(call_route, world, claims, send_at: datetime, **body):
    return call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=claims,
                      json_body={"send_at": send_at.isoformat(), **body})


def released(local_stack, job_id) -> bool:
    result = local_stack.run_schedule("email_schedule")
    assert set(result) >= {"due", "released", "waiting", "failed", "errors"}
    return str(job_id) in result["jobs"]


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.2)


def test_a_scheduled_send_waits_then_the_schedule_starts_it_and_the_worker_mails(call_route, local_stack, database, world, admin):
    send_at = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    response = schedule(call_route, world, admin, send_at.astimezone(), audience="unsent")
    assert response.status == 202, response
    job = response.json["data"]["job"]  # the one 202 shape of job-starting routes
    assert job["status"] == "scheduled"
    assert datetime.fromisoformat(job["scheduled_for"]) == send_at
    assert job["counts"]["suppressed"] == 0

    # Nothing is queued: the workers find nothing, the schedule finds it not yet due.
    local_stack.run_workers_once()
    assert not released(local_stack, job["job_id"])
    assert all(captured_for(local_stack, a["email"]) == [] for a in world.attendees)
    assert job_row(database, job["job_id"])["status"] == "scheduled"

    # Someone registers meanwhile: `unsent` is decided when the job starts, so they are mailed too.
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.attendees import create_attendee_with_card

    late = unique_email("late")
    with tenant_tx(world.tenant_id) as conn:
        create_attendee_with_card(conn, world.tenant_id, world.event_id, {
            "email": late, "phone": None, "first_name": "Late", "last_name": "Comer", "org_name": None,
            "title": None, "linkedin_url": None})

    wait_until(send_at)
    assert released(local_stack, job["job_id"])
    row = job_row(database, job["job_id"])
    assert row["status"] == "queued" and row["total"] == 3 and row["input"]["template"] is None
    assert not released(local_stack, job["job_id"])  # released once only

    local_stack.run_workers_once()
    done = call_route("GET", f"{ADMIN}/jobs/{job['job_id']}", claims=admin).json["data"]
    assert done["status"] == "succeeded" and done["counts"]["succeeded"] == 3
    for email in [a["email"] for a in world.attendees] + [late]:
        [message] = captured_for(local_stack, email)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the schedule was recorded as such in the audit log
    with psycopg.connect(database.admin_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE tenant_id = %s AND entity_id = %s",
                                              (world.tenant_id, str(job["job_id"]))).fetchall()]
    assert actions == ["emails.schedule"]


def test_a_cancelled_job_never_sends_and_a_started_one_cannot_be_cancelled(call_route, local_stack, database, world, admin):
    send_at = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    job = schedule(call_route, world, admin, send_at, audience="all").json["data"]["job"]
    for _ in range(2):
        cancelled = call_route("POST", f"{ADMIN}/jobs/{job['job_id']}/cancel", claims=admin)
        assert cancelled.status == 200, cancelled
        assert cancelled.json["data"]["status"] == "cancelled" and cancelled.json["data"]["finished_at"]
    wait_until(send_at)
    assert not released(local_stack, job["job_id"])
    local_stack.run_workers_once()
    assert all(captured_for(local_stack, a["email"]) == [] for a in world.attendees)
    assert job_row(database, job["job_id"])["status"] == "cancelled"

    # an immediate send may start while a scheduled one waits; that one cannot be cancelled
    now = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert now.status == 202 and now.json["data"]["job"]["status"] == "queued"
    refused = call_route("POST", f"{ADMIN}/jobs/{now.json['data']['job']['job_id']}/cancel", claims=admin)
    assert refused.status == 409 and refused.json["error"]["code"] == "JOB_NOT_CANCELLABLE"
    local_stack.run_workers_once()
    refused = call_route("POST", f"{ADMIN}/jobs/{now.json['data']['job']['job_id']}/cancel", claims=admin)
    assert refused.status == 409 and refused.json["error"]["code"] == "JOB_NOT_CANCELLABLE"
    assert all(len(captured_for(local_stack, a["email"])) == 1 for a in world.attendees)


def test_another_tenant_cannot_cancel_and_an_exhibitor_cannot_schedule(call_route, world, admin, tenant_factory, claims_for):
    job = schedule(call_route, world, admin, datetime.now(UTC) + timedelta(hours=1)).json["data"]["job"]
    stranger = claims_for(tenant_factory(), "admin")
    response = call_route("POST", f"{ADMIN}/jobs/{job['job_id']}/cancel", claims=stranger)
    assert response.status == 404 and response.json["error"]["code"] == "JOB_NOT_FOUND"
    assert call_route("GET", f"{ADMIN}/jobs/{job['job_id']}", claims=admin).json["data"]["status"] == "scheduled"
    editor = claims_for(world.tenant_id, "user")
    assert call_route("POST", f"{ADMIN}/jobs/{job['job_id']}/cancel", claims=editor).status == 200


@pytest.mark.parametrize("send_at, reason", [
    ("2020-01-01T09:00:00+00:00", "in the future"),
    ("2099-01-01T09:00:00+00:00", "at most 90 days"),
    ("2030-01-01T09:00:00", "time zone"),
    ("tomorrow", None),
])
def test_send_at_is_validated(call_route, world, admin, database, send_at, reason):
    response = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"send_at": send_at})
    assert response.status == 400, response
    [detail] = response.json["error"]["details"]
    assert detail["field"] == "send_at"
    if reason == "time zone":
        assert "timezone" in detail["reason"].lower() or "time zone" in detail["reason"].lower()
    elif reason:
        assert reason in detail["reason"]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE tenant_id = %s", (world.tenant_id,)).fetchone()[0] == 0


def test_an_overdue_job_of_an_archived_event_fails_instead_of_sending(call_route, local_stack, database, world, admin):
    send_at = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    job = schedule(call_route, world, admin, send_at).json["data"]["job"]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET status = 'archived' WHERE event_id = %s", (world.event_id,))
    wait_until(send_at)
    local_stack.run_schedule("email_schedule")
    row = job_row(database, job["job_id"])
    assert row["status"] == "failed" and row["error"].startswith("EVENT_ARCHIVED")
    local_stack.run_workers_once()
    assert all(captured_for(local_stack, a["email"]) == [] for a in world.attendees)
