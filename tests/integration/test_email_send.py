"""POST /api/v1/admin/events/{event_id}/emails and the email worker: the job, the MIME that
reaches SES (moto), idempotent redelivery, throttling, permanent failures, interrupted
sends, suppressed addresses and the sender of each tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.integration.email_helpers import (
    ADMIN,
    FakeSes,
    captured_for,
    client_error,
    html_links,
    job_row,
    make_world,
    pixel_src,
    sends_of_job,
    unique_email,
)


@pytest.fixture
def world(local_stack, database, tenant_factory):
    tenant_id = tenant_factory()
    return make_world(database, tenant_id, [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace", "last_name": "Hopper"},
        {"email": None, "first_name": "Nomail", "phone": "+1 555 0100"},
    ])


@pytest.fixture
def admin(world, claims_for):
    return claims_for(world.tenant_id, "admin")


@pytest.fixture
def fake_ses(monkeypatch):
    """Install a scripted SES client and make backoff sleeps instant (recorded)."""
    from outreachpass.integrations.email import ses

    sleeps: list[float] = []
    monkeypatch.setattr(ses, "sleep", sleeps.append)

    def install(*script):
        fake = FakeSes(*script)
        monkeypatch.setattr(ses, "ses_client", lambda: fake)
        fake.sleeps = sleeps
        return fake

    return install


def send(call_route, world, claims, **body):
    return call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=claims, json_body=body)


def batch_body(world, job_id, attendee_ids):
    return {"job_id": str(job_id), "tenant_id": str(world.tenant_id), "event_id": str(world.event_id),
            "attendee_ids": [str(a) for a in attendee_ids]}


# --- the happy path ---------------------------------------------------------------------------


def test_send_to_all_queues_a_job_and_the_worker_mails_each_attendee(call_route, world, admin, local_stack, database):
    response = send(call_route, world, admin, audience="all")
    assert response.status == 202, response
    assert set(response.json["data"]) == {"job", "upload"} and response.json["data"]["upload"] is None
    job = response.json["data"]["job"]
    assert job["kind"] == "emails" and job["status"] == "queued"
    assert job["counts"]["total"] == 3
    assert response.headers["location"] == f"{ADMIN}/jobs/{job['job_id']}"

    local_stack.run_workers_once()

    row = job_row(database, job["job_id"])
    assert (row["status"], row["succeeded"], row["skipped"], row["failed"]) == ("succeeded", 2, 1, 0)
    assert row["errors"] == [{"attendee_id": str(world.attendees[2]["attendee_id"]), "email": None,
                              "reason": "no email address", "outcome": "skipped"}]
    sends = {s["attendee_id"]: s for s in sends_of_job(database, job["job_id"])}
    assert {s["status"] for s in sends.values()} == {"sent", "skipped"}

    ada = world.attendees[0]
    [message] = captured_for(local_stack, ada["email"])
    send_row = sends[ada["attendee_id"]]
    our_id = message["X-OutreachPass-Message-Id"]
    assert our_id == send_row["message_id"]
    assert message["Subject"] == "Your digital card for Expo 2030"
    assert ada["email"] in message["To"] and "Ada Lovelace" in message["To"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hi Ada," in text and "Hi <bdi>Ada</bdi>," in html  # the name isolated from the sentence's direction
    assert "Expo 2030" in html and "#abcdef" in html  # branded with the theme's accent colour
    # the QR is an inline image of the html part, referenced by its Content-ID
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    [image] = [p for p in related.iter_parts() if p.get_content_maintype() == "image"]
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    assert f"cid:{image['Content-ID'].strip('<>')}" in html
    # every link is a tracked link of this message but the footer's unsubscribe link, which is the
    # one-click URL of the List-Unsubscribe header; and the pixel is there
    base = local_stack.api_url
    links = html_links(message)
    unsubscribe = f"{base}/api/track/email/unsubscribe/{our_id}?s="
    [footer] = [link for link in links if link.startswith(unsubscribe)]
    assert message["List-Unsubscribe"] == f"<{footer}>" and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Unsubscribe: {footer}" in text
    links.remove(footer)
    assert links and all(link.startswith(f"{base}/api/track/email/click/{our_id}?l=") for link in links)
    assert {link.rsplit("=", 1)[1] for link in links} == {"card", "apple", "google", "vcard"}
    assert all(link in text for link in links)
    assert pixel_src(message) == f"{base}/api/track/email/open/{our_id}.gif"

    with psycopg.connect(database.admin_url) as conn:
        context = conn.execute(
            "SELECT links, provider_message_id, job_id FROM message_contexts WHERE message_id = %s", (our_id,)
        ).fetchone()
        events = conn.execute(
            "SELECT event_type, classification, card_id, metadata_json FROM email_events WHERE message_id = %s", (our_id,)
        ).fetchall()
    assert context[0]["card"] == f"{base}/c/{ada['card_id']}?src=email"
    assert context[0]["vcard"] == f"{base}/c/{ada['card_id']}/vcard"
    assert context[1] == send_row["provider_message_id"] and context[2] == uuid.UUID(job["job_id"])
    [(event_type, classification, card_id, metadata)] = events
    assert (event_type, classification, card_id) == ("sent", "human", ada["card_id"])
    assert metadata["provider_message_id"] == send_row["provider_message_id"]


def test_unsent_sends_only_to_those_without_a_sent_card(call_route, world, admin, local_stack, database):
    first = send(call_route, world, admin, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    assert first.status == 202 and first.json["data"]["job"]["counts"]["total"] == 1
    local_stack.run_workers_once()
    assert job_row(database, first.json["data"]["job"]["job_id"])["succeeded"] == 1

    rest = send(call_route, world, admin)  # the default audience: not yet sent
    assert rest.status == 202
    assert rest.json["data"]["job"]["counts"]["total"] == 2  # Grace, and the attendee without an address
    local_stack.run_workers_once()
    assert len(captured_for(local_stack, world.attendees[0]["email"])) == 1
    assert len(captured_for(local_stack, world.attendees[1]["email"])) == 1

    # Nothing left but the attendee without an address... who is never "sent": 1 again, skipped.
    again = send(call_route, world, admin, audience="unsent")
    assert again.json["data"]["job"]["counts"]["total"] == 1


def test_nobody_to_send_to_is_a_finished_job(call_route, tenant_factory, database, claims_for, local_stack):
    tenant_id = tenant_factory()
    empty = make_world(database, tenant_id, [])
    response = send(call_route, empty, claims_for(tenant_id, "user"), audience="all")
    assert response.status == 202
    assert response.json["data"]["job"]["status"] == "succeeded"
    assert response.json["data"]["job"]["counts"]["total"] == 0


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"audience": "selected"}, "attendee_ids"),
        ({"audience": "all", "attendee_ids": [str(uuid.uuid4())]}, "attendee_ids"),
        ({"attendee_ids": []}, "attendee_ids"),
        ({"audience": "everyone"}, "audience"),
        ({"subject": "Hello\r\nBcc: victim@example.com"}, "subject"),
        ({"subject": ""}, "subject"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_requests_name_the_field(call_route, world, admin, body, field):
    response = send(call_route, world, admin, **body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in response.json["error"]["details"]]


def test_attendees_of_another_event_or_tenant_are_refused(call_route, world, admin, database, tenant_factory):
    other = make_world(database, tenant_factory(), [{"email": unique_email("eve")}])
    response = send(call_route, world, admin, attendee_ids=[str(world.attendees[0]["attendee_id"]),
                                                             str(other.attendees[0]["attendee_id"])])
    assert response.status == 400
    [detail] = response.json["error"]["details"]
    assert detail["field"] == "attendee_ids"
    assert str(other.attendees[0]["attendee_id"]) in detail["reason"]


def test_unknown_archived_and_foreign_events(call_route, world, admin, database, claims_for, tenant_factory):
    unknown = call_route("POST", f"{ADMIN}/events/{uuid.uuid4()}/emails", claims=admin, json_body={})
    assert unknown.status == 404 and unknown.json["error"]["code"] == "EVENT_NOT_FOUND"
    foreign = send(call_route, world, claims_for(tenant_factory(), "admin"))
    assert foreign.status == 404
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET status = 'archived' WHERE event_id = %s", (world.event_id,))
    archived = send(call_route, world, admin)
    assert archived.status == 422 and archived.json["error"]["code"] == "EVENT_ARCHIVED"


def test_exhibitors_may_not_send(call_route, world, claims_for):
    response = send(call_route, world, claims_for(world.tenant_id, "exhibitor"))
    assert response.status == 403


def test_a_second_send_while_one_runs_is_a_conflict(call_route, world, admin, local_stack):
    first = send(call_route, world, admin, audience="all")
    assert first.status == 202
    second = send(call_route, world, admin, audience="all")
    assert second.status == 409
    assert second.json["error"]["code"] == "EMAIL_SEND_IN_PROGRESS"
    assert first.json["data"]["job"]["job_id"] in second.json["error"]["message"]
    local_stack.run_workers_once()
    assert send(call_route, world, admin, audience="all").status == 202  # finished: free again
    local_stack.run_workers_once()


# --- the worker's guarantees ----------------------------------------------------------------


def _queued_job(call_route, world, admin, local_stack, **body):
    """Create a job, and take its batch off the queue (the test hands it to the worker itself)."""
    response = send(call_route, world, admin, **body)
    assert response.status == 202, response
    sqs = local_stack.boto("sqs")
    url = local_stack.resources.queues["emails"].url
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            bodies.append(message["Body"])
    import json

    mine = [json.loads(b) for b in bodies if json.loads(b)["job_id"] == response.json["data"]["job"]["job_id"]]
    assert len(mine) == 1
    return response.json["data"]["job"]["job_id"], mine[0]


def test_a_redelivered_batch_sends_nobody_twice(call_route, world, admin, local_stack, database):
    from outreachpass.services.email.send_worker import process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, audience="all")
    first = process_batch(body)
    assert (first.sent, first.skipped, first.already) == (2, 1, 0)
    second = process_batch(body)  # SQS delivered it again
    assert (second.sent, second.skipped, second.failed, second.already) == (0, 0, 0, 3)
    for attendee in world.attendees[:2]:
        assert len(captured_for(local_stack, attendee["email"])) == 1
    row = job_row(database, job_id)
    assert (row["status"], row["succeeded"], row["skipped"]) == ("succeeded", 2, 1)


def test_throttling_is_retried_with_backoff_then_handed_back_to_sqs(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.integrations.email import ses
    from outreachpass.services.email.send_worker import RetryLater, process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    fake = fake_ses(*[client_error("TooManyRequestsException", 429)] * ses.MAX_ATTEMPTS)
    with pytest.raises(RetryLater):
        process_batch(body)
    assert len(fake.calls) == ses.MAX_ATTEMPTS
    assert len(fake.sleeps) == ses.MAX_ATTEMPTS - 1
    assert all(0 <= s <= ses.BACKOFF_CAP_S for s in fake.sleeps)
    assert sends_of_job(database, job_id) == []  # the claim was released: the retry will send
    assert job_row(database, job_id)["succeeded"] == 0

    fake = fake_ses(client_error("Throttling", 400), None)  # the retry: throttled once, then accepted
    report = process_batch(body)
    assert report.sent == 1 and len(fake.calls) == 2
    [row] = sends_of_job(database, job_id)
    assert row["status"] == "sent" and row["provider_message_id"].startswith("fake-")
    request = fake.calls[-1]
    assert request["Destination"] == {"ToAddresses": [world.attendees[0]["email"]]}
    assert request["ConfigurationSetName"] == local_stack.env["SES_CONFIGURATION_SET"]
    tags = {t["Name"]: t["Value"] for t in request["EmailTags"]}
    assert tags["op_message_id"] == row["message_id"] and tags["op_job_id"] == str(job_id)
    assert job_row(database, job_id)["status"] == "succeeded"


def test_a_permanent_refusal_fails_that_recipient_only(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, audience="all")
    fake_ses(client_error("MessageRejected", 400, "Email address is not verified."), None)
    report = process_batch(body)
    assert (report.sent, report.failed, report.skipped) == (1, 1, 1)
    row = job_row(database, job_id)
    assert (row["status"], row["succeeded"], row["failed"], row["skipped"]) == ("succeeded", 1, 1, 1)
    failure = next(e for e in row["errors"] if e["outcome"] == "failed")
    assert failure["code"] == "MessageRejected" and "not verified" in failure["reason"]
    assert failure["email"] in {world.attendees[0]["email"], world.attendees[1]["email"]}
    failed_send = next(s for s in sends_of_job(database, job_id) if s["status"] == "failed")
    with psycopg.connect(database.admin_url) as conn:
        types = [r[0] for r in conn.execute("SELECT event_type FROM email_events WHERE message_id = %s", (failed_send["message_id"],))]
    assert types == ["failed"]


def test_when_every_recipient_fails_the_job_fails(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(a["attendee_id"]) for a in world.attendees[:2]])
    fake_ses(client_error("MailFromDomainNotVerifiedException"), client_error("BadRequestException", 400, "Invalid address"))
    process_batch(body)
    row = job_row(database, job_id)
    assert (row["status"], row["failed"]) == ("failed", 2)
    assert row["error"].startswith("ALL_FAILED: ")


def test_no_answer_from_ses_is_never_resent(call_route, world, admin, local_stack, database, fake_ses):
    from botocore.exceptions import ReadTimeoutError

    from outreachpass.services.email.send_worker import process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    fake = fake_ses(ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"))
    report = process_batch(body)
    assert report.failed == 1 and len(fake.calls) == 1  # not retried: SES may have it
    [row] = sends_of_job(database, job_id)
    assert row["status"] == "unknown"
    process_batch(body)  # redelivered: still not resent
    assert len(fake.calls) == 1


def test_a_claim_left_by_a_dead_worker_is_not_resent(call_route, world, admin, local_stack, database, fake_ses):
    """The worker died after SES accepted the mail and before recording it: the redelivery finds
    the stale claim and does not send again; SES's delivery event later proves it was sent."""
    from local import ses_notifications
    from outreachpass.services.email.send_worker import STALE_CLAIM_S, process_batch
    from outreachpass.services.email.ses_events import process_notification

    ada = world.attendees[0]
    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(ada["attendee_id"])])
    message_id = str(uuid.uuid4())
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO email_sends (tenant_id, job_id, event_id, attendee_id, card_id, message_id, recipient_email, status, claimed_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, 'claimed', %s)""",
            (world.tenant_id, job_id, world.event_id, ada["attendee_id"], ada["card_id"], message_id, ada["email"],
             datetime.now(UTC) - timedelta(seconds=STALE_CLAIM_S + 60)),
        )
    fake = fake_ses()
    report = process_batch(body)
    assert (report.sent, report.failed) == (0, 1) and fake.calls == []
    row = job_row(database, job_id)
    assert (row["status"], row["failed"]) == ("succeeded", 1)  # done, with one failure...
    assert row["errors"][0]["code"] == "UNKNOWN"

    mail = ses_notifications.mail_object(ses_message_id=f"ses-{message_id}", our_message_id=message_id, recipient=ada["email"])
    outcome = process_notification(str(uuid.uuid4()), ses_notifications.delivery(mail))
    assert outcome.status == "recorded"
    [healed] = sends_of_job(database, job_id)
    assert (healed["status"], healed["provider_message_id"]) == ("sent", f"ses-{message_id}")
    row = job_row(database, job_id)
    assert (row["succeeded"], row["failed"]) == (1, 0)  # ...which SES's event turned into a success


def test_a_fresh_claim_of_another_delivery_hands_the_record_back(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import RetryLater, process_batch

    ada = world.attendees[0]
    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(ada["attendee_id"])])
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO email_sends (tenant_id, job_id, event_id, attendee_id, message_id, recipient_email, status)
               VALUES (%s, %s, %s, %s, %s, %s, 'claimed')""",
            (world.tenant_id, job_id, world.event_id, ada["attendee_id"], str(uuid.uuid4()), ada["email"]),
        )
    fake = fake_ses()
    with pytest.raises(RetryLater):
        process_batch(body)
    assert fake.calls == []


