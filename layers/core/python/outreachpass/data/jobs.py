"""SQL for jobs: the asynchronous work (imports, pass generation, email sends, images) and its progress.

Counters only ever grow through `SET x = x + n` in one statement, so concurrent workers on
the same job never lose an increment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, cursor_of, position
from outreachpass.data.sql import keyset_page

SUMMARY_COLUMNS = (
    "job_id, tenant_id, event_id, kind, status, total, created, updated, skipped, succeeded, failed, suppressed, warnings, input, "
    "error, created_by, started_at, finished_at, created_at, updated_at, scheduled_for"
)
COLUMNS = f"{SUMMARY_COLUMNS}, errors"  # errors: up to MAX_STORED_ERRORS items, left out of lists
COUNTERS = ("total", "created", "updated", "skipped", "succeeded", "failed", "suppressed")
MAX_STORED_ERRORS = 1000  # a job keeps its first thousand item errors; the counters keep counting


def insert(
    conn: Conn,
    tenant_id: UUID,
    *,
    kind: str,
    event_id: UUID | None,
    job_input: dict[str, Any],
    created_by: UUID | None,
    total: int = 0,
    scheduled_for: datetime | None = None,
) -> dict[str, Any]:
    """A queued job, or with scheduled_for a `scheduled` one (released by services/email/scheduling)."""
    return one(conn.execute(
        f"""
        INSERT INTO jobs (tenant_id, event_id, kind, input, created_by, total, status, scheduled_for)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING {COLUMNS}
        """,
        (tenant_id, event_id, kind, Jsonb(job_input), created_by, total,
         "queued" if scheduled_for is None else "scheduled", scheduled_for),
    ))


def get(conn: Conn, tenant_id: UUID, job_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {COLUMNS} FROM jobs WHERE tenant_id = %s AND job_id = %s{lock}", (tenant_id, job_id)).fetchone()


def lock(conn: Conn, tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    """The job row, locked for this transaction; raises psycopg.errors.LockNotAvailable at once
    when another transaction (another delivery of the same job) holds it."""
    return conn.execute(
        f"SELECT {COLUMNS} FROM jobs WHERE tenant_id = %s AND job_id = %s FOR UPDATE NOWAIT", (tenant_id, job_id)
    ).fetchone()


def list_page(
    conn: Conn,
    tenant_id: UUID,
    *,
    event_id: UUID | None,
    kind: str | None,
    limit: int,
    cursor: Cursor | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's jobs, newest first, without their item errors."""
    return keyset_page(
        conn,
        columns=SUMMARY_COLUMNS,
        source="jobs",
        equals={"tenant_id": tenant_id, "event_id": event_id, "kind": kind},
        order=("created_at", "job_id"),
        after=position(cursor),
        limit=limit,
        cursor_of=cursor_of("job_id"),
    )


def item_errors_page(conn: Conn, tenant_id: UUID, job_id: UUID, *, after: int | None, limit: int) -> list[dict[str, Any]]:
    """A page of the job's job_item_errors in report order (limit + 1 rows: the extra one says
    another page exists)."""
    return conn.execute(
        """
        SELECT position, row_number AS row, field, column_name AS column, reason FROM job_item_errors
        WHERE tenant_id = %s AND job_id = %s AND position > %s
        ORDER BY position LIMIT %s
        """,
        (tenant_id, job_id, -1 if after is None else after, limit + 1),
    ).fetchall()


