"""SQL of the retention job: the expiry rules (a SECURITY DEFINER batch function) and the
archive of raw analytics rows to S3 in batches recorded before they are uploaded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data.conn import Conn, one
from outreachpass.data.rollup import SOURCES


def purge_expired_batch(conn: Conn, now: datetime, limit: int) -> dict[str, int]:
    """At most `limit` rows per table of the expiry rules (V0500 app_purge_expired_batch)."""
    rows = conn.execute("SELECT table_name, deleted FROM app_purge_expired_batch(%s, %s)", (now, limit)).fetchall()
    return {row["table_name"]: row["deleted"] for row in rows}


def tenant_ids(conn: Conn) -> list[UUID]:
    """Every tenant (platform jobs then work tenant by tenant under RLS)."""
    return [row["tenant_id"] for row in conn.execute("SELECT tenant_id FROM app_tenant_ids()")]


def watermark(conn: Conn, tenant_id: UUID, source: str) -> tuple[int, int] | None:
    row = conn.execute(
        "SELECT watermark_xid::text AS x, watermark_id AS i FROM analytics_rollup_state WHERE tenant_id = %s AND source = %s",
        (tenant_id, source),
    ).fetchone()
    return (int(row["x"]), row["i"]) if row else None


def lock_archive(conn: Conn, tenant_id: UUID, source: str) -> None:
    """Serialise the choice of new archive batches of one tenant's table (until commit)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"archive:{tenant_id}:{source}",))


def pending_batches(conn: Conn, tenant_id: UUID, source: str) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT batch_id, source, month, first_id, last_id, cutoff, s3_key
        FROM analytics_archive_batches
        WHERE tenant_id = %s AND source = %s AND status = 'pending'
        ORDER BY batch_id
        """,
        (tenant_id, source),
    ).fetchall()


def next_batch(
    conn: Conn, tenant_id: UUID, source: str, *, cutoff: datetime, counted: tuple[int, int], limit: int
) -> dict[str, Any] | None:
    """The oldest UTC month with rolled-up rows before `cutoff`, and its first `limit` ids."""
    spec = SOURCES[source]
    return conn.execute(
        f"""
        WITH oldest AS (
            SELECT e.occurred_at FROM {spec.table} e
            WHERE e.tenant_id = %(tenant_id)s AND e.occurred_at < %(cutoff)s
              AND (e.ingest_xid, e.{spec.id_column}) <= (%(w_xid)s::xid8, %(w_id)s::bigint)
            ORDER BY e.occurred_at
            LIMIT 1
        ),
        month AS (
            SELECT (date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS lo,
                   ((date_trunc('month', occurred_at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC') AS hi
            FROM oldest
        ),
        ids AS (
            SELECT e.{spec.id_column} AS id FROM month m
            JOIN {spec.table} e ON e.tenant_id = %(tenant_id)s AND e.occurred_at >= m.lo
                 AND e.occurred_at < least(m.hi, %(cutoff)s::timestamptz)
            WHERE (e.ingest_xid, e.{spec.id_column}) <= (%(w_xid)s::xid8, %(w_id)s::bigint)
            ORDER BY e.{spec.id_column}
            LIMIT %(limit)s
        )
        SELECT (m.lo AT TIME ZONE 'UTC')::date AS month, min(ids.id) AS first_id, max(ids.id) AS last_id, count(*) AS rows
        FROM month m, ids
        GROUP BY m.lo
        """,
        {"tenant_id": tenant_id, "cutoff": cutoff, "w_xid": str(counted[0]), "w_id": counted[1], "limit": limit},
    ).fetchone()


def insert_batch(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        """
        INSERT INTO analytics_archive_batches (tenant_id, source, month, first_id, last_id, cutoff, s3_key)
        VALUES (%(tenant_id)s, %(source)s, %(month)s, %(first_id)s, %(last_id)s, %(cutoff)s, %(s3_key)s)
        RETURNING batch_id, source, month, first_id, last_id, cutoff, s3_key, status
        """,
        {**values, "tenant_id": tenant_id},
    ))


def batch_rows(
    conn: Conn, tenant_id: UUID, batch: dict[str, Any], *, counted: tuple[int, int]
) -> Iterator[tuple[int, datetime, str]]:
    """(id, occurred_at, the row as JSON) of a batch, by id, streamed (server-side cursor)."""
    spec = SOURCES[batch["source"]]
    cursor = conn.cursor(name="archive_batch", row_factory=psycopg.rows.tuple_row)
    cursor.itersize = 5000
    cursor.execute(
        f"""
        SELECT e.{spec.id_column}, e.occurred_at, (to_jsonb(e) - 'ingest_xid')::text
        FROM {spec.table} e
        WHERE e.tenant_id = %(tenant_id)s
          AND e.{spec.id_column} BETWEEN %(first_id)s AND %(last_id)s
          AND e.occurred_at >= (%(month)s::date::timestamp AT TIME ZONE 'UTC')
          AND e.occurred_at < least(((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC'), %(cutoff)s::timestamptz)
          AND (e.ingest_xid, e.{spec.id_column}) <= (%(w_xid)s::xid8, %(w_id)s::bigint)
        ORDER BY e.{spec.id_column}
        """,
        {
            "tenant_id": tenant_id,
            "first_id": batch["first_id"],
            "last_id": batch["last_id"],
            "month": batch["month"],
            "cutoff": batch["cutoff"],
            "w_xid": str(counted[0]),
            "w_id": counted[1],
        },
    )
    try:
        yield from cursor
    finally:
        cursor.close()


def delete_archived(
    conn: Conn, tenant_id: UUID, source: str, ids: list[int], *, counted: tuple[int, int]
) -> int:
    """Delete exactly the uploaded rows (a row changed since, which has a new key, stays)."""
    spec = SOURCES[source]
    cursor = conn.execute(
        f"""
        DELETE FROM {spec.table} e
        WHERE e.tenant_id = %s AND e.{spec.id_column} = ANY(%s)
          AND (e.ingest_xid, e.{spec.id_column}) <= (%s::xid8, %s::bigint)
        """,
        (tenant_id, ids, str(counted[0]), counted[1]),
    )
    return cursor.rowcount


def finish_batch(conn: Conn, tenant_id: UUID, batch_id: int, *, rows: int, archived_through: datetime | None) -> None:
    row = conn.execute(
        """
        UPDATE analytics_archive_batches SET status = 'done', row_count = %s, finished_at = now()
        WHERE tenant_id = %s AND batch_id = %s AND status = 'pending'
        RETURNING source
        """,
        (rows, tenant_id, batch_id),
    ).fetchone()
    if row and archived_through is not None:
        conn.execute(
            """
            UPDATE analytics_rollup_state
            SET archived_before = greatest(archived_before, %s::timestamptz + interval '1 microsecond')
            WHERE tenant_id = %s AND source = %s
            """,
            (archived_through, tenant_id, row["source"]),
        )
