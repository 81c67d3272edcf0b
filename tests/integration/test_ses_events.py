"""The SES events consumer (SNS -> Lambda) through its real handler: each notification type
recorded against its message, deduplicated, hard bounces and complaints suppressed, and
whatever is not ours or not understood dropped without a retry storm."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from local import ses_notifications as sn
from local.events import LambdaContext
from tests.integration.email_helpers import email_events, insert_message, make_world, unique_email


@pytest.fixture
def world(app_env, database, tenant_factory):
    return make_world(database, tenant_factory(), [{"email": unique_email("ada"), "first_name": "Ada"}])


@pytest.fixture
def message(world, database):
    return insert_message(database, world, world.attendees[0])


def consume(notification, sns_message_id=None):
    from handlers.workers import ses_events

    event = sn.sns_event(notification, sns_message_id=sns_message_id)
    return ses_events.handler(event, LambdaContext(function_name="outreachpass-test-workers-ses-events"))


def mail_for(world, message_id, *, tag=True):
    ada = world.attendees[0]
    return sn.mail_object(ses_message_id=f"ses-{message_id}", our_message_id=message_id if tag else None,
                          recipient=ada["email"])


def suppressions(database, tenant_id):
    with psycopg.connect(database.admin_url) as conn:
        return dict(conn.execute("SELECT email, reason FROM email_suppressions WHERE tenant_id = %s", (tenant_id,)).fetchall())


def test_a_delivery_is_recorded_once_and_dates_the_send(world, message, database):
    at = datetime.now(UTC) - timedelta(minutes=50)
    notification = sn.delivery(mail_for(world, message), at=at)
    assert consume(notification, "sns-1")["recorded"] == 1
    assert consume(notification, "sns-1")["duplicate"] == 1  # SNS delivers at least once
    [event] = email_events(database, message)
    assert (event["event_type"], event["classification"]) == ("delivered", "human")
    assert event["recipient_email"] == world.attendees[0]["email"]
    assert event["occurred_at"] == at.replace(microsecond=at.microsecond // 1000 * 1000)
    assert event["metadata_json"]["source"] == "ses" and event["metadata_json"]["smtp_response"].startswith("250")
    assert event["dedupe_key"] == "sns:sns-1"
    with psycopg.connect(database.admin_url) as conn:
        delivered_at = conn.execute("SELECT delivered_at FROM email_sends WHERE message_id = %s", (message,)).fetchone()[0]
    assert delivered_at == event["occurred_at"]


def test_a_notification_without_our_tag_is_found_by_the_ses_id(world, message, database):
    assert consume(sn.delivery(mail_for(world, message, tag=False)))["recorded"] == 1
    assert [e["event_type"] for e in email_events(database, message)] == ["delivered"]


def test_a_hard_bounce_suppresses_the_address(world, message, database):
    assert consume(sn.bounce(mail_for(world, message), permanent=True))["recorded"] == 1
    [event] = email_events(database, message)
    assert event["event_type"] == "bounced"
    assert event["metadata_json"]["bounce_type"] == "Permanent"
    assert event["metadata_json"]["diagnostic_code"] == "smtp; 550 5.1.1 user unknown"
    assert suppressions(database, world.tenant_id) == {world.attendees[0]["email"].lower(): "bounce"}


def test_a_soft_bounce_does_not_suppress(world, message, database):
    consume(sn.bounce(mail_for(world, message), permanent=False))
    [event] = email_events(database, message)
    assert (event["event_type"], event["metadata_json"]["bounce_type"]) == ("bounced", "Transient")
    assert suppressions(database, world.tenant_id) == {}


def test_a_complaint_suppresses_the_address(world, message, database):
    consume(sn.complaint(mail_for(world, message)))
    assert [e["event_type"] for e in email_events(database, message)] == ["complained"]
    assert suppressions(database, world.tenant_id) == {world.attendees[0]["email"].lower(): "complaint"}


def test_a_late_complaint_after_the_context_is_purged_still_suppresses(world, message, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("DELETE FROM message_contexts WHERE message_id = %s", (message,))
    consume(sn.complaint(mail_for(world, message)))
    assert suppressions(database, world.tenant_id) == {world.attendees[0]["email"].lower(): "complaint"}
    [event] = email_events(database, message)
    assert event["card_id"] == world.attendees[0]["card_id"]


def test_ses_opens_and_clicks_are_classified_and_kept_out_of_the_funnel(world, message, database):
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.email.tracking import funnel

    consume(sn.open_event(mail_for(world, message), user_agent="Mozilla/5.0", ip="17.1.2.3"))
    consume(sn.click_event(mail_for(world, message), link="https://cards.example.test/c/1",
                           user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"))
    opened, clicked = email_events(database, message)
    assert (opened["event_type"], opened["classification"]) == ("opened", "machine")
    assert opened["metadata_json"]["classification_reason"] == "apple_mail_privacy_protection"
    assert str(opened["ip_address"]) == "17.1.2.3"
    assert (clicked["event_type"], clicked["classification"], clicked["link_url"]) == (
        "clicked", "human", "https://cards.example.test/c/1")
    with tenant_tx(world.tenant_id) as conn:
        counts = funnel(conn, world.tenant_id, event_id=world.event_id)
    assert counts["opened"]["total"] == counts["clicked"]["total"] == 0  # our pixel and redirect count these


@pytest.mark.parametrize(
    ("notification", "event_type"),
    [
        (lambda mail: {"eventType": "DeliveryDelay", "mail": mail, "deliveryDelay": {
            "timestamp": sn.iso(), "delayType": "MailboxFull",
            "delayedRecipients": [{"emailAddress": mail["destination"][0], "status": "4.2.2"}]}}, "delayed"),
        (lambda mail: {"eventType": "Reject", "mail": mail, "reject": {"reason": "Bad content"}}, "rejected"),
        (lambda mail: {"eventType": "Rendering Failure", "mail": mail, "failure": {"errorMessage": "x"}}, "failed"),
        (lambda mail: {"notificationType": "Delivery", "mail": mail, "delivery": {"timestamp": sn.iso(),
                                                                                  "recipients": mail["destination"]}}, "delivered"),
    ],
)
def test_the_other_event_types(world, message, database, notification, event_type):
    assert consume(notification(mail_for(world, message)))["recorded"] == 1
    assert [e["event_type"] for e in email_events(database, message)] == [event_type]


def test_send_events_are_ignored(world, message, database):
    assert consume({"eventType": "Send", "mail": mail_for(world, message), "send": {}})["ignored"] == 1
    assert email_events(database, message) == []


def test_a_message_that_is_not_ours_is_dropped(world):
    mail = sn.mail_object(ses_message_id="someone-elses", our_message_id=None, recipient="x@example.com")
    assert consume(sn.delivery(mail))["unknown_message"] == 1


def test_a_disabled_tenants_events_are_dropped(world, message, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE tenants SET status = 'disabled' WHERE tenant_id = %s", (world.tenant_id,))
    assert consume(sn.complaint(mail_for(world, message)))["unknown_message"] == 1
    assert suppressions(database, world.tenant_id) == {}


@pytest.mark.parametrize(
    "record",
    [
        {"Sns": {"MessageId": "m1", "Message": "not json"}},
        {"Sns": {"MessageId": "m2", "Message": json.dumps([1, 2])}},
        {"Sns": {"MessageId": "m3", "Message": json.dumps({"eventType": "Delivery"})}},
        {"Sns": {"MessageId": "m4", "Message": json.dumps({"mail": {}})}},
        {"Sns": {"MessageId": "m5", "Message": json.dumps({"eventType": "Bounce", "mail": {"destination": []}})}},
        {"nothing": True},
    ],
)
def test_garbage_is_dropped_not_retried(app_env, record):
    from handlers.workers import ses_events

    assert ses_events.handler({"Records": [record]}, LambdaContext(function_name="t"))["invalid"] == 1


def test_the_same_address_in_two_tenants_is_suppressed_only_in_its_own(world, message, database, tenant_factory):
    other = make_world(database, tenant_factory(), [{"email": world.attendees[0]["email"]}])
    consume(sn.bounce(mail_for(world, message), permanent=True))
    assert suppressions(database, other.tenant_id) == {}
    assert uuid.UUID(str(world.tenant_id)) != other.tenant_id