def mark_running(conn: Conn, tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    """queued -> running (a redelivered message finds it running already: same row back)."""
    return conn.execute(
        f"""
        UPDATE jobs SET status = 'running', started_at = coalesce(started_at, now())
        WHERE tenant_id = %s AND job_id = %s AND status IN ('queued', 'running')
        RETURNING {COLUMNS}
        """,
        (tenant_id, job_id),
    ).fetchone()


def add_progress(
    conn: Conn,
    tenant_id: UUID,
    job_id: UUID,
    *,
    errors: Sequence[dict[str, Any]] = (),
    **increments: int,
) -> dict[str, Any] | None:
    unknown = set(increments) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown job counters: {sorted(unknown)}")
    assignments = "".join(f", {name} = {name} + %({name})s" for name in increments)  # names from COUNTERS only
    return conn.execute(
        f"""
        UPDATE jobs
        SET errors = CASE WHEN jsonb_array_length(errors) >= {MAX_STORED_ERRORS} THEN errors
                          ELSE errors || %(errors)s END{assignments}
        WHERE tenant_id = %(tenant_id)s AND job_id = %(job_id)s
        RETURNING {COLUMNS}
        """,
        {"errors": Jsonb(list(errors)), "tenant_id": tenant_id, "job_id": job_id, **increments},
    ).fetchone()


def add_warnings(conn: Conn, tenant_id: UUID, job_id: UUID, warnings: list[dict[str, Any]]) -> None:
    """Things the job did not do as asked but that did not stop it (e.g. a CSV column it ignored)."""
    if warnings:
        conn.execute(
            "UPDATE jobs SET warnings = warnings || %s WHERE tenant_id = %s AND job_id = %s",
            (Jsonb(warnings), tenant_id, job_id),
        )


def set_input(conn: Conn, tenant_id: UUID, job_id: UUID, job_input: dict[str, Any]) -> dict[str, Any] | None:
    return conn.execute(
        f"UPDATE jobs SET input = %s WHERE tenant_id = %s AND job_id = %s RETURNING {COLUMNS}", (Jsonb(job_input), tenant_id, job_id)
    ).fetchone()


def set_total(conn: Conn, tenant_id: UUID, job_id: UUID, total: int) -> None:
    conn.execute("UPDATE jobs SET total = %s WHERE tenant_id = %s AND job_id = %s", (total, tenant_id, job_id))


def finish(conn: Conn, tenant_id: UUID, job_id: UUID, *, status: str, error: str | None = None) -> dict[str, Any] | None:
    """running -> succeeded|failed, with the time; a job already finished (or cancelled) keeps its outcome."""
    if status not in ("succeeded", "failed"):
        raise ValueError(f"a job finishes as succeeded or failed, not {status}")
    return conn.execute(
        f"""
        UPDATE jobs
        SET status = CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN status ELSE %s END,
            error = CASE WHEN status IN ('succeeded', 'failed', 'cancelled') THEN error ELSE %s END,
            started_at = coalesce(started_at, now()),
            finished_at = coalesce(finished_at, now())
        WHERE tenant_id = %s AND job_id = %s
        RETURNING {COLUMNS}
        """,
        (status, error, tenant_id, job_id),
    ).fetchone()


# --- scheduled jobs (services/email/scheduling) -------------------------------------------------


def due_scheduled(conn: Conn, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
    """(tenant_id, job_id) of the scheduled jobs due at `now`, every active tenant's (SECURITY DEFINER)."""
    rows = conn.execute("SELECT tenant_id, job_id FROM app_due_scheduled_jobs(%s, %s)", (now, limit)).fetchall()
    return [(row["tenant_id"], row["job_id"]) for row in rows]


def lock_due(conn: Conn, tenant_id: UUID, job_id: UUID, now: datetime) -> dict[str, Any] | None:
    """The scheduled job if it is still due and waiting, locked; None when another run holds it or
    it was cancelled or released meanwhile."""
    return conn.execute(
        f"""
        SELECT {COLUMNS} FROM jobs
        WHERE tenant_id = %s AND job_id = %s AND status = 'scheduled' AND scheduled_for <= %s
        FOR UPDATE SKIP LOCKED
        """,
        (tenant_id, job_id, now),
    ).fetchone()


def release(conn: Conn, tenant_id: UUID, job_id: UUID, *, total: int, job_input: dict[str, Any]) -> dict[str, Any]:
    """scheduled -> queued, with the audience's size and the input it runs with (a row the caller locked)."""
    return one(conn.execute(
        f"""
        UPDATE jobs SET status = 'queued', total = %s, input = %s
        WHERE tenant_id = %s AND job_id = %s AND status = 'scheduled'
        RETURNING {COLUMNS}
        """,
        (total, Jsonb(job_input), tenant_id, job_id),
    ))


def cancel(conn: Conn, tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    """scheduled -> cancelled; None when the job is not (or no longer) scheduled."""
    return conn.execute(
        f"""
        UPDATE jobs SET status = 'cancelled', finished_at = now()
        WHERE tenant_id = %s AND job_id = %s AND status = 'scheduled'
        RETURNING {COLUMNS}
        """,
        (tenant_id, job_id),
    ).fetchone()
