"""Jobs as the API shows them: status, counts, item errors, and why a failed job failed.

A job waiting for an upload (imports and images started with a presigned URL) records when its
URL expires in input.upload_expires_at. Once that is more than UPLOAD_GRACE_S past and the job
is still queued, no file came: reading the job fails it (UPLOAD_EXPIRED), so a client polling
it gets an answer and retention purges it like any failed job.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound
from outreachpass.observability import logger
from outreachpass.principal import Principal

UPLOAD_GRACE_S = 3600  # S3 notifications are usually seconds late; an hour is generous
TENANT_DISABLED_ERROR = "TENANT_DISABLED: The organisation was disabled; its queued work was stopped"


def get_job(principal: Principal, job_id: UUID) -> dict[str, Any]:
    """A job of the caller's tenant (another tenant's job does not exist for it)."""
    with tenant_tx(principal.tenant_id) as conn:
        job = jobs_data.get(conn, principal.tenant_id, job_id)
        if job is None:
            raise NotFound("job", job_id)
        if upload_never_came(job):
            logger().info("job failed: its upload never came", extra={"job_id": str(job_id), "kind": job["kind"]})
            job = held(jobs_data.finish(
                conn, principal.tenant_id, job_id, status="failed",
                error="UPLOAD_EXPIRED: No file was uploaded before the upload URL expired; start again",
            ))
    return job


def upload_expires_at(seconds: int) -> str:
    """The value to put in a job's input.upload_expires_at for a URL valid `seconds` from now."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def upload_never_came(job: dict[str, Any], *, now: datetime | None = None) -> bool:
    expires = (job.get("input") or {}).get("upload_expires_at")
    if job["status"] != "queued" or not expires:
        return False
    try:
        deadline = datetime.fromisoformat(expires) + timedelta(seconds=UPLOAD_GRACE_S)
    except ValueError:
        return False
    return (now or datetime.now(UTC)) > deadline


def fail_for_disabled_tenant(tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    """A worker found the job's tenant disabled (TenantDisabled from tenant_tx(active_tenant=True)):
    the job ends failed with code TENANT_DISABLED, once (a finished job keeps its outcome), and
    the message is not retried. None when the job is gone."""
    # A plain tenant transaction: recording why the work stopped must work for a disabled tenant.
    with tenant_tx(tenant_id) as conn:
        if jobs_data.get(conn, tenant_id, job_id) is None:
            return None
        job = held(jobs_data.finish(conn, tenant_id, job_id, status="failed", error=TENANT_DISABLED_ERROR))
    logger().warning("the job's organisation is disabled: its work stops", extra={"job_id": str(job_id), "kind": job["kind"]})
    return job
