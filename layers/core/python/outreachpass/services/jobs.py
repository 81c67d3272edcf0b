"""Jobs as the API shows them: one job, the tenant's jobs, and every item error of a job.

A job waiting for an upload (imports and images started with a presigned URL) records when its
URL expires in input.upload_expires_at. Once that is more than UPLOAD_GRACE_S past and the job
is still queued, no file came: reading the job (alone or in a list) fails it (UPLOAD_EXPIRED), so
a client polling it gets an answer and retention purges it like any failed job.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn, held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ValidationFailed
from outreachpass.observability import logger
from outreachpass.principal import Principal

UPLOAD_GRACE_S = 3600  # S3 notifications are usually seconds late; an hour is generous
UPLOAD_EXPIRED = "UPLOAD_EXPIRED: No file was uploaded before the upload URL expired; start again"
TENANT_DISABLED_ERROR = "TENANT_DISABLED: The organisation was disabled; its queued work was stopped"


def get_job(principal: Principal, job_id: UUID) -> dict[str, Any]:
    """A job of the caller's tenant (another tenant's job does not exist for it)."""
    with tenant_tx(principal.tenant_id) as conn:
        job = jobs_data.get(conn, principal.tenant_id, job_id)
        if job is None:
            raise NotFound("job", job_id)
        return _expire_if_no_upload(conn, principal.tenant_id, job)


def list_jobs(
    principal: Principal, *, event_id: UUID | None, kind: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's jobs, newest first, optionally of one event and of one kind."""
    after = Cursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        rows, next_cursor = jobs_data.list_page(conn, principal.tenant_id, event_id=event_id, kind=kind, limit=limit, cursor=after)
        return [_expire_if_no_upload(conn, principal.tenant_id, row) for row in rows], next_cursor


def item_errors(principal: Principal, job_id: UUID, *, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Every failed item of a job, in order, a page at a time: an import's refused rows from
    job_item_errors (all of them), another kind's from the job itself."""
    after = _decode_position(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        job = jobs_data.get(conn, principal.tenant_id, job_id)
        if job is None:
            raise NotFound("job", job_id)
        if job["kind"] == "import":
            rows = jobs_data.item_errors_page(conn, principal.tenant_id, job_id, after=after, limit=limit)
        else:
            start = 0 if after is None else after + 1
            rows = [{"position": start + i, **error} for i, error in enumerate((job["errors"] or [])[start : start + limit + 1])]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_position(rows[-1]["position"]) if more and rows else None
    return [{key: value for key, value in row.items() if key != "position"} for row in rows], next_cursor


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


def _expire_if_no_upload(conn: Conn, tenant_id: UUID, job: dict[str, Any]) -> dict[str, Any]:
    if not upload_never_came(job):
        return job
    logger().info("job failed: its upload never came", extra={"job_id": str(job["job_id"]), "kind": job["kind"]})
    finished = held(jobs_data.finish(conn, tenant_id, job["job_id"], status="failed", error=UPLOAD_EXPIRED))
    return {key: finished[key] for key in job}  # the same columns as asked (a list leaves the errors out)


def _encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def _decode_position(token: str | None) -> int | None:
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        if text.startswith("p") and text[1:].isdigit():
            return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ValidationFailed.field("cursor", "not a cursor this API returned")


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
