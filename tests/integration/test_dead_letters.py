"""A job never stays `running` after its messages are gone: a message that fails every delivery
goes to its queue's DLQ (the local poller redrives as SQS does), and the dead_letter_jobs
schedule fails the job with the reason, leaving the message in the DLQ."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, make_world, unique_email


def dead_letters(stack, queue: str) -> list[dict]:
    """The DLQ's messages, read and made visible again at once (as an operator's peek)."""
    sqs = stack.boto("sqs")
    url = stack.resources.queues[queue].dlq_url
    found, seen = [], set()
    for _ in range(20):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        for message in batch:  # visible again at once, read or not
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            found.append(message)
    return found


def in_dlq(stack, queue: str) -> int:
    """Messages in the DLQ, visible or being read."""
    attributes = stack.boto("sqs").get_queue_attributes(
        QueueUrl=stack.resources.queues[queue].dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def forget_dead_letters(stack, tenant_id) -> None:
    """Delete this test's messages from the DLQs (other tests' stay as they are)."""
    sqs = stack.boto("sqs")
    for queue in ("emails", "imports", "passes", "images"):
        url = stack.resources.queues[queue].dlq_url
        for _ in range(20):
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5, WaitTimeSeconds=0).get("Messages", [])
            mine = [m for m in batch if str(tenant_id) in m["Body"]]
            for message in batch:
                if message in mine:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            if not mine:
                break


@pytest.fixture
def world(local_stack, database, tenant_factory):
    world = make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada"},
        {"email": unique_email("grace"), "first_name": "Grace"},
    ])
    yield world
    forget_dead_letters(local_stack, world.tenant_id)


def test_a_poisoned_email_batch_fails_its_job_and_unblocks_new_sends(local_stack, world, monkeypatch):
    """The issue's case: every delivery of the batch raises (here the sender, built once per batch:
    a recipient whose own message cannot be built fails alone since), the batch goes to the DLQ
    after its three receives, and the send job stayed running, answering 409 to every new send
    for a quarter of an hour."""
    from outreachpass.services.email import send_worker

    def poisoned(*args, **kwargs):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(send_worker, "resolve_sender", poisoned)
    token = local_stack.token_for(world.tenant_id, "admin")
    send = lambda: local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/emails", token=token, json={"audience": "all"})  # noqa: E731
    started = send()
    assert started.status == 202, started.text
    job_id = started.json()["data"]["job"]["job_id"]
    local_stack.run_workers_once()  # three receives of the batch, then the redrive policy moves it to the DLQ
    [dead] = [m for m in dead_letters(local_stack, "emails") if json.loads(m["Body"]).get("job_id") == job_id]

    assert local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=token).json()["data"]["status"] in ("queued", "running")  # never finished
    blocked = send()
    assert (blocked.status, blocked.json()["error"]["code"]) == (409, "EMAIL_SEND_IN_PROGRESS")

    before = in_dlq(local_stack, "emails")
    swept = local_stack.run_schedule("dead_letter_jobs")
    assert job_id in swept["failed_jobs"], swept
    job = local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=token).json()["data"]
    assert job["status"] == "failed" and job["finished_at"] is not None
    assert job["error"]["code"] == "DEAD_LETTERED"
    assert job["error"]["message"].startswith(
        "A batch of 2 recipients failed on every attempt and was set aside: some of them may not have been mailed; "
        f"send again to those not yet sent (message {dead['MessageId']}, received "
    )
    # the message stays in the DLQ (its alarm, inspection, redrive); a second sweep changes nothing
    assert in_dlq(local_stack, "emails") == before
    assert job_id not in local_stack.run_schedule("dead_letter_jobs")["failed_jobs"]

    monkeypatch.undo()
    again = send()
    assert again.status == 202, again.text  # no longer blocked by the dead job


def test_an_import_whose_worker_died_on_its_last_attempt_ends_failed(local_stack, world, monkeypatch):
    """A worker killed mid-import (a timeout, the process gone) cannot fail the job itself; the
    message is dead-lettered and the sweep ends the job, with nothing imported."""
    from outreachpass.data import imports as imports_data
    from outreachpass.services.imports import worker

    def killed(*args, **kwargs):
        raise MemoryError("the process was killed")

    monkeypatch.setattr(imports_data, "apply", killed)
    monkeypatch.setattr(worker, "_fail_if_final", lambda *args: None)  # a dead process runs no handler
    token = local_stack.token_for(world.tenant_id, "user")
    started = local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/imports", token=token,
                                  body=b"email,first_name\nnew@example.com,New\n", headers={"content-type": "text/csv"})
    job_id = started.json()["data"]["job"]["job_id"]
    local_stack.run_workers_once()
    assert local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=token).json()["data"]["status"] == "running"

    local_stack.run_schedule("dead_letter_jobs")
    job = local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=token).json()["data"]
    assert (job["status"], job["error"]["code"]) == ("failed", "DEAD_LETTERED")
    assert job["error"]["message"].startswith("The import failed on every attempt and was set aside: nothing was imported")
    listed = local_stack.request("GET", f"{ADMIN}/jobs?kind=import&event_id={world.event_id}", token=token).json()["data"]
    assert [(j["job_id"], j["status"]) for j in listed] == [(job_id, "failed")]


def test_dead_letters_name_their_jobs_whatever_the_message():
    from outreachpass.services.dead_letters import jobs_named

    tenant, job = uuid.uuid4(), uuid.uuid4()
    assert jobs_named("emails", {"job_id": str(job), "tenant_id": str(tenant), "attendee_ids": []}) == [(tenant, job)]
    assert jobs_named("passes", {"kind": "items", "tenant_id": str(tenant), "job_id": str(job)}) == [(tenant, job)]
    upload = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": f"imports/{tenant}/{job}/upload.csv"}}}]}
    assert jobs_named("imports", upload) == [(tenant, job)]
    image = {"Records": [{"s3": {"object": {"key": f"images/{tenant}/{job}/upload"}}}]}
    assert jobs_named("images", image) == [(tenant, job)]
    assert jobs_named("imports", image) == []  # not an import's key
    assert jobs_named("emails", {"Service": "Amazon S3", "Event": "s3:TestEvent"}) == []
    assert jobs_named("emails", "not json") == []
    assert jobs_named("passes", {"tenant_id": "x", "job_id": "y"}) == []


def test_the_sweep_touches_only_the_jobs_its_messages_name(local_stack, world, database, tenant_factory):
    """A forged or stale message for another tenant's job id fails nothing there (RLS: the job
    is looked up in the tenant the message names)."""
    other = make_world(database, tenant_factory(), [{"email": unique_email("x"), "first_name": "X"}])
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        job_id = conn.execute(
            "INSERT INTO jobs (tenant_id, event_id, kind, status) VALUES (%s, %s, 'emails', 'running') RETURNING job_id",
            (other.tenant_id, other.event_id),
        ).fetchone()[0]
    sqs = local_stack.boto("sqs")
    sqs.send_message(QueueUrl=local_stack.resources.queues["emails"].dlq_url,
                     MessageBody=json.dumps({"job_id": str(job_id), "tenant_id": str(world.tenant_id), "attendee_ids": []}))
    swept = local_stack.run_schedule("dead_letter_jobs")
    assert str(job_id) not in swept["failed_jobs"]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT status FROM jobs WHERE job_id = %s", (job_id,)).fetchone()[0] == "running"