def test_suppressed_addresses_are_skipped(call_route, world, admin, local_stack, database):
    grace = world.attendees[1]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO email_suppressions (tenant_id, email, reason) VALUES (%s, %s, 'complaint')",
                     (world.tenant_id, grace["email"].lower()))
    response = send(call_route, world, admin, audience="all")
    local_stack.run_workers_once()
    row = job_row(database, response.json["data"]["job"]["job_id"])
    assert (row["succeeded"], row["skipped"]) == (1, 2)
    assert {"email": grace["email"], "reason": "address suppressed (complaint)"}.items() <= next(
        e for e in row["errors"] if e["email"] == grace["email"]).items()
    assert captured_for(local_stack, grace["email"]) == []


def test_the_worker_stops_before_the_timeout_and_the_rest_is_retried(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import DEADLINE_MARGIN_MS, RetryLater, process_batch

    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(a["attendee_id"]) for a in world.attendees])
    fake = fake_ses()
    budget = iter([DEADLINE_MARGIN_MS + 1, DEADLINE_MARGIN_MS - 1])
    with pytest.raises(RetryLater):
        process_batch(body, remaining_ms=lambda: next(budget))
    assert len(fake.calls) == 1  # Ada's, then no time for Grace
    report = process_batch(body)  # the redelivery finishes the rest
    assert (report.already, report.sent, report.skipped) == (1, 1, 1)
    assert job_row(database, job_id)["status"] == "succeeded"


