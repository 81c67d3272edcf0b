"""What every upload worker does with its job row: claim it, fail it, act for whoever asked.

A worker claims its job in a transaction of its own (`claim` locks the row NOWAIT), so two
deliveries of one message never run at once: the second gets `JobBusy` and its message is
retried later, when it finds the job finished and does nothing. `claim` returns None for a
message that names no job of that kind in the tenant (forged or stale: logged and dropped),
and the job as it is otherwise; `finished(job)` says whether there is anything left to do.

`fail` ends a job as a whole with "CODE: message" in jobs.error (models/jobs.py splits it for
the API); a job that finished meanwhile keeps its outcome. `requester` is the principal the
job's audit entries name: the user who started it, as recorded in its input.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.observability import logger
from outreachpass.principal import Principal

FINISHED = ("succeeded", "failed", "cancelled")


class JobBusy(Exception):
    """Another delivery of the same job holds it right now: retry this message later."""


def claim(conn: Conn, tenant_id: UUID, job_id: UUID, kind: str) -> dict[str, Any] | None:
    """The job, locked for `conn`'s transaction; None when the tenant has no `kind` job with this id."""
    try:
        job = jobs_data.lock(conn, tenant_id, job_id)
    except psycopg.errors.LockNotAvailable:
        raise JobBusy(str(job_id)) from None
    log = logger()
    if job is None:
        log.warning("no such job in this tenant: message ignored", extra={"kind": kind})
        return None
    if job["kind"] != kind:
        log.warning("not a job of this worker: message ignored", extra={"kind": job["kind"], "expected": kind})
        return None
    if finished(job):
        log.info("job already finished: duplicate message ignored", extra={"status": job["status"]})
    return job


def finished(job: dict[str, Any] | None) -> bool:
    return job is not None and job["status"] in FINISHED


def fail(tenant_id: UUID, job_id: UUID, code: str, message: str, *, failed_items: int = 0) -> dict[str, Any] | None:
    """The job failed as a whole (counting `failed_items` more failed items), unless another
    delivery finished it meanwhile: then it keeps that outcome. Returns the job as it is now."""
    return _fail(tenant_id, job_id, code, message, failed_items)[0]


def fail_if_open(tenant_id: UUID, job_id: UUID, code: str, message: str) -> dict[str, Any] | None:
    """`fail`, returning the job only when this call is what ended it (None when it had ended, or is gone)."""
    job, ended = _fail(tenant_id, job_id, code, message, 0)
    return job if ended else None


def _fail(tenant_id: UUID, job_id: UUID, code: str, message: str, failed_items: int) -> tuple[dict[str, Any] | None, bool]:
    with tenant_tx(tenant_id) as conn:
        job = jobs_data.get(conn, tenant_id, job_id, for_update=True)
        if job is None or finished(job):
            return job, False
        if failed_items:
            jobs_data.add_progress(conn, tenant_id, job_id, failed=failed_items)
        return jobs_data.finish(conn, tenant_id, job_id, status="failed", error=job_error(code, message)), True


def job_error(code: str, message: str) -> str:
    """jobs.error holds "CODE: message" by convention."""
    return f"{code}: {message}"


def requester(tenant_id: UUID, job: dict[str, Any], *, worker: str) -> Principal:
    """Who started the job (its input.requested_by), for the audit log; `worker` when unknown."""
    requested = (job["input"] or {}).get("requested_by") or {}
    return Principal(tenant_id=tenant_id, role=requested.get("role") or "admin", subject=requested.get("sub") or worker)
