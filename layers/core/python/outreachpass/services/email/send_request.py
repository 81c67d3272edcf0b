"""POST /api/v1/admin/events/{event_id}/emails: the job that emails attendees their card.

`request_send` resolves who gets the email (all, those not yet sent, or a list), creates an
`emails` job with that total, commits, then enqueues one SQS message per BATCH_SIZE
attendees (services.email.send_worker sends them). One email job per event runs at a time
(409 otherwise), so two clicks on "send" do not mail everyone twice.

With `send_at` the job is created `scheduled` instead and nothing is queued: the email_schedule
job (services/email/scheduling) starts it at that time, through `start_job` below, the same way
an immediate send starts. The job's input fixes, when it starts, the event's template (so a
send is consistent from its first message to its last).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.data import email_sends
from outreachpass.data import events as events_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable, ValidationFailed
from outreachpass.models.emails import MAX_SCHEDULE_DAYS, EmailSendRequest
from outreachpass.observability import logger
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.email.templates import check_placeholders, template_of

QUEUE = "emails"
BATCH_SIZE = 50  # attendees per SQS message
ACTIVE_JOB_STALE_S = 15 * 60  # a job without progress for this long no longer blocks a new send


def request_send(principal: Principal, event_id: UUID, request: EmailSendRequest) -> dict[str, Any]:
    audience = request.audience or ("selected" if request.attendee_ids else "unsent")
    if audience == "selected" and not request.attendee_ids:
        raise ValidationFailed.field("attendee_ids", "required when audience is 'selected'")
    if audience != "selected" and request.attendee_ids:
        raise ValidationFailed.field("attendee_ids", f"only allowed with audience 'selected', not '{audience}'")
    check_placeholders(subject=request.subject, message=request.message)
    send_at = _checked_send_at(request.send_at)

    with tenant_tx(principal.tenant_id) as conn:
        # Locking the event row serialises concurrent send requests for the same event.
        event = events_data.get(conn, principal.tenant_id, event_id, for_update=True)
        if event is None:
            raise NotFound("event", event_id)
        if event["status"] == "archived":
            raise Unprocessable("The event is archived; restore it before emailing its attendees", code="EVENT_ARCHIVED")
        if send_at is None:
            active = active_job(conn, principal.tenant_id, event_id)
            if active is not None:
                raise Conflict(
                    f"Cards of this event are being emailed already (job {active['job_id']}); wait for it to finish",
                    code="EMAIL_SEND_IN_PROGRESS",
                )
        if audience == "selected":
            attendee_ids = list(dict.fromkeys(request.attendee_ids or []))  # de-duplicated, in the given order
            known = email_sends.existing_attendee_ids(conn, principal.tenant_id, event_id, attendee_ids)
            unknown = [str(i) for i in attendee_ids if i not in known]
            if unknown:
                shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                raise ValidationFailed.field("attendee_ids", f"not attendees of this event: {shown}")
        else:
            attendee_ids = email_sends.event_attendee_ids(conn, principal.tenant_id, event_id, unsent_only=audience == "unsent")
        job_input: dict[str, Any] = {
            "audience": audience,
            "attendees": len(attendee_ids),
            "batch_size": BATCH_SIZE,
            "subject": request.subject,
            "message": request.message,
        }
        if send_at is not None:
            job_input["send_at"] = send_at.isoformat()
            if audience == "selected":
                job_input["attendee_ids"] = [str(i) for i in attendee_ids]  # who, when it starts
        created_by = users_data.user_id_for_subject(conn, principal.tenant_id, principal.subject)
        job = jobs_data.insert(
            conn, principal.tenant_id, kind="emails", event_id=event_id, job_input=job_input, created_by=created_by,
            total=len(attendee_ids), scheduled_for=send_at,
        )
        record_change(
            conn, principal, action="emails.schedule" if send_at else "emails.send", entity_type="job", entity_id=job["job_id"],
            before=None, after={"event_id": event_id, **{k: v for k, v in job_input.items() if k != "attendee_ids"}},
        )
        if send_at is None:
            job = start_job(conn, principal.tenant_id, job, attendee_ids)
    if send_at is None and attendee_ids:
        job = _enqueue(principal.tenant_id, event_id, job, attendee_ids)
    logger().info("email job created", extra={"job_id": str(job["job_id"]), "event_id": str(event_id), "audience": audience,
                                               "total": len(attendee_ids), "scheduled": send_at is not None})
    return job


def active_job(conn: Conn, tenant_id: UUID, event_id: UUID) -> dict[str, Any] | None:
    """The event's email job that is sending now (a scheduled one does not count until it starts)."""
    return email_sends.active_job(conn, tenant_id, event_id, stale_after_s=ACTIVE_JOB_STALE_S)


def start_job(conn: Conn, tenant_id: UUID, job: dict[str, Any], attendee_ids: Sequence[UUID]) -> dict[str, Any]:
    """Fix what the job sends (the event's template as it is now) and make it `queued` (in the
    caller's transaction; the caller queues the batches). A job with nobody to mail is done."""
    job_input = {**(job["input"] or {}), "attendees": len(attendee_ids)}
    template = template_of(conn, tenant_id, job["event_id"])
    job_input["template"] = {"subject": template.subject, "body": template.body} if template else None
    if job["status"] == "scheduled":
        job = jobs_data.release(conn, tenant_id, job["job_id"], total=len(attendee_ids), job_input=job_input)
    else:
        job = held(jobs_data.set_input(conn, tenant_id, job["job_id"], job_input))
    if not attendee_ids:
        job = held(jobs_data.finish(conn, tenant_id, job["job_id"], status="succeeded"))
    return job


def queue_batches(tenant_id: UUID, event_id: UUID, job_id: UUID, attendee_ids: Sequence[UUID]) -> None:
    """One emails-queue message per BATCH_SIZE attendees (raises when SQS does not take them)."""
    from outreachpass.integrations import queues

    bodies = [
        {"job_id": job_id, "tenant_id": tenant_id, "event_id": event_id, "attendee_ids": list(attendee_ids[i : i + BATCH_SIZE])}
        for i in range(0, len(attendee_ids), BATCH_SIZE)
    ]
    queues.send_batch(QUEUE, bodies)


def _enqueue(tenant_id: UUID, event_id: UUID, job: dict[str, Any], attendee_ids: Sequence[UUID]) -> dict[str, Any]:
    try:
        queue_batches(tenant_id, event_id, job["job_id"], attendee_ids)
    except Exception as exc:
        # Batches queued before the failure are sent; the job says the rest was not.
        logger().exception("queueing the email batches failed", extra={"job_id": str(job["job_id"])})
        with tenant_tx(tenant_id) as conn:
            jobs_data.finish(
                conn, tenant_id, job["job_id"], status="failed",
                error="ENQUEUE_FAILED: not every batch could be queued; send again to those not yet sent",
            )
        raise ServiceUnavailable("The email queue is unavailable; please retry shortly") from exc
    return job


def _checked_send_at(send_at: datetime | None, *, now: datetime | None = None) -> datetime | None:
    if send_at is None:
        return None
    now = now or datetime.now(UTC)
    if send_at <= now:
        raise ValidationFailed.field("send_at", "must be in the future (leave it out to send now)")
    if send_at > now + timedelta(days=MAX_SCHEDULE_DAYS):
        raise ValidationFailed.field("send_at", f"must be at most {MAX_SCHEDULE_DAYS} days ahead")
    return send_at.astimezone(UTC)