def test_the_worker_reports_a_throttled_record_as_a_batch_item_failure(call_route, world, admin, local_stack, database, fake_ses):
    """Through the real Lambda handler: the throttled record is handed back to SQS, the other
    record of the batch succeeds."""
    import json

    from handlers.workers import send_emails
    from local.events import LambdaContext, sqs_event
    from outreachpass.integrations.email import ses

    job_a, body_a = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    other = make_world(database, world.tenant_id, [{"email": unique_email("kat")}])
    job_b, body_b = _queued_job(call_route, other, admin, local_stack, attendee_ids=[str(other.attendees[0]["attendee_id"])])
    messages = [
        {"MessageId": f"m-{i}", "ReceiptHandle": f"r-{i}", "Body": json.dumps(body), "MD5OfBody": "x",
         "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "x",
                        "ApproximateFirstReceiveTimestamp": "0"},
         "MessageAttributes": {"correlation_id": {"DataType": "String", "StringValue": f"corr-{i}"}}}
        for i, body in enumerate((body_a, body_b))
    ]
    fake_ses(*[client_error("TooManyRequestsException", 429)] * ses.MAX_ATTEMPTS, None)
    event = sqs_event(messages, queue_arn="arn:aws:sqs:us-east-1:123456789012:outreachpass-test-emails", region="us-east-1")
    result = send_emails.handler(event, LambdaContext(function_name="outreachpass-test-workers-send-emails", timeout_s=120))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert job_row(database, job_a)["succeeded"] == 0
    assert job_row(database, job_b)["status"] == "succeeded"


