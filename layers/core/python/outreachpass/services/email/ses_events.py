"""SES configuration-set events (via SNS) recorded against the message that caused them.

One SNS notification carries one SES event (JSON in Sns.Message):

    eventType   Delivery | Bounce | Complaint | Open | Click | DeliveryDelay | Reject |
                Rendering Failure | Send | Subscription
                (identity notifications say notificationType instead; both are read)
    mail        messageId (SES's id), timestamp, destination[], tags {"op_message_id": [our id], ...}

The message is found by our id (the op_message_id tag; it survives a worker that died
before storing SES's id) or else by SES's id. Each recipient's event becomes one row of
email_events, deduplicated on the SNS MessageId (SNS delivers at least once):

    Delivery -> delivered (and the send's delivered_at, for the prefetch rule)
    Bounce   -> bounced; Permanent -> the address goes on the tenant's suppression list
    Complaint-> complained; the address goes on the suppression list
    Open     -> opened  (source "ses", classified like our pixel)
    Click    -> clicked (source "ses", classified like our redirect)
    DeliveryDelay -> delayed; Reject -> rejected; Rendering Failure -> failed
    Send, Subscription: ignored (we record `sent` ourselves)

A notification for a message that is not ours (or of a disabled tenant) is logged and
dropped; one that cannot be parsed is logged and dropped (retrying cannot fix it). Database
errors propagate so Lambda retries the invocation (then its DLQ).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from outreachpass.data import email_events, email_sends
from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.ipaddr import clean_ip
from outreachpass.observability import logger
from outreachpass.sanitize import clean_text
from outreachpass.services.email.classification import classify_click, classify_open
from outreachpass.services.email.suppressions import suppress_address

TAG_MESSAGE_ID = "op_message_id"

EVENT_TYPES = {
    "Delivery": "delivered",
    "Bounce": "bounced",
    "Complaint": "complained",
    "Open": "opened",
    "Click": "clicked",
    "DeliveryDelay": "delayed",
    "Reject": "rejected",
    "Rendering Failure": "failed",
    "RenderingFailure": "failed",
}
IGNORED = ("Send", "Subscription", "AmazonSnsSubscriptionSucceeded")


class BadNotification(ValueError):
    """The notification cannot be understood: logged and dropped."""


@dataclass(frozen=True)
class Outcome:
    status: str  # recorded | duplicate | ignored | unknown_message
    event_type: str | None = None
    recorded: int = 0
    suppressed: int = 0


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def notification_from_sns(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(SNS MessageId, the SES notification) of one SNS record of a Lambda event."""
    sns = record.get("Sns") or record.get("sns") or {}
    sns_id = sns.get("MessageId")
    raw = sns.get("Message")
    if not sns_id or not isinstance(raw, str):
        raise BadNotification("not an SNS record with a message")
    try:
        notification = json.loads(raw)
    except ValueError:
        raise BadNotification("the SNS message is not JSON") from None
    if not isinstance(notification, dict):
        raise BadNotification("the SNS message is not a JSON object")
    return str(sns_id), notification


def _our_id(mail: dict[str, Any]) -> str | None:
    tags = mail.get("tags") or {}
    values = tags.get(TAG_MESSAGE_ID) if isinstance(tags, dict) else None
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None


def _resolve(candidates: list[str]) -> tuple[UUID, str] | None:
    with system_tx() as conn:
        for candidate in candidates:
            tenant_id = email_events.email_tenant(conn, candidate)
            if tenant_id:
                return tenant_id, candidate
    return None


