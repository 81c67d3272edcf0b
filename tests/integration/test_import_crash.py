"""A worker that dies part-way through an import: SQS redelivers the message and the final state
equals a clean run (no duplicate, no lost row); while it is down nothing half-done is visible."""

from __future__ import annotations

import random
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from outreachpass.data import imports as imports_data
from outreachpass.services.imports import importer
from outreachpass.services.imports.worker import run_import
from outreachpass.services.job_runs import JobBusy

ADMIN = "/api/v1/admin"
ROWS = 3000
CRASH_AFTER = 1700


class WorkerDied(Exception):
    """Stands for the process dying (the transaction is rolled back as when a connection drops)."""


def make_csv(rows: int = ROWS) -> bytes:
    rng = random.Random(7)
    lines = ["email,first_name,last_name,org_name,title,phone"]
    for i in range(rows):
        if i % 97 == 0:
            lines.append(f"broken-{i},Bad,Row,,,")  # invalid e-mail
        elif i % 89 == 0:
            lines.append(f"person{i - 1}@example.com,,,Merged Org {i},,")  # the e-mail of the row before: refused
        else:
            lines.append(f"person{i}@example.com,First{i},Last{rng.randint(0, 9999)},Org {i % 50},Title {i % 7},+1 555 {i:04d}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def api(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    assert call("POST", f"{ADMIN}/brands", json={"brand_key": "MAIN", "display_name": "Main"}).status == 201

    def new_event():
        body = {"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"}
        return call("POST", f"{ADMIN}/events", json=body).json()["data"]["event_id"]

    return {"tenant_id": tenant_id, "call": call, "new_event": new_event, "stack": local_stack}


def start(api, event_id: str, data: bytes) -> str:
    response = api["call"]("POST", f"{ADMIN}/events/{event_id}/imports", body=data, headers={"content-type": "text/csv"})
    assert response.status == 202, response.text
    return response.json()["data"]["job"]["job_id"]


def job(api, job_id: str) -> dict:
    return api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]


def state(database, event_id: str) -> dict:
    """The event's attendees and cards by e-mail, without ids and timestamps (comparable across events)."""
    with psycopg.connect(database.admin_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            """
            SELECT a.email, a.first_name, a.last_name, a.phone, a.org_name, a.title, a.linkedin_url,
                   c.display_name, c.email AS card_email, c.phone AS card_phone, c.org_name AS card_org, c.title AS card_title,
                   c.links_json, c.vcard_rev, c.owner_attendee_id = a.attendee_id AS linked
            FROM attendees a LEFT JOIN cards c ON c.card_id = a.card_id
            WHERE a.event_id = %s
            """,
            (event_id,),
        ).fetchall()
        cards = conn.execute("SELECT count(*) AS n FROM cards WHERE event_id = %s", (event_id,)).fetchone()["n"]
    by_email = {row.pop("email"): row for row in rows}
    assert len(by_email) == len(rows), "duplicate attendees"
    assert cards == len(rows), "cards without attendees, or attendees without cards"
    return by_email


def all_errors(api, job_id: str) -> list[dict]:
    response = api["call"]("GET", f"{ADMIN}/jobs/{job_id}/errors?limit=1000")
    assert response.status == 200 and response.json()["meta"]["next_cursor"] is None
    return response.json()["data"]


def comparable(job_out: dict) -> dict:
    return {"status": job_out["status"], "counts": job_out["counts"], "errors": job_out["errors"], "error": job_out["error"]}


@pytest.fixture
def clean_run(api, database):
    """The reference: the same file imported without incident into another event."""
    event_id = api["new_event"]()
    job_id = start(api, event_id, make_csv())
    api["stack"].run_workers_once()
    reference = job(api, job_id)
    assert reference["status"] == "succeeded_with_errors", reference
    assert reference["counts"]["failed"] > 0 and reference["counts"]["created"] > 0  # the file has both
    return {"job": comparable(reference), "state": state(database, event_id), "errors": all_errors(api, job_id)}


