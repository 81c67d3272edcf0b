"""SQL of the analytics reports: rollups where they cover the range exactly, raw rows elsewhere.

A report asks for counts per bucket, where buckets are given by their boundaries (instants,
ascending: [b0, b1, ..., bn]); `width_bucket(instant, boundaries)` puts a value in bucket i
(1-based) when b(i-1) <= instant < b(i). The service hands over a Cover of [b0, bn):

* whole UTC days that lie inside one bucket   -> scan_daily
* whole UTC hours that lie inside one bucket  -> analytics_hourly (totals only)
* everything else (range edges, the hours a half-hour time zone splits) -> raw rows

and counts() adds the raw rows above the rollup watermark (the tail) and subtracts the
retractions not yet rolled up, for the parts the rollups answer. Everything is read in ONE
statement, so the watermark, the rollups and the tail come from one snapshot: a rollup
committing meanwhile cannot make a row count twice or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data.conn import Conn, one
from outreachpass.data.rollup import EMAIL_FUNNEL_INDEX_PREDICATE, SOURCES, source_of_metric


@dataclass(frozen=True)
class Cover:
    """[bounds[0], bounds[-1]) split by what answers each part (intervals half-open, ascending)."""

    bounds: list[datetime]
    days: list[tuple[date, date]] = field(default_factory=list)
    hours: list[tuple[datetime, datetime]] = field(default_factory=list)
    raw: list[tuple[datetime, datetime]] = field(default_factory=list)


def counts(
    conn: Conn,
    tenant_id: UUID,
    *,
    event_id: UUID | None,
    cover: Cover,
    metrics: Sequence[str],
    breakdowns: bool,
) -> list[dict[str, Any]]:
    """Rows of (b, metric, dimension, dimension_value, n): n summed per cell. Without
    `breakdowns` only the metrics' totals (dimension '') are read."""
    metrics = sorted(set(metrics))
    sources = sorted({source_of_metric(m) for m in metrics})
    params: dict[str, Any] = {
        "tenant_id": tenant_id,
        "event_id": event_id,
        "metrics": metrics,
        "sources": sources,
        "bounds": cover.bounds,
        "start": cover.bounds[0],
        "end": cover.bounds[-1],
        "day_lo": [lo for lo, _ in cover.days],
        "day_hi": [hi for _, hi in cover.days],
        "hour_lo": [lo for lo, _ in cover.hours],
        "hour_hi": [hi for _, hi in cover.hours],
        "raw_lo": [lo for lo, _ in cover.raw],
        "raw_hi": [hi for _, hi in cover.raw],
    }
    rollup_event = "AND r.event_id = %(event_id)s" if event_id is not None else ""
    raw_event = "AND e.event_id = %(event_id)s" if event_id is not None else ""
    dims = "" if breakdowns else "AND c.dimension = ''"
    rollup_dims = "" if breakdowns else "AND r.dimension = ''"
    outside_raw = (
        "AND NOT EXISTS (SELECT 1 FROM raw_parts p WHERE e.occurred_at >= p.lo AND e.occurred_at < p.hi)"
    )
    # Every part is a LATERAL subquery with OFFSET 0 (never flattened): one index range scan
    # per interval, and the tail read through (tenant_id, ingest_xid, id) from the watermark,
    # whatever the planner would guess about the unnested intervals.
    parts: list[str] = []
    if cover.days:
        parts.append(
            f"""
            SELECT width_bucket(r.day::timestamp AT TIME ZONE 'UTC', %(bounds)s::timestamptz[]) AS b,
                   r.metric, r.dimension, r.dimension_value, sum(r.count)::bigint AS n
            FROM day_parts p
            CROSS JOIN LATERAL (
                SELECT r.day, r.metric, r.dimension, r.dimension_value, r.count FROM scan_daily r
                WHERE r.tenant_id = %(tenant_id)s AND r.metric = ANY(%(metrics)s) AND r.day >= p.lo AND r.day < p.hi
                  AND r.card_id IS NULL {rollup_dims} {rollup_event}
                OFFSET 0
            ) r
            GROUP BY 1, 2, 3, 4"""
        )
    if cover.hours:
        parts.append(
            f"""
            SELECT width_bucket(r.hour, %(bounds)s::timestamptz[]) AS b, r.metric, '' AS dimension,
                   '' AS dimension_value, sum(r.count)::bigint AS n
            FROM hour_parts p
            CROSS JOIN LATERAL (
                SELECT r.hour, r.metric, r.count FROM analytics_hourly r
                WHERE r.tenant_id = %(tenant_id)s AND r.metric = ANY(%(metrics)s) AND r.hour >= p.lo AND r.hour < p.hi
                  {rollup_event}
                OFFSET 0
            ) r
            GROUP BY 1, 2, 3, 4"""
        )
    rollup_answers = bool(cover.days or cover.hours)
    for source in sources:
        spec = SOURCES[source]
        cells = f"CROSS JOIN LATERAL {spec.contributions} AS c(metric, dimension, dimension_value)"
        if cover.raw:
            parts.append(
                f"""
                SELECT width_bucket(e.occurred_at, %(bounds)s::timestamptz[]) AS b,
                       c.metric, c.dimension, c.dimension_value, count(*) AS n
                FROM raw_parts p
                CROSS JOIN LATERAL (
                    SELECT e.* FROM {spec.table} e
                    WHERE e.tenant_id = %(tenant_id)s AND e.occurred_at >= p.lo AND e.occurred_at < p.hi {raw_event}
                    OFFSET 0
                ) e
                {cells}
                WHERE c.metric = ANY(%(metrics)s) {dims}
                GROUP BY 1, 2, 3, 4"""
            )
        if rollup_answers:
            # the tail: rows not rolled up yet, where the rollups answer
            parts.append(
                f"""
                SELECT width_bucket(e.occurred_at, %(bounds)s::timestamptz[]) AS b,
                       c.metric, c.dimension, c.dimension_value, count(*) AS n
                FROM watermarks w
                CROSS JOIN LATERAL (
                    SELECT e.* FROM {spec.table} e
                    WHERE e.tenant_id = %(tenant_id)s AND (e.ingest_xid, e.{spec.id_column}) > (w.w_xid, w.w_id)
                    OFFSET 0
                ) e
                {cells}
                WHERE w.source = '{source}' AND c.metric = ANY(%(metrics)s) {dims} {raw_event}
                  AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s {outside_raw}
                GROUP BY 1, 2, 3, 4"""
            )
            # old versions of counted rows that changed, not rolled up yet: -1 where they were counted
            parts.append(
                f"""
                SELECT width_bucket(e.occurred_at, %(bounds)s::timestamptz[]) AS b,
                       c.metric, c.dimension, c.dimension_value, -count(*) AS n
                FROM watermarks w
                JOIN analytics_retractions x ON x.tenant_id = %(tenant_id)s AND x.source = w.source
                     AND (x.ingest_xid, x.row_id) > (w.w_xid, w.w_id)
                CROSS JOIN LATERAL jsonb_populate_record(NULL::{spec.table}, x.old_row) AS e
                {cells}
                WHERE w.source = '{source}' AND c.metric = ANY(%(metrics)s) {dims} {raw_event}
                  AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s {outside_raw}
                GROUP BY 1, 2, 3, 4"""
            )
    if not parts:
        return []
    query = f"""
        WITH watermarks AS MATERIALIZED (
            SELECT s.source, coalesce(st.watermark_xid, '0'::xid8) AS w_xid, coalesce(st.watermark_id, 0) AS w_id
            FROM unnest(%(sources)s::text[]) AS s(source)
            LEFT JOIN analytics_rollup_state st ON st.tenant_id = %(tenant_id)s AND st.source = s.source
        ),
        day_parts AS (SELECT * FROM unnest(%(day_lo)s::date[], %(day_hi)s::date[]) AS p(lo, hi)),
        hour_parts AS (SELECT * FROM unnest(%(hour_lo)s::timestamptz[], %(hour_hi)s::timestamptz[]) AS p(lo, hi)),
        raw_parts AS (SELECT * FROM unnest(%(raw_lo)s::timestamptz[], %(raw_hi)s::timestamptz[]) AS p(lo, hi)),
        cells AS ({" UNION ALL ".join(parts)})
        SELECT b, metric, dimension, dimension_value, sum(n)::bigint AS n
        FROM cells
        GROUP BY 1, 2, 3, 4
    """
    return conn.execute(query, params).fetchall()