def process_notification(sns_message_id: str, notification: dict[str, Any]) -> Outcome:
    kind = notification.get("eventType") or notification.get("notificationType")
    if not isinstance(kind, str):
        raise BadNotification("no eventType")
    if kind in IGNORED:
        return Outcome("ignored", kind)
    event_type = EVENT_TYPES.get(kind)
    if event_type is None:
        logger().info("SES event type not handled", extra={"ses_event_type": kind})
        return Outcome("ignored", kind)
    mail = notification.get("mail")
    if not isinstance(mail, dict):
        raise BadNotification("no mail object")
    ses_id = mail.get("messageId") if isinstance(mail.get("messageId"), str) else None
    candidates = [value for value in (_our_id(mail), ses_id) if value]
    if not candidates:
        raise BadNotification("no message id")
    resolved = _resolve(candidates)
    if resolved is None:
        logger().info("SES event for a message that is not ours (or expired, or a disabled tenant): dropped",
                      extra={"ses_event_type": kind, "ses_message_id": ses_id})
        return Outcome("unknown_message", event_type)
    tenant_id, found_by = resolved
    detail = notification.get(_detail_key(kind)) or {}
    if not isinstance(detail, dict):
        raise BadNotification(f"{kind} detail is not an object")
    with tenant_tx(tenant_id) as conn:
        outcome = _record(conn, tenant_id, found_by, ses_id, kind, event_type, mail, detail, sns_message_id)
    logger().info("SES event recorded", extra={"tenant_id": str(tenant_id), "ses_event_type": kind, "status": outcome.status,
                                                "recorded": outcome.recorded, "suppressed": outcome.suppressed})
    return outcome


def _detail_key(kind: str) -> str:
    return {"Rendering Failure": "failure", "RenderingFailure": "failure", "DeliveryDelay": "deliveryDelay"}.get(
        kind, kind[:1].lower() + kind[1:]
    )


def _recipients(kind: str, detail: dict[str, Any], mail: dict[str, Any]) -> list[dict[str, Any]]:
    """Per recipient: {"email", ...extra metadata}."""
    if kind == "Bounce":
        return [{"email": r.get("emailAddress"), "status": r.get("status"), "action": r.get("action"),
                 "diagnostic_code": r.get("diagnosticCode")} for r in detail.get("bouncedRecipients") or [] if isinstance(r, dict)]
    if kind == "Complaint":
        return [{"email": r.get("emailAddress")} for r in detail.get("complainedRecipients") or [] if isinstance(r, dict)]
    if kind == "Delivery":
        return [{"email": r} for r in detail.get("recipients") or [] if isinstance(r, str)]
    if kind == "DeliveryDelay":
        return [{"email": r.get("emailAddress"), "status": r.get("status")} for r in detail.get("delayedRecipients") or []
                if isinstance(r, dict)]
    return [{"email": None}]  # Open, Click, Reject, Rendering Failure: the message's recipient


