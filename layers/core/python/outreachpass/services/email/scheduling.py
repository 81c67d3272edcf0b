"""Scheduled card e-mails: the release of due jobs (the email_schedule job, every minute) and
their cancellation while they wait (POST /api/v1/admin/jobs/{job_id}/cancel).

SQS can delay a message by 15 minutes at most, and a delayed message cannot be taken back, so a
scheduled send is a `scheduled` row in jobs, not a queued message: every minute the release asks
for the jobs due (app_due_scheduled_jobs: active tenants only) and starts each in its tenant's
transaction, exactly as an immediate send starts (services/email/send_request.start_job): the
audience resolved now (`unsent` means unsent at send time), the template fixed, the batches
queued, the job `queued`. The batches are queued before that transaction commits, under the
job's row lock: a cancel waits for it and then finds the job started (409), so a cancelled job
never sends. Should the commit fail after the batches were queued, the job is still scheduled,
the worker holds its batches back until it is released, and the next run queues them again (the
send log makes the second copy send nobody twice).

A job waits while another e-mail job of its event is sending (it starts at the next run after
that one); one whose event was archived meanwhile, or that is more than MAX_LATE overdue (a tenant
disabled for days, then enabled again), fails with a reason instead of mailing attendees late.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.data import email_sends
from outreachpass.data import events as events_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import Conflict, NotFound
from outreachpass.observability import logger
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.email.send_request import active_job, queue_batches, start_job

RELEASE_LIMIT = 100  # jobs per run; more wait for the next minute
MAX_LATE = timedelta(hours=24)


@dataclass
class ReleaseReport:
    due: int = 0
    released: int = 0
    waiting: int = 0  # another send of the event is running: the next run tries again
    failed: int = 0
    errors: int = 0  # could not be started now (queue, database): the next run tries again
    jobs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"due": self.due, "released": self.released, "waiting": self.waiting, "failed": self.failed,
                "errors": self.errors, "jobs": self.jobs}


def release_due(*, now: datetime | None = None, deadline: float | None = None) -> ReleaseReport:
    """Start every scheduled e-mail job due at `now` (default: now)."""
    now = now or datetime.now(UTC)
    report = ReleaseReport()
    with system_tx() as conn:
        due = jobs_data.due_scheduled(conn, now, RELEASE_LIMIT)
    report.due = len(due)
    for tenant_id, job_id in due:
        if deadline is not None and time.monotonic() > deadline:
            break
        try:
            outcome = _release(tenant_id, job_id, now)
        except Exception:
            logger().exception("a scheduled e-mail job could not be started; the next run tries again",
                               extra={"tenant_id": str(tenant_id), "job_id": str(job_id)})
            report.errors += 1
            continue
        if outcome == "released":
            report.released += 1
            report.jobs.append(str(job_id))
        elif outcome == "waiting":
            report.waiting += 1
        elif outcome == "failed":
            report.failed += 1
    if report.due:
        logger().info("scheduled e-mails released", extra=report.as_dict())
    return report


def _release(tenant_id: UUID, job_id: UUID, now: datetime) -> str:
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        job = jobs_data.lock_due(conn, tenant_id, job_id, now)
        if job is None:
            return "gone"  # cancelled, or released by another run, meanwhile
        event = events_data.get(conn, tenant_id, job["event_id"], for_update=True)
        refusal = _refusal(job, event, now)
        if refusal is not None:
            jobs_data.finish(conn, tenant_id, job_id, status="failed", error=refusal)
            logger().warning("a scheduled e-mail job was not sent", extra={"job_id": str(job_id), "why": refusal})
            return "failed"
        if active_job(conn, tenant_id, job["event_id"]) is not None:
            return "waiting"
        attendee_ids = _audience(conn, tenant_id, job)
        job = start_job(conn, tenant_id, job, attendee_ids)
        if attendee_ids:
            queue_batches(tenant_id, job["event_id"], job_id, attendee_ids)  # before the commit (see the module docstring)
    logger().info("scheduled e-mail job started", extra={"job_id": str(job_id), "total": len(attendee_ids)})
    return "released"


def _refusal(job: dict[str, Any], event: dict[str, Any] | None, now: datetime) -> str | None:
    if event is None or event["status"] == "archived":
        return "EVENT_ARCHIVED: the event was archived before the scheduled send; nothing was sent"
    if now - job["scheduled_for"] > MAX_LATE:
        return (f"SCHEDULE_MISSED: due at {job['scheduled_for'].isoformat()}, it could not start within "
                f"{int(MAX_LATE.total_seconds() // 3600)} hours (was the organisation disabled?); nothing was sent")
    return None


def _audience(conn: Conn, tenant_id: UUID, job: dict[str, Any]) -> list[UUID]:
    """Who the job mails, decided now: `selected` keeps those still attendees of the event."""
    job_input = job["input"] or {}
    event_id = job["event_id"]
    if job_input.get("audience") == "selected":
        wanted = [UUID(value) for value in job_input.get("attendee_ids") or []]
        still = email_sends.existing_attendee_ids(conn, tenant_id, event_id, wanted)
        return [attendee_id for attendee_id in wanted if attendee_id in still]
    return email_sends.event_attendee_ids(conn, tenant_id, event_id, unsent_only=job_input.get("audience") != "all")


def cancel_job(principal: Principal, job_id: UUID) -> dict[str, Any]:
    """A scheduled job becomes `cancelled` (again: the same answer); any other is 409 JOB_NOT_CANCELLABLE."""
    with tenant_tx(principal.tenant_id) as conn:
        job = jobs_data.get(conn, principal.tenant_id, job_id, for_update=True)
        if job is None:
            raise NotFound("job", job_id)
        if job["status"] == "cancelled":
            return job
        if job["status"] != "scheduled":
            raise Conflict(
                f"The job is {job['status']}: only a scheduled job can be cancelled, before it starts",
                code="JOB_NOT_CANCELLABLE",
            )
        cancelled = held(jobs_data.cancel(conn, principal.tenant_id, job_id))  # locked above, and scheduled
        record_change(conn, principal, action="jobs.cancel", entity_type="job", entity_id=job_id,
                      before={"status": "scheduled", "scheduled_for": job["scheduled_for"]}, after={"status": "cancelled"})
    logger().info("scheduled job cancelled", extra={"job_id": str(job_id)})
    return cancelled