def test_a_message_that_is_not_a_batch_is_dropped(local_stack):
    from handlers.workers import send_emails

    assert send_emails.process({"hello": "world"}, None) is None


# --- the sender -----------------------------------------------------------------------------


def test_sender_defaults_and_the_tenant_configuration_set():
    from outreachpass.config import Settings
    from outreachpass.services.email.compose import resolve_sender

    config = Settings(default_sender="no-reply@platform.test", ses_configuration_set="outreachpass-prod")
    platform = resolve_sender({"tenant_name": "Acme", "tenant_key": "acme"}, "Acme Events", config)
    assert (platform.address, platform.name, platform.configuration_set) == ("no-reply@platform.test", "Acme Events", "outreachpass-prod")
    own = resolve_sender({"tenant_name": "Acme", "tenant_key": "acme", "from_email": "cards@acme.test",
                          "from_name": "Acme", "reply_to": "team@acme.test"}, None, config)
    assert (own.address, own.name, own.reply_to, own.configuration_set) == (
        "cards@acme.test", "Acme", "team@acme.test", "outreachpass-prod-acme")
    explicit = resolve_sender({"from_email": "cards@acme.test", "tenant_key": "acme", "configuration_set": "custom-set"}, None, config)
    assert explicit.configuration_set == "custom-set"
    with pytest.raises(RuntimeError):
        resolve_sender({}, None, Settings())