def redeliver_now(api, report) -> None:
    """Make the failed messages visible again at once (instead of waiting out the retry delay)."""
    sqs = api["stack"].boto("sqs")
    url = api["stack"].resources.queues["imports"].url
    for batch in report.batches:
        for handle in batch.failed_receipt_handles:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)


def test_worker_dying_mid_file_is_redelivered_and_ends_like_a_clean_run(api, database, clean_run, monkeypatch):
    real_validate = importer.validate_row
    seen = {"rows": 0, "crashes": 0}

    def validate_then_die(row):
        seen["rows"] += 1
        if seen["crashes"] == 0 and seen["rows"] > CRASH_AFTER:
            seen["crashes"] += 1
            raise WorkerDied(f"killed after {CRASH_AFTER} rows")
        return real_validate(row)

    monkeypatch.setattr(importer, "validate_row", validate_then_die)
    event_id = api["new_event"]()
    job_id = start(api, event_id, make_csv())

    first = api["stack"].run_workers_once(retries=False)
    assert seen["crashes"] == 1 and first.failed == 1
    # Down mid-file: the job shows it is running, and not one of the rows COPY'd so far is visible.
    during = job(api, job_id)
    assert during["status"] == "running"
    assert during["counts"]["total"] == 0
    assert state(database, event_id) == {}
    assert all_errors(api, job_id) == []  # not one row error of the dead attempt either

    redeliver_now(api, first)
    second = api["stack"].run_workers_once()
    assert second.succeeded == 1 and second.failed == 0
    assert comparable(job(api, job_id)) == clean_run["job"]
    assert state(database, event_id) == clean_run["state"]
    assert all_errors(api, job_id) == clean_run["errors"]


def test_worker_dying_after_the_upsert_before_commit(api, database, clean_run, monkeypatch):
    real_apply = imports_data.apply
    crashes = []

    def apply_then_die(*args, **kwargs):
        result = real_apply(*args, **kwargs)
        if not crashes:
            crashes.append(result)
            raise WorkerDied("killed after the upsert")
        return result

    monkeypatch.setattr(imports_data, "apply", apply_then_die)
    event_id = api["new_event"]()
    job_id = start(api, event_id, make_csv())
    report = api["stack"].run_workers_once()  # fails, is retried at once, succeeds
    assert len(crashes) == 1 and crashes[0].created > 0  # it had written everything when it died
    assert report.succeeded == 1
    assert comparable(job(api, job_id)) == clean_run["job"]
    assert state(database, event_id) == clean_run["state"]
    assert all_errors(api, job_id) == clean_run["errors"]


def test_a_failure_on_every_delivery_fails_the_job_and_dead_letters_the_message(api, database, monkeypatch):
    def always_die(*args, **kwargs):
        raise WorkerDied("always")

    monkeypatch.setattr(imports_data, "apply", always_die)
    sqs = api["stack"].boto("sqs")
    dlq = api["stack"].resources.queues["imports"].dlq_url
    event_id = api["new_event"]()
    job_id = start(api, event_id, make_csv(50))
    api["stack"].run_workers_once()
    failed = job(api, job_id)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "IMPORT_FAILED"
    assert state(database, event_id) == {}
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    assert any(job_id in message["Body"] for message in dead)
    sqs.delete_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(dead)])


def test_two_deliveries_never_import_at_once(api, database):
    """While one delivery holds the job, another is told to retry later; afterwards it is a no-op."""
    event_id = api["new_event"]()
    job_id = start(api, event_id, make_csv(20))
    with psycopg.connect(database.admin_url) as holder:
        holder.execute("SELECT 1 FROM jobs WHERE job_id = %s FOR UPDATE", (job_id,))  # another delivery, mid-import
        with pytest.raises(JobBusy):
            run_import(api["tenant_id"], uuid.UUID(job_id))
    api["stack"].run_workers_once()
    done = job(api, job_id)
    assert done["status"] == "succeeded_with_errors"  # row 0 of the file is refused
    again = run_import(api["tenant_id"], uuid.UUID(job_id))  # a late duplicate
    assert again["status"] == "succeeded" and again["finished_at"] is not None  # the stored row: finished, as it was
    assert comparable(job(api, job_id)) == comparable(done)
