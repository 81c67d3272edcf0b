"""Bulk pass generation: the admin route starts a job, the passes worker (run by the local
stack's SQS poller) builds the Apple passes into S3 and inserts the Google objects; progress,
idempotency under redelivery, skips, retries and failures."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.integration.wallet_support import (
    ADMIN,
    lproj_strings,
    make_card,
    pass_json,
    pass_rows,
    unpack,
    wallet_events,
)


@pytest.fixture
def event(local_stack, call_route, claims_for, tenant_factory):
    """An event with three attendees (three cards)."""
    first = make_card(call_route, claims_for, tenant_factory)
    cards = [first.card_id]
    attendees = [first.attendee_id]
    for name in ("Grace", "Alan"):
        created = call_route(
            "POST", f"{ADMIN}/events/{first.event_id}/attendees", claims=first.admin,
            json_body={"first_name": name, "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com"},
        )
        assert created.status == 201, created
        cards.append(created.json["data"]["card_id"])
        attendees.append(created.json["data"]["attendee_id"])
    return {"setup": first, "event_id": first.event_id, "admin": first.admin, "cards": cards, "attendees": attendees, "tenant_id": first.tenant_id}


def start(call_route, event, body=None, claims=None):
    return call_route("POST", f"{ADMIN}/events/{event['event_id']}/passes", claims=claims or event["admin"], json_body=body or {})


def job_row(database, job_id) -> dict:
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM jobs WHERE job_id = %s", (job_id,)).fetchone()


def items(database, job_id) -> list[dict]:
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM pass_generation_jobs WHERE job_id = %s ORDER BY card_id, platform", (job_id,)).fetchall()


def s3_object(local_stack, key: str) -> bytes:
    return local_stack.boto("s3").get_object(Bucket=local_stack.resources.buckets["assets"], Key=key)["Body"].read()


def test_a_job_generates_every_pass_once(local_stack, call_route, event, database):
    started = start(call_route, event)
    assert started.status == 202, started
    assert set(started.json["data"]) == {"job", "upload"}
    job = started.json["data"]["job"]
    assert (job["kind"], job["status"], job["counts"]["total"]) == ("passes", "queued", 6)
    assert job["input"]["platforms"] == ["apple", "google"]
    assert started.headers["location"] == f"{ADMIN}/jobs/{job['job_id']}"

    local_stack.run_workers_once()
    done = job_row(database, job["job_id"])
    assert (done["status"], done["succeeded"], done["skipped"], done["failed"]) == ("succeeded", 6, 0, 0)
    assert done["finished_at"] is not None
    assert {row["status"] for row in items(database, job["job_id"])} == {"succeeded"}

    google = local_stack.wallet.google
    for card_id in event["cards"]:
        rows = pass_rows(database, card_id)
        assert set(rows) == {"apple", "google"}
        apple = rows["apple"]
        assert apple["status"] == "active"
        assert apple["s3_key"] == f"passes/{event['tenant_id']}/{card_id}/{apple['serial_number']}-r{apple['vcard_rev']}.pkpass"
        document = pass_json(s3_object(local_stack, apple["s3_key"]))
        assert document["serialNumber"] == apple["serial_number"]
        assert rows["google"]["google_object_id"] in google.objects
        assert sorted(wallet_events(database, card_id)) == [("apple", "generated"), ("google", "generated")]


def test_a_redelivered_message_creates_nothing_twice(local_stack, call_route, event, database):
    job = start(call_route, event, {"platforms": ["apple"]}).json["data"]["job"]
    local_stack.run_workers_once()
    before = job_row(database, job["job_id"])
    serials = {c: pass_rows(database, c)["apple"]["serial_number"] for c in event["cards"]}

    # SQS delivers at least once: the same items message again, and the plan message again.
    item_ids = [str(row["item_id"]) for row in items(database, job["job_id"])]
    sqs = local_stack.boto("sqs")
    queue_url = local_stack.resources.queues["passes"].url
    for body in (
        {"kind": "items", "tenant_id": str(event["tenant_id"]), "job_id": job["job_id"], "item_ids": item_ids},
        {"kind": "plan", "tenant_id": str(event["tenant_id"]), "job_id": job["job_id"]},
    ):
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    local_stack.run_workers_once()

    after = job_row(database, job["job_id"])
    assert (after["succeeded"], after["skipped"], after["failed"], after["status"]) == (before["succeeded"], 0, 0, "succeeded")
    with psycopg.connect(database.admin_url) as conn:
        count = conn.execute("SELECT count(*) FROM wallet_passes WHERE card_id = ANY(%s)", ([uuid.UUID(c) for c in event["cards"]],)).fetchone()[0]
    assert count == 3
    assert {c: pass_rows(database, c)["apple"]["serial_number"] for c in event["cards"]} == serials
    for card_id in event["cards"]:
        assert wallet_events(database, card_id) == [("apple", "generated")]


def test_current_passes_are_skipped_and_a_changed_card_is_regenerated(local_stack, call_route, event, database):
    first = start(call_route, event, {"card_ids": event["cards"][:2], "platforms": ["apple"]}).json["data"]["job"]
    local_stack.run_workers_once()
    assert job_row(database, first["job_id"])["succeeded"] == 2
    old_key = pass_rows(database, event["cards"][0])["apple"]["s3_key"]

    again = start(call_route, event, {"card_ids": event["cards"][:2], "platforms": ["apple"]}).json["data"]["job"]
    local_stack.run_workers_once()
    row = job_row(database, again["job_id"])
    assert (row["status"], row["succeeded"], row["skipped"]) == ("succeeded", 0, 2)

    changed = call_route("PATCH", f"{ADMIN}/cards/{event['cards'][0]}", claims=event["admin"], json_body={"title": "Countess"})
    assert changed.status == 200
    third = start(call_route, event, {"attendee_ids": event["attendees"][:2], "platforms": ["apple"]}).json["data"]["job"]
    local_stack.run_workers_once()
    row = job_row(database, third["job_id"])
    assert (row["succeeded"], row["skipped"]) == (1, 1)
    new_key = pass_rows(database, event["cards"][0])["apple"]["s3_key"]
    assert new_key != old_key and new_key.endswith(f"-r{changed.json['data']['vcard_rev']}.pkpass")
    fields = {f["key"]: f["value"] for section in pass_json(s3_object(local_stack, new_key))["generic"].values() for f in section}
    assert fields["title"] == "Countess"
    stored = unpack(s3_object(local_stack, new_key))  # the e-mail copy is the full pass: localized, dated
    assert set(lproj_strings(stored)) == {"en"} and "relevantDate" in pass_json(s3_object(local_stack, new_key))
    with pytest.raises(local_stack.boto("s3").exceptions.NoSuchKey):
        s3_object(local_stack, old_key)  # the stale copy is gone

    forced = start(call_route, event, {"card_ids": event["cards"][1:2], "platforms": ["apple"], "force": True}).json["data"]["job"]
    local_stack.run_workers_once()
    assert job_row(database, forced["job_id"])["succeeded"] == 1


def test_a_transient_google_failure_is_retried(local_stack, call_route, event, database):
    google = local_stack.wallet.google
    google.fail_next.append(503)
    try:
        job = start(call_route, event, {"card_ids": event["cards"][:1], "platforms": ["google"]}).json["data"]["job"]
        local_stack.run_workers_once()
    finally:
        google.fail_next.clear()
    row = job_row(database, job["job_id"])
    assert (row["status"], row["succeeded"], row["failed"]) == ("succeeded", 1, 0)
    [item] = items(database, job["job_id"])
    assert item["attempts"] == 2


@pytest.fixture
def apple_not_configured(local_stack, monkeypatch):
    from outreachpass.config import reset_settings
    from outreachpass.integrations.wallet.credentials import reset_credentials

    monkeypatch.delenv("APPLE_PASS_SECRET_ARN")
    reset_settings()
    reset_credentials()
    yield
    monkeypatch.undo()
    reset_settings()
    reset_credentials()


def test_items_fail_with_a_reason_when_apple_is_not_configured(local_stack, call_route, event, database, apple_not_configured):
    job = start(call_route, event, {"platforms": ["apple"]}).json["data"]["job"]
    local_stack.run_workers_once()
    row = job_row(database, job["job_id"])
    assert (row["status"], row["failed"], row["succeeded"]) == ("failed", 3, 0)
    assert len(row["errors"]) == 3
    assert all("Apple Wallet" in error["reason"] and error["platform"] == "apple" for error in row["errors"])


def test_an_event_without_cards_finishes_at_once(local_stack, call_route, event):
    created = call_route(
        "POST", f"{ADMIN}/events", claims=event["admin"],
        json_body={"name": "Empty", "slug": f"empty-{uuid.uuid4().hex[:8]}", "starts_at": "2031-06-01T09:00:00Z",
                   "ends_at": "2031-06-01T18:00:00Z", "timezone": "UTC"},
    )
    job = start(call_route, {"event_id": created.json["data"]["event_id"], "admin": event["admin"]}).json["data"]["job"]
    assert (job["status"], job["counts"]["total"]) == ("succeeded", 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"card_ids": [str(uuid.uuid4())], "attendee_ids": [str(uuid.uuid4())]}, None),
        ({"all": True, "card_ids": [str(uuid.uuid4())]}, None),
        ({"platforms": ["samsung"]}, "platforms.0"),
        ({"platforms": []}, "platforms"),
        ({"card_ids": ["not-a-uuid"]}, "card_ids.0"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_requests_are_400_with_the_field(call_route, event, body, field):
    response = start(call_route, event, body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    if field:
        assert field in [d["field"] for d in response.json["error"]["details"]]


def test_unknown_ids_are_named(call_route, event):
    unknown = str(uuid.uuid4())
    response = start(call_route, event, {"card_ids": [event["cards"][0], unknown]})
    assert response.status == 400
    [detail] = response.json["error"]["details"]
    assert detail["field"] == "card_ids" and unknown in detail["reason"]
    response = start(call_route, event, {"attendee_ids": [unknown]})
    assert response.status == 400
    assert response.json["error"]["details"][0]["field"] == "attendee_ids"


def test_another_tenants_cards_and_events_are_out_of_reach(call_route, event, claims_for, tenant_factory):
    stranger = claims_for(tenant_factory(), "admin")
    assert start(call_route, event, claims=stranger).status == 404
    other = make_card(call_route, claims_for, tenant_factory)
    response = start(call_route, event, {"card_ids": [other.card_id]})
    assert response.status == 400


def test_roles(call_route, event, claims_for):
    exhibitor = claims_for(event["tenant_id"], "exhibitor")
    assert start(call_route, event, claims=exhibitor).status == 403
    assert start(call_route, event, claims=claims_for(event["tenant_id"], "user")).status == 202
    assert call_route("POST", f"{ADMIN}/events/{uuid.uuid4()}/passes", claims=event["admin"], json_body={}).json["error"]["code"] == "EVENT_NOT_FOUND"