def test_the_tenant_sender_reaches_ses(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import process_batch

    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tenant_email_settings (tenant_id, from_email, from_name, reply_to) VALUES (%s, %s, %s, %s)",
            (world.tenant_id, "cards@expo.test", "Expo Team", "help@expo.test"),
        )
    _, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    fake = fake_ses()
    process_batch(body)
    [request] = fake.calls
    assert request["FromEmailAddress"] == "cards@expo.test"
    from tests.integration.email_helpers import parse_mime

    message = parse_mime(request["Content"]["Raw"]["Data"])
    assert message["From"] == "Expo Team <cards@expo.test>"
    assert message["Reply-To"] == "help@expo.test"


def test_attendee_names_are_escaped_in_the_html(call_route, local_stack, database, tenant_factory, claims_for, fake_ses):
    from outreachpass.services.email.send_worker import process_batch

    tenant_id = tenant_factory()
    evil = make_world(database, tenant_id, [{"email": unique_email("x"), "first_name": "<script>alert(1)</script>"}])
    _, body = _queued_job(call_route, evil, claims_for(tenant_id, "admin"), local_stack, audience="all")
    fake = fake_ses()
    process_batch(body)
    from tests.integration.email_helpers import parse_mime

    message = parse_mime(fake.calls[0]["Content"]["Raw"]["Data"])
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hi <script>alert(1)</script>," in message.get_body(preferencelist=("plain",)).get_content()