def distinct_messages(
    conn: Conn,
    tenant_id: UUID,
    *,
    event_id: UUID | None,
    bounds: list[datetime],
    event_types: Sequence[str],
) -> list[dict[str, Any]]:
    """Per bucket and event type, the distinct messages with a counted human event of that type
    (unique opens, clicks, ...): from the raw rows, by the funnel index."""
    event_filter = "AND e.event_id = %(event_id)s" if event_id is not None else ""
    # DISTINCT in a subquery is hashed; count(DISTINCT ...) would sort every row (2-3x slower)
    return conn.execute(
        f"""
        SELECT b, event_type, count(*)::bigint AS n
        FROM (
            SELECT DISTINCT width_bucket(e.occurred_at, %(bounds)s::timestamptz[]) AS b, e.event_type, e.message_id
            FROM email_events e
            WHERE e.tenant_id = %(tenant_id)s AND e.event_type = ANY(%(types)s)
              AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
              AND {EMAIL_FUNNEL_INDEX_PREDICATE} {event_filter}
        ) messages
        GROUP BY 1, 2
        """,
        {
            "tenant_id": tenant_id,
            "event_id": event_id,
            "types": list(event_types),
            "bounds": bounds,
            "start": bounds[0],
            "end": bounds[-1],
        },
    ).fetchall()


