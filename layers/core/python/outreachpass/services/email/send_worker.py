"""The emails queue's worker: sends one queued batch of card emails.

Per attendee, with the send log as idempotency:
  1. one transaction: skip (no address, suppressed, no live card: counted skipped) or
     CLAIM the (job, attendee) row and write the message context (links, for tracking);
  2. send through SES v2 (outside any transaction);
  3. one transaction: mark sent + `sent` email event + job progress (or failed + reason).
A redelivered batch finds the rows and sends nobody twice. A claim left behind by a
worker that died between 2 and 3 is never resent: it becomes `unknown` (counted failed,
"not resent"), and SES's own events for the message heal it to sent. Throttling and SES
outages release the claim and fail the SQS record, so SQS retries it later (then the DLQ).
The tenant's status is checked in the round trip that starts each claim (tenant_tx with
active_tenant): once the tenant is disabled nothing more is sent, and the job ends failed with
code TENANT_DISABLED (the message is not retried).

Each message carries its recipient's signed one-click unsubscribe link (services/email/
unsubscribe) and the event's template when the job fixed one; a suppressed address is skipped
and counted in the job's `suppressed` too. A batch of a cancelled job is dropped; one of a job
still scheduled (queued by a release that did not commit) waits for SQS to bring it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import email_events, email_sends
from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.observability import logger
from outreachpass.principal import TenantDisabled
from outreachpass.services.email.compose import EmailTemplate, SenderIdentity, compose, resolve_sender
from outreachpass.services.email.suppressions import suppressed_addresses
from outreachpass.services.email.unsubscribe import unsubscribe_url
from outreachpass.services.jobs import fail_for_disabled_tenant

SUPPRESSED = "address suppressed"  # the skip reason of an address on the suppression list
STALE_CLAIM_S = 180  # longer than the worker's timeout: an older claim's worker is gone
DEADLINE_MARGIN_MS = 20_000  # stop starting new sends this close to the Lambda timeout


class RetryLater(Exception):
    """Fail this SQS record: it will be delivered again (what was done is not redone)."""


@dataclass
class BatchReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    already: int = 0  # done by an earlier delivery of this batch


def parse_batch(body: dict[str, Any]) -> tuple[UUID, UUID, list[UUID]]:
    try:
        job_id = UUID(str(body["job_id"]))
        tenant_id = UUID(str(body["tenant_id"]))
        attendee_ids = [UUID(str(value)) for value in body["attendee_ids"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not an email batch: {type(exc).__name__}") from None
    return job_id, tenant_id, attendee_ids


def process_batch(body: dict[str, Any], *, remaining_ms: Callable[[], int] | None = None) -> BatchReport:
    """Send one queued batch; raises RetryLater to have SQS deliver it again."""
    job_id, tenant_id, attendee_ids = parse_batch(body)
    logger().append_keys(tenant_id=str(tenant_id), job_id=str(job_id))
    try:
        return _send_batch(job_id, tenant_id, attendee_ids, remaining_ms)
    except TenantDisabled:
        # The tenant was disabled after the job was queued: nothing more is sent, the job says why.
        fail_for_disabled_tenant(tenant_id, job_id)
        return BatchReport()


def _send_batch(job_id: UUID, tenant_id: UUID, attendee_ids: list[UUID], remaining_ms: Callable[[], int] | None) -> BatchReport:
    from outreachpass.integrations.email import ses

    log = logger()
    config = settings()
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        job = jobs_data.get(conn, tenant_id, job_id)
        if job is None or job["status"] == "cancelled":
            log.warning("email batch for a job that does not exist (purged?) or was cancelled: dropped")
            return BatchReport()
        if job["status"] == "scheduled":
            raise RetryLater("the job has not started yet")
        jobs_data.mark_running(conn, tenant_id, job_id)
        event = email_sends.event_with_brand(conn, tenant_id, job["event_id"])
        if event is None:
            log.error("email batch for an event that does not exist: dropped")
            return BatchReport()
        sender = resolve_sender(email_sends.sender_settings(conn, tenant_id), event.get("brand_name"), config)
        recipients = email_sends.recipients(conn, tenant_id, job["event_id"], attendee_ids)
        suppressed = suppressed_addresses(conn, tenant_id, [r["email"] for r in recipients.values() if r["email"]])
    job_input = job["input"] or {}
    report = BatchReport()
    for attendee_id in attendee_ids:
        if remaining_ms is not None and remaining_ms() < DEADLINE_MARGIN_MS:
            log.info("close to the timeout: the rest of the batch is retried", extra={"report": report.__dict__})
            raise RetryLater("out of time")
        _send_one(
            tenant_id, job, event, sender, attendee_id, recipients.get(attendee_id), suppressed,
            subject=job_input.get("subject"), custom_message=job_input.get("message"), base_url=config.public_base_url,
            report=report, ses=ses,
        )
    log.info("email batch done", extra={"sent": report.sent, "failed": report.failed, "skipped": report.skipped,
                                         "already_done": report.already})
    return report


def _send_one(
    tenant_id: UUID,
    job: dict[str, Any],
    event: dict[str, Any],
    sender: SenderIdentity,
    attendee_id: UUID,
    recipient: dict[str, Any] | None,
    suppressed: dict[str, str],
    *,
    subject: str | None,
    custom_message: str | None,
    base_url: str,
    report: BatchReport,
    ses: Any,
) -> None:
    job_id = job["job_id"]
    log = logger()
    # active_tenant: a tenant disabled while its batch runs stops before its next message.
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        existing = email_sends.get_send(conn, tenant_id, job_id, attendee_id)
        if existing is not None:
            _existing_claim(conn, tenant_id, job_id, existing, report)
            return
        reason = _skip_reason(recipient, suppressed)
        if reason is not None:
            row = email_sends.insert_send(
                conn, tenant_id,
                {"job_id": job_id, "event_id": job["event_id"], "attendee_id": attendee_id,
                 "card_id": recipient.get("card_id") if recipient else None,
                 "recipient_email": (recipient or {}).get("email"), "status": "skipped", "reason": reason},
            )
            if row is not None:
                _progress(conn, tenant_id, job_id, "skipped", attendee_id, (recipient or {}).get("email"), reason,
                          suppressed=reason.startswith(SUPPRESSED))
                report.skipped += 1
            return
        assert recipient is not None
        message_id = str(uuid.uuid4())
        template = (job["input"] or {}).get("template")
        try:
            outbound = compose(
                message_id=message_id, base_url=base_url, recipient=recipient, event=event, sender=sender,
                subject=subject, custom_message=custom_message,
                template=EmailTemplate(template["subject"], template["body"]) if template else None,
                unsubscribe_url=unsubscribe_url(base_url, tenant_id, message_id, recipient["email"]),
            )
        except Exception as exc:  # this recipient's data cannot become a message: it fails alone, never the batch
            _fail_unsendable(conn, tenant_id, job, attendee_id, recipient, exc, report)
            return
        claimed = email_sends.insert_send(
            conn, tenant_id,
            {"job_id": job_id, "event_id": job["event_id"], "attendee_id": attendee_id, "card_id": recipient["card_id"],
             "message_id": message_id, "recipient_email": recipient["email"], "status": "claimed",
             "sender": sender.address, "configuration_set": sender.configuration_set, "links": outbound.links},
        )
        if claimed is None:  # another delivery of this batch claimed it a moment ago
            raise RetryLater("attendee claimed concurrently")
        email_events.insert_context(
            conn, tenant_id,
            {"message_id": message_id, "event_id": job["event_id"], "card_id": recipient["card_id"],
             "attendee_id": attendee_id, "job_id": job_id, "recipient_email": recipient["email"], "links": outbound.links},
        )

    tags = {"op_message_id": message_id, "op_tenant_id": str(tenant_id), "op_job_id": str(job_id)}
    try:
        sent = ses.send_raw(
            outbound.raw, sender=sender.address, recipient=recipient["email"],
            configuration_set=sender.configuration_set, tags=tags,
        )
    except ses.SendRetryLater as exc:
        with tenant_tx(tenant_id) as conn:
            email_sends.release_claim(conn, tenant_id, message_id)
        log.warning("SES did not take the message; the batch is retried later", extra={"message_id": message_id, "code": exc.code})
        raise RetryLater(exc.reason) from exc
    except ses.SendRejected as exc:
        _record_failure(tenant_id, job, recipient, attendee_id, message_id, "failed", exc.reason, exc.code)
        report.failed += 1
        log.warning("SES refused the message", extra={"message_id": message_id, "code": exc.code})
        return
    except ses.SendOutcomeUnknown as exc:
        _record_failure(tenant_id, job, recipient, attendee_id, message_id, "unknown", exc.reason, exc.code)
        report.failed += 1
        log.error("no answer from SES: the message may or may not be sent; not resent", extra={"message_id": message_id})
        return
    except Exception as exc:
        _record_failure(tenant_id, job, recipient, attendee_id, message_id, "unknown",
                        f"unexpected error while sending ({type(exc).__name__}); not resent", type(exc).__name__)
        report.failed += 1
        raise

    with tenant_tx(tenant_id) as conn:
        row = email_sends.finish_send(conn, tenant_id, message_id, status="sent", provider_message_id=sent.provider_message_id)
        email_events.set_context_provider_id(conn, tenant_id, message_id, sent.provider_message_id)
        email_events.insert_event(
            conn, tenant_id,
            {"event_id": job["event_id"], "card_id": recipient["card_id"], "attendee_id": attendee_id, "message_id": message_id,
             "recipient_email": recipient["email"], "event_type": "sent", "dedupe_key": f"sent:{message_id}",
             "metadata_json": {"provider_message_id": sent.provider_message_id, "job_id": str(job_id),
                               "configuration_set": sender.configuration_set, "attempts": sent.attempts}},
        )
        if row is not None:
            _progress(conn, tenant_id, job_id, "succeeded")
    report.sent += 1


def _fail_unsendable(
    conn: Conn, tenant_id: UUID, job: dict[str, Any], attendee_id: UUID, recipient: dict[str, Any],
    exc: Exception, report: BatchReport,
) -> None:
    """A recipient whose message cannot be built (a stored address with a line break, ...): a
    `failed` send with the reason, in the job's item errors. Retrying would fail the same way,
    so the batch goes on; nothing reached SES."""
    reason = (f"the message could not be built from this attendee's data ({type(exc).__name__}); "
              "check the address and names for line breaks or control characters")
    row = email_sends.insert_send(
        conn, tenant_id,
        {"job_id": job["job_id"], "event_id": job["event_id"], "attendee_id": attendee_id, "card_id": recipient["card_id"],
         "recipient_email": recipient["email"], "status": "failed", "reason": reason},
    )
    if row is not None:
        _progress(conn, tenant_id, job["job_id"], "failed", attendee_id, recipient["email"], reason, "MESSAGE_NOT_BUILT")
        report.failed += 1
    logger().warning("a recipient's message could not be built: failed alone", extra={"error": type(exc).__name__})


def _skip_reason(recipient: dict[str, Any] | None, suppressed: dict[str, str]) -> str | None:
    if recipient is None:
        return "not an attendee of this event any more"
    email = (recipient.get("email") or "").strip().lower()
    if not email:
        return "no email address"
    if email in suppressed:
        return f"{SUPPRESSED} ({suppressed[email]})"
    if recipient.get("card_id") is None:
        return "no live card"
    return None


def _existing_claim(conn: Conn, tenant_id: UUID, job_id: UUID, existing: dict[str, Any], report: BatchReport) -> None:
    if existing["status"] != "claimed":
        report.already += 1
        return
    age = (datetime.now(UTC) - existing["claimed_at"]).total_seconds()
    if age < STALE_CLAIM_S:
        raise RetryLater("attendee is being sent by another delivery of this batch")
    # Its worker died between handing the message to SES and recording the outcome.
    reason = "interrupted while sending; not resent to avoid a duplicate (SES events will tell if it arrived)"
    row = email_sends.finish_send(conn, tenant_id, existing["message_id"], status="unknown", reason=reason)
    if row is not None:
        _progress(conn, tenant_id, job_id, "failed", existing["attendee_id"], existing["recipient_email"], reason, "UNKNOWN")
        report.failed += 1
        logger().error("a stale claim was found: marked unknown, not resent", extra={"message_id": existing["message_id"]})


def _record_failure(
    tenant_id: UUID, job: dict[str, Any], recipient: dict[str, Any], attendee_id: UUID, message_id: str,
    status: str, reason: str, code: str | None,
) -> None:
    with tenant_tx(tenant_id) as conn:
        row = email_sends.finish_send(conn, tenant_id, message_id, status=status, reason=reason)
        if status == "failed":
            email_events.insert_event(
                conn, tenant_id,
                {"event_id": job["event_id"], "card_id": recipient["card_id"], "attendee_id": attendee_id,
                 "message_id": message_id, "recipient_email": recipient["email"], "event_type": "failed",
                 "dedupe_key": f"failed:{message_id}", "metadata_json": {"reason": reason, "code": code, "job_id": str(job["job_id"])}},
            )
        if row is not None:
            _progress(conn, tenant_id, job["job_id"], "failed", attendee_id, recipient["email"], reason, code)


def _progress(
    conn: Conn, tenant_id: UUID, job_id: UUID, counter: str,
    attendee_id: UUID | None = None, email: str | None = None, reason: str | None = None, code: str | None = None,
    *, suppressed: bool = False,
) -> None:
    errors = []
    if reason is not None:
        entry = {"attendee_id": str(attendee_id) if attendee_id else None, "email": email, "reason": reason,
                 "outcome": "skipped" if counter == "skipped" else "failed"}
        if code:
            entry["code"] = code
        errors.append(entry)
    increments = {counter: 1, "suppressed": 1} if suppressed else {counter: 1}
    job = jobs_data.add_progress(conn, tenant_id, job_id, errors=errors, **increments)
    complete_if_done(conn, tenant_id, job)


def complete_if_done(conn: Conn, tenant_id: UUID, job: dict[str, Any] | None) -> None:
    """Finish the job once every attendee has an outcome: failed when SES refused every one
    (a send of unknown outcome may have arrived: it does not make the job fail)."""
    if job is None or job["status"] in ("succeeded", "failed"):
        return
    done = job["succeeded"] + job["failed"] + job["skipped"]
    if done < job["total"]:
        return
    if job["total"] > 0 and email_sends.job_send_counts(conn, tenant_id, job["job_id"]).get("failed", 0) == job["total"]:
        jobs_data.finish(conn, tenant_id, job["job_id"], status="failed", error="ALL_FAILED: no email could be sent; see the item errors")
    else:
        jobs_data.finish(conn, tenant_id, job["job_id"], status="succeeded")
    logger().info("email job finished", extra={"job_id": str(job["job_id"]), "succeeded": job["succeeded"],
                                                "failed": job["failed"], "skipped": job["skipped"]})