def test_wallet_buttons_follow_the_brand_features(call_route, world, admin, local_stack, database, fake_ses):
    from outreachpass.services.email.send_worker import process_batch
    from tests.integration.email_helpers import parse_mime

    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("""UPDATE brands SET features_json = '{"google_wallet": false}' WHERE brand_id = %s""", (world.brand_id,))
    _, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    fake = fake_ses()
    process_batch(body)
    message = parse_mime(fake.calls[0]["Content"]["Raw"]["Data"])
    assert {link.rsplit("=", 1)[1] for link in html_links(message) if "/click/" in link} == {"card", "apple", "vcard"}
    assert "Google Wallet" not in message.get_body(preferencelist=("html",)).get_content()
    with psycopg.connect(database.admin_url) as conn:
        links = conn.execute("SELECT links FROM message_contexts WHERE message_id = %s", (message["X-OutreachPass-Message-Id"],)).fetchone()[0]
    assert sorted(links) == ["apple", "card", "vcard"]


def test_the_real_handler_reads_the_lambda_deadline(call_route, world, admin, local_stack, database, fake_ses):
    """A context with less time left than the margin: nothing is sent, the record goes back to SQS."""
    import json

    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from handlers.workers import send_emails
    from local.events import LambdaContext, sqs_event

    job_id, body = _queued_job(call_route, world, admin, local_stack, attendee_ids=[str(world.attendees[0]["attendee_id"])])
    message = {"MessageId": "m-0", "ReceiptHandle": "r-0", "Body": json.dumps(body), "MD5OfBody": "x",
               "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "x",
                              "ApproximateFirstReceiveTimestamp": "0"}, "MessageAttributes": {}}
    fake = fake_ses()
    event = sqs_event([message], queue_arn="arn:aws:sqs:us-east-1:123456789012:outreachpass-test-emails", region="us-east-1")
    with pytest.raises(BatchProcessingError):  # every record failed: the whole batch goes back
        send_emails.handler(event, LambdaContext(function_name="outreachpass-test-workers-send-emails", timeout_s=5))
    assert fake.calls == [] and sends_of_job(database, job_id) == []
