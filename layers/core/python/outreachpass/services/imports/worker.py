"""The imports queue's side of an import: claim the job, import its file, finish the job.

Idempotency. An import is one database transaction: staging, attendees and cards, the row errors,
the job's counters and outcome, the audit entry. A worker that dies mid-file rolls all of it back
and the redelivered message does the whole file again; a message for a finished job is a no-op;
two deliveries of one job never run at once (services/job_runs.claim locks the job row NOWAIT,
the second one is retried later and then finds the job finished), and two imports into one event
never interleave (data/imports.lock_event). Re-importing the same file changes nothing: existing
attendees are matched on (event, lower(email)) and only written when a value changes.

A single attendee added through the API with an e-mail of the file while it imports makes the
import's insert collide with it: the import runs once more at once and finds that attendee.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import imports as imports_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import require_active_tenant, tenant_tx
from outreachpass.integrations import storage
from outreachpass.integrations.csv_reader import CsvFormatError, human_size
from outreachpass.observability import correlation_id, logger, metrics
from outreachpass.principal import TenantDisabled
from outreachpass.services.audit import record_change
from outreachpass.services.imports.importer import ImportOutcome, import_csv
from outreachpass.services.imports.uploads import BUCKET, MAX_FILE_BYTES, MAX_ROWS, upload_key
from outreachpass.services.job_runs import JobBusy, claim, fail, finished, requester
from outreachpass.services.jobs import fail_for_disabled_tenant

KIND = "import"
IMPORT_STATEMENT_TIMEOUT_S = 300
IMPORT_IDLE_TIMEOUT_S = 120
EVENT_LOCK_WAIT_S = 60  # another import into the same event: wait this long, then retry the message later
ATTEMPTS = 2  # in one delivery: a collision with a concurrent single add is retried once at once


def run_import(tenant_id: UUID, job_id: UUID, *, key: str | None = None, final_attempt: bool = False) -> dict[str, Any] | None:
    """Import the job's file. Returns the job as it ends, or None when the message named no import
    job of this tenant (logged, nothing to retry). Raises JobBusy or an unexpected error to have
    the message retried; file problems fail the job instead (retrying would not help), and so does
    a disabled tenant (TENANT_DISABLED: its queued work writes nothing more)."""
    log = logger()
    log.append_keys(tenant_id=str(tenant_id), job_id=str(job_id))
    try:
        return _run(tenant_id, job_id, key=key, final_attempt=final_attempt)
    except TenantDisabled:
        return fail_for_disabled_tenant(tenant_id, job_id)  # logs why; the message is not retried


def _run(tenant_id: UUID, job_id: UUID, *, key: str | None, final_attempt: bool) -> dict[str, Any] | None:
    log = logger()
    # active_tenant: every transaction of the job reads the tenant's status in its first round trip.
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        job = claim(conn, tenant_id, job_id, KIND)
        if job is None or finished(job):
            return job
        expected = upload_key(tenant_id, job_id, (job["input"] or {}).get("source", "upload"))
        if key is not None and key != expected:
            log.warning("an object for this job under an unexpected key: ignored", extra={"key": key, "expected": expected})
            return None
        jobs_data.mark_running(conn, tenant_id, job_id)
    log.append_keys(request_correlation_id=(job["input"] or {}).get("correlation_id"))

    outcome: ImportOutcome | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            job, outcome = _import_once(tenant_id, job_id, expected)
            break
        except CsvFormatError as exc:
            log.info("import refused", extra={"code": exc.code, "reason": exc.message})
            return fail(tenant_id, job_id, exc.code, exc.message)
        except (JobBusy, psycopg.errors.LockNotAvailable):
            log.info("another delivery of this job, or another import into its event, is running; retrying later")
            raise JobBusy(str(job_id)) from None
        except TenantDisabled:
            raise
        except (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected) as exc:
            if attempt < ATTEMPTS:
                log.info("the import met a concurrent change of the event's attendees: running it again", extra={"error": type(exc).__name__})
                continue
            _fail_if_final(tenant_id, job_id, final_attempt)
            raise
        except Exception:
            _fail_if_final(tenant_id, job_id, final_attempt)
            raise
    if job is None or outcome is None:
        return job
    log.info("import finished", extra={"status": job["status"], "counts": outcome.counts(), "bytes": outcome.bytes_read,
                                       "encoding": outcome.encoding, "seconds": outcome.seconds})
    _metric("ImportedRows", outcome.created + outcome.updated + outcome.skipped)
    return job


def _import_once(tenant_id: UUID, job_id: UUID, key: str) -> tuple[dict[str, Any] | None, ImportOutcome | None]:
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        imports_data.prepare_transaction(conn, statement_timeout_s=IMPORT_STATEMENT_TIMEOUT_S, idle_timeout_s=IMPORT_IDLE_TIMEOUT_S)
        job = claim(conn, tenant_id, job_id, KIND)
        if job is None or finished(job):
            return job, None
        imports_data.lock_event(conn, job["event_id"], wait_s=EVENT_LOCK_WAIT_S)
        outcome = import_file(conn, job, key)
        require_active_tenant(conn, tenant_id)  # disabled while it ran: nothing of it commits
        return _record(conn, job, outcome), outcome


def import_file(conn: Conn, job: dict[str, Any], key: str) -> ImportOutcome:
    """Stream the job's CSV from S3 into the event's attendees and cards, in `conn`'s transaction."""
    try:
        stored = storage.get_stream(BUCKET, key, max_bytes=MAX_FILE_BYTES)
    except storage.ObjectTooLarge as exc:
        raise CsvFormatError("FILE_TOO_LARGE", f"The file is {human_size(exc.size)}; the limit is {human_size(MAX_FILE_BYTES)}: split it into smaller files") from None
    except storage.ObjectNotFound:
        raise CsvFormatError("UPLOAD_MISSING", "The uploaded file is gone (uploads are kept for 14 days): start a new import") from None
    return import_csv(
        conn, job["tenant_id"], job["event_id"], stored.chunks(),
        max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS, job_id=job["job_id"], mapping=(job["input"] or {}).get("mapping"),
    )


