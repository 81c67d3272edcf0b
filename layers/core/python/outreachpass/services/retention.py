"""The retention job (daily): what expires is deleted, raw analytics older than a year are archived.

1. Expiry (docs/architecture.md, retention): message contexts after their expires_at (7 days), succeeded
   jobs after 7 days, failed jobs after 30, audit log after 2 years, through the SECURITY
   DEFINER app_purge_expired_batch in batches of PURGE_BATCH rows per table.
2. Archive: raw analytics rows older than ARCHIVE_AFTER, per tenant and table, oldest
   UTC month first, in batches of ARCHIVE_BATCH_ROWS rows: the batch is recorded (pending)
   and committed, its rows are written as gzip JSON lines to
       s3://<archive>/analytics/tenant_id=<t>/source=<table>/month=YYYY-MM/<table>-<first id>-<last id>.jsonl.gz
   then exactly those rows are deleted and the batch marked done, in one transaction. Only
   rows the rollup has counted are archived, so the rollups (kept) still hold their counts.
   A run that dies after an upload redoes its pending batch under the same key first.

Each step is idempotent and the run stops at its deadline: the next run continues.
"""

from __future__ import annotations

import gzip
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import retention as retention_data
from outreachpass.data.rollup import SOURCES
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.integrations.aws import client
from outreachpass.observability import logger

ARCHIVE_AFTER = timedelta(days=365)
ARCHIVE_BATCH_ROWS = 50_000
PURGE_BATCH = 5_000
ARCHIVE_BUCKET = "archive"
ARCHIVE_PREFIX = "analytics/"
TURN_BATCHES = 4


@dataclass
class RetentionReport:
    purged: dict[str, int] = field(default_factory=dict)
    archived_rows: int = 0
    archived_objects: int = 0
    complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "purged": self.purged,
            "archived_rows": self.archived_rows,
            "archived_objects": self.archived_objects,
            "complete": self.complete,
        }


def run_retention(
    *,
    deadline: float,
    now: datetime | None = None,
    tenant_ids: list[UUID] | None = None,
    purge_batch: int = PURGE_BATCH,
    archive_batch_rows: int = ARCHIVE_BATCH_ROWS,
) -> RetentionReport:
    now = now or datetime.now(UTC)
    report = RetentionReport()
    report.complete = purge_expired(now, report, deadline=deadline, batch=purge_batch)
    if tenant_ids is None:
        with system_tx() as conn:
            tenant_ids = retention_data.tenant_ids(conn)
    cutoff = now - ARCHIVE_AFTER
    pending = list(tenant_ids)
    while pending and report.complete:
        behind = []
        for tenant_id in pending:
            if time.monotonic() >= deadline:
                report.complete = False
                break
            if not archive_tenant(tenant_id, cutoff, report, deadline=deadline, batch_rows=archive_batch_rows):
                behind.append(tenant_id)
        pending = behind
    if not report.complete:
        logger().warning("retention stopped at its deadline; the next run continues", extra=report.as_dict())
    return report


def purge_expired(now: datetime, report: RetentionReport, *, deadline: float, batch: int) -> bool:
    while True:
        if time.monotonic() >= deadline:
            return False
        with system_tx() as conn:
            deleted = retention_data.purge_expired_batch(conn, now, batch)
        for table, n in deleted.items():
            report.purged[table] = report.purged.get(table, 0) + n
        if all(n < batch for n in deleted.values()):
            return True


def archive_tenant(
    tenant_id: UUID, cutoff: datetime, report: RetentionReport, *, deadline: float, batch_rows: int, max_batches: int = TURN_BATCHES
) -> bool:
    """Up to `max_batches` batches per table; True when nothing is left to archive."""
    done = True
    for source in SOURCES:
        batches = 0
        while True:
            if time.monotonic() >= deadline:
                return False
            with tenant_tx(tenant_id) as conn:
                # one run at a time picks new batches of a tenant's table; a pending batch (a run
                # died between its upload and its delete, or another run is on it) is redone first
                retention_data.lock_archive(conn, tenant_id, source)
                pending = retention_data.pending_batches(conn, tenant_id, source)
                batch = pending[0] if pending else _new_batch(conn, tenant_id, source, cutoff, batch_rows)
            if batch is None:
                break
            rows = _archive_batch(tenant_id, batch, report)
            batches += 1
            if not pending and rows < batch_rows:
                break
            if batches >= max_batches:
                done = False
                break
    return done


def _new_batch(conn: Any, tenant_id: UUID, source: str, cutoff: datetime, batch_rows: int) -> dict[str, Any] | None:
    counted = retention_data.watermark(conn, tenant_id, source)
    if counted is None:
        return None  # never rolled up: nothing may be archived yet
    found = retention_data.next_batch(conn, tenant_id, source, cutoff=cutoff, counted=counted, limit=batch_rows)
    if found is None:
        return None
    month = found["month"]
    return retention_data.insert_batch(
        conn,
        tenant_id,
        {
            "source": source,
            "month": month,
            "first_id": found["first_id"],
            "last_id": found["last_id"],
            "cutoff": cutoff,
            "s3_key": archive_key(tenant_id, source, month, found["first_id"], found["last_id"]),
        },
    )


def archive_key(tenant_id: UUID, source: str, month: Any, first_id: int, last_id: int) -> str:
    """Hive-style partitions (tenant, table, month) for Athena; the random part keeps a later
    batch of the same id range (rows changed after an upload) from overwriting an object."""
    return (
        f"{ARCHIVE_PREFIX}tenant_id={tenant_id}/source={source}/month={month:%Y-%m}/"
        f"{source}-{first_id:019d}-{last_id:019d}-{uuid.uuid4().hex[:8]}.jsonl.gz"
    )


def _archive_batch(tenant_id: UUID, batch: dict[str, Any], report: RetentionReport) -> int:
    source = batch["source"]
    with tempfile.TemporaryFile() as raw:
        ids: list[int] = []
        newest: datetime | None = None
        with tenant_tx(tenant_id) as conn:
            counted = retention_data.watermark(conn, tenant_id, source) or (0, 0)
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
                for row_id, occurred_at, document in retention_data.batch_rows(conn, tenant_id, batch, counted=counted):
                    out.write(document.encode("utf-8"))
                    out.write(b"\n")
                    ids.append(row_id)
                    newest = occurred_at if newest is None or occurred_at > newest else newest
        if ids:
            raw.seek(0)
            client("s3").upload_fileobj(
                raw,
                settings().bucket(ARCHIVE_BUCKET),
                batch["s3_key"],
                ExtraArgs={"ContentType": "application/x-ndjson", "ContentEncoding": "gzip", "Metadata": {"rows": str(len(ids))}},
            )
        with tenant_tx(tenant_id) as conn:
            deleted = retention_data.delete_archived(conn, tenant_id, source, ids, counted=counted) if ids else 0
            retention_data.finish_batch(conn, tenant_id, batch["batch_id"], rows=len(ids), archived_through=newest)
    report.archived_rows += deleted
    report.archived_objects += 1 if ids else 0
    logger().info(
        "analytics archived",
        extra={"tenant_id": str(tenant_id), "source": source, "rows": deleted, "key": batch["s3_key"]},
    )
    return len(ids)