def scope_totals(conn: Conn, tenant_id: UUID, event_id: UUID | None) -> dict[str, int]:
    """Live cards and attendees of the tenant or the event, now."""
    event_filter = "AND event_id = %(event_id)s" if event_id is not None else ""
    return one(conn.execute(
        f"""
        SELECT (SELECT count(*) FROM cards WHERE tenant_id = %(tenant_id)s AND deleted_at IS NULL {event_filter}) AS cards,
               (SELECT count(*) FROM attendees WHERE tenant_id = %(tenant_id)s {event_filter}) AS attendees
        """,
        {"tenant_id": tenant_id, "event_id": event_id},
    ))


def event_time_zone(conn: Conn, tenant_id: UUID, event_id: UUID) -> str | None:
    """The event's IANA time zone; None when the tenant has no such event."""
    row = conn.execute("SELECT timezone FROM events WHERE tenant_id = %s AND event_id = %s", (tenant_id, event_id)).fetchone()
    return str(row["timezone"]) if row else None


def archived_before(conn: Conn, tenant_id: UUID) -> datetime | None:
    """The instant before which some raw rows were archived away (distinct counts stop there)."""
    at: datetime | None = one(conn.execute(
        "SELECT max(archived_before) AS at FROM analytics_rollup_state WHERE tenant_id = %s", (tenant_id,)
    ))["at"]
    return at


# --- the rows behind a report (CSV export) ------------------------------------------------------

EXPORT_BATCH_ROWS = 2000


def export_rows(
    conn: Conn, tenant_id: UUID, source: str, *, event_id: UUID | None, start: datetime, end: datetime
) -> Iterator[tuple[Any, ...]]:
    """The raw rows of one table in [start, end), oldest first, with the card's name, streamed
    by a server-side cursor (the caller's transaction must stay open while it iterates)."""
    spec = SOURCES[source]
    event_filter = "AND e.event_id = %(event_id)s" if event_id is not None else ""
    columns = ", ".join(f"e.{column}" for column in spec.columns)
    cursor = conn.cursor(name=f"export_{source}", row_factory=psycopg.rows.tuple_row)
    cursor.itersize = EXPORT_BATCH_ROWS
    cursor.execute(
        f"""
        SELECT {columns}, c.display_name AS card_name
        FROM {spec.table} e
        LEFT JOIN cards c ON c.tenant_id = e.tenant_id AND c.card_id = e.card_id
        WHERE e.tenant_id = %(tenant_id)s AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s {event_filter}
        ORDER BY e.occurred_at, e.{spec.id_column}
        """,
        {"tenant_id": tenant_id, "event_id": event_id, "start": start, "end": end},
    )
    try:
        yield from cursor
    finally:
        cursor.close()


def export_columns(source: str) -> tuple[str, ...]:
    return (*SOURCES[source].columns, "card_name")