def _record(conn: Conn, job: dict[str, Any], outcome: ImportOutcome) -> dict[str, Any]:
    """The outcome on the job (counters, the first row errors, warnings), the job finished, audited.
    A file none of whose rows could be imported fails the job; some refused rows make it
    succeeded_with_errors (models/jobs.py)."""
    tenant_id, job_id = job["tenant_id"], job["job_id"]
    jobs_data.add_progress(conn, tenant_id, job_id, errors=outcome.errors, **outcome.counts())
    jobs_data.add_warnings(conn, tenant_id, job_id, outcome.warnings)
    if outcome.failed == outcome.total:
        done = held(jobs_data.finish(
            conn, tenant_id, job_id, status="failed",
            error=f"NO_ROWS_IMPORTED: None of the file's {outcome.total:,} rows could be imported: see the row errors",
        ))
    else:
        done = held(jobs_data.finish(conn, tenant_id, job_id, status="succeeded"))
    record_change(
        conn,
        requester(tenant_id, job, worker="import-worker"),
        action="attendee.import",
        entity_type="event",
        entity_id=job["event_id"],
        before=None,
        after={"job_id": job_id, **outcome.counts(), "cards_changed": outcome.cards_changed},
    )
    return done


def _fail_if_final(tenant_id: UUID, job_id: UUID, final_attempt: bool) -> None:
    if final_attempt:
        logger().exception("import failed on its last attempt: the job fails, the message goes to the DLQ")
        fail(tenant_id, job_id, "IMPORT_FAILED", f"The import failed on our side; quote {correlation_id()} when reporting it")


def _metric(name: str, value: float) -> None:
    try:
        from aws_lambda_powertools.metrics import MetricUnit

        metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)
    except Exception:  # metrics are best effort (no namespace outside Lambda, ...)
        logger().debug("metric not recorded", extra={"metric": name})