def _record(
    conn: Conn, tenant_id: UUID, found_by: str, ses_id: str | None, kind: str, event_type: str,
    mail: dict[str, Any], detail: dict[str, Any], sns_message_id: str,
) -> Outcome:
    send = email_sends.send_by_message(conn, tenant_id, found_by)
    context = email_events.context_by_any_id(conn, tenant_id, found_by)
    source = send or context
    if source is None:  # resolved a moment ago: deleted in between
        return Outcome("unknown_message", event_type)
    message_id = source["message_id"]
    occurred_at = parse_timestamp(detail.get("timestamp")) or parse_timestamp(mail.get("timestamp")) or datetime.now(UTC)
    if send is not None and send["status"] == "unknown":
        _heal(conn, tenant_id, send, ses_id, mail)
    base_metadata: dict[str, Any] = {"source": "ses", "ses_event_type": kind}
    if ses_id:
        base_metadata["provider_message_id"] = ses_id
    classification = "human"
    user_agent = ip = link = None
    if kind == "Bounce":
        base_metadata.update(bounce_type=detail.get("bounceType"), bounce_sub_type=detail.get("bounceSubType"))
    elif kind == "Complaint":
        base_metadata.update(feedback_type=detail.get("complaintFeedbackType"), complaint_sub_type=detail.get("complaintSubType"))
    elif kind == "Delivery":
        base_metadata.update(smtp_response=detail.get("smtpResponse"), processing_ms=detail.get("processingTimeMillis"))
        if send is not None:
            email_sends.mark_delivered(conn, tenant_id, send["send_id"], occurred_at)
    elif kind == "DeliveryDelay":
        base_metadata.update(delay_type=detail.get("delayType"))
    elif kind == "Reject":
        base_metadata.update(reason=detail.get("reason"))
    elif kind in ("Rendering Failure", "RenderingFailure"):
        base_metadata.update(reason=detail.get("errorMessage"))
    elif kind in ("Open", "Click"):
        user_agent = clean_text(detail.get("userAgent"), 512)
        ip = detail.get("ipAddress") if isinstance(detail.get("ipAddress"), str) else None
        sent_at = send["sent_at"] if send else None
        delivered_at = send["delivered_at"] if send else None
        if kind == "Open":
            verdict = classify_open(user_agent=user_agent, ip=ip, occurred_at=occurred_at, sent_at=sent_at, delivered_at=delivered_at)
        else:
            link = detail.get("link") if isinstance(detail.get("link"), str) else None
            verdict = classify_click(user_agent=user_agent, ip=ip, link=link or "", occurred_at=occurred_at,
                                     sent_at=sent_at, delivered_at=delivered_at)
        classification = verdict.classification
        base_metadata.update(verdict.metadata())
    recorded = suppressed = 0
    default_email = source["recipient_email"]
    for index, recipient in enumerate(_recipients(kind, detail, mail)):
        email = recipient.pop("email", None) or default_email
        if not email:
            continue
        metadata = {**base_metadata, **{k: v for k, v in recipient.items() if v is not None}}
        dedupe = f"sns:{sns_message_id}" + (f":{index}" if index else "")
        inserted = email_events.insert_event(
            conn, tenant_id,
            {"event_id": source["event_id"], "card_id": source["card_id"], "attendee_id": source["attendee_id"],
             "message_id": message_id, "recipient_email": email.lower(), "event_type": event_type,
             "classification": classification, "link_url": link, "user_agent": user_agent, "ip_address": clean_ip(ip),
             "dedupe_key": dedupe, "occurred_at": occurred_at, "metadata_json": metadata},
        )
        if inserted is None:
            continue
        recorded += 1
        if kind == "Bounce" and detail.get("bounceType") == "Permanent":
            suppressed += int(suppress_address(conn, tenant_id, email, "bounce", message_id=message_id))
        elif kind == "Complaint":
            suppressed += int(suppress_address(conn, tenant_id, email, "complaint", message_id=message_id))
    return Outcome("recorded" if recorded else "duplicate", event_type, recorded, suppressed)


def _heal(conn: Conn, tenant_id: UUID, send: dict[str, Any], ses_id: str | None, mail: dict[str, Any]) -> None:
    """A send whose outcome was unknown has SES events: SES accepted it. Count it as sent."""
    healed = email_sends.heal_unknown(conn, tenant_id, send["send_id"], ses_id)
    if healed is None:
        return
    if ses_id:
        email_events.set_context_provider_id(conn, tenant_id, healed["message_id"], ses_id)
    email_events.insert_event(
        conn, tenant_id,
        {"event_id": healed["event_id"], "card_id": healed["card_id"], "attendee_id": healed["attendee_id"],
         "message_id": healed["message_id"], "recipient_email": healed["recipient_email"], "event_type": "sent",
         "dedupe_key": f"sent:{healed['message_id']}", "occurred_at": parse_timestamp(mail.get("timestamp")),
         "metadata_json": {"provider_message_id": ses_id, "healed": True}},
    )
    if healed["job_id"] is not None:
        jobs_data.add_progress(conn, tenant_id, healed["job_id"], failed=-1, succeeded=1)
    logger().info("a send of unknown outcome was accepted by SES after all", extra={"message_id": healed["message_id"]})

