"""SQL of the analytics rollup: what each raw row counts as, and the incremental job's chunks.

Every raw analytics row contributes to one or more (metric, dimension, dimension_value)
cells. CONTRIBUTIONS below is the ONE definition of that mapping: the rollup uses it to
fill the rollups, and the reports (data/analytics.py) use the very same SQL on raw rows
(range edges, the tail above the watermark), so rollup and raw can never disagree.

Exactly once (see migrations/V0500__analytics_rollup.sql): rows are taken in
(ingest_xid, id) order, only below X = pg_snapshot_xmin(pg_current_snapshot()) (every
transaction below X has ended, so that set is final), and the chunk's counts, the
retractions up to the same key and the new watermark are written in one transaction
that holds the tenant's state row FOR UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

BOT = "bot"


@dataclass(frozen=True)
class Source:
    table: str
    id_column: str
    # LATERAL (VALUES (metric, dimension, dimension_value), ...) over the alias `e`; a NULL
    # metric means "this row does not count here"
    contributions: str
    # columns an export / archive of the table carries, in order
    columns: tuple[str, ...]


# Opens and clicks SES reports itself duplicate our pixel and redirect (the email
# engineer's rule in data/email_events.py): they are stored but not counted.
EMAIL_COUNTED = "NOT (e.event_type IN ('opened', 'clicked') AND coalesce(e.metadata_json ->> 'source', '') = 'ses')"
# The same predicate as the partial index idx_email_events_funnel (V0501), spelled as its
# WHERE clause so the planner can prove it and use the index.
EMAIL_FUNNEL_INDEX_PREDICATE = f"e.classification = 'human' AND {EMAIL_COUNTED}"

SOURCES: dict[str, Source] = {
    "email_events": Source(
        table="email_events",
        id_column="email_event_id",
        contributions=f"""
            (VALUES (CASE WHEN {EMAIL_COUNTED}
                          THEN 'emails_' || e.event_type || CASE WHEN e.classification = 'machine' THEN '_bot' ELSE '' END
                     END, '', ''))""",
        columns=(
            "email_event_id", "occurred_at", "event_type", "classification", "message_id", "recipient_email",
            "event_id", "card_id", "attendee_id", "link_url", "user_agent",
        ),
    ),
    "card_view_events": Source(
        table="card_view_events",
        id_column="view_event_id",
        contributions="""
            (VALUES (CASE WHEN e.device_type = 'bot' THEN 'card_views_bot' ELSE 'card_views' END, '', ''),
                    (CASE WHEN e.device_type <> 'bot' AND e.is_unique THEN 'card_views_unique' END, '', ''),
                    (CASE WHEN e.device_type <> 'bot' THEN 'card_views' END, 'source', e.source_type),
                    (CASE WHEN e.device_type <> 'bot' THEN 'card_views' END, 'device', e.device_type),
                    (CASE WHEN e.device_type <> 'bot' THEN 'card_views' END, 'browser',
                     left(coalesce(nullif(btrim(e.browser), ''), 'Other'), 200)),
                    (CASE WHEN e.device_type <> 'bot' THEN 'card_views' END, 'os',
                     left(coalesce(nullif(btrim(e.os), ''), 'Other'), 200)))""",
        columns=(
            "view_event_id", "occurred_at", "source_type", "device_type", "browser", "os", "is_unique",
            "event_id", "card_id", "session_id", "referrer_url", "user_agent",
        ),
    ),
    "wallet_pass_events": Source(
        table="wallet_pass_events",
        id_column="wallet_event_id",
        contributions="""
            (VALUES ('wallet_' || e.event_type || CASE WHEN e.device_type = 'bot' THEN '_bot' ELSE '' END, '', ''),
                    (CASE WHEN e.device_type <> 'bot' THEN 'wallet_' || e.event_type END, 'platform', e.platform))""",
        columns=("wallet_event_id", "occurred_at", "platform", "event_type", "device_type", "event_id", "card_id", "user_agent"),
    ),
    "contact_export_events": Source(
        table="contact_export_events",
        id_column="export_event_id",
        contributions="""
            (VALUES (CASE WHEN e.device_type = 'bot' THEN 'contact_exports_bot' ELSE 'contact_exports' END, '', ''),
                    (CASE WHEN e.device_type <> 'bot' THEN 'contact_exports' END, 'type', e.export_type))""",
        columns=("export_event_id", "occurred_at", "export_type", "device_type", "event_id", "card_id", "session_id", "user_agent"),
    ),
}


def source_of_metric(metric: str) -> str:
    """The raw table a rolled-up metric is counted from."""
    if metric.startswith("emails_"):
        return "email_events"
    if metric.startswith("card_views"):
        return "card_view_events"
    if metric.startswith("wallet_"):
        return "wallet_pass_events"
    if metric.startswith("contact_exports"):
        return "contact_export_events"
    raise ValueError(f"no source for metric {metric!r}")


# --- the job's state ---------------------------------------------------------------------------


def ensure_states(conn: Conn, tenant_id: UUID) -> None:
    """One state row per raw table (committed before any chunk locks it: see the trigger in V0500)."""
    conn.execute(
        """
        INSERT INTO analytics_rollup_state (tenant_id, source)
        SELECT %s, s FROM unnest(%s::text[]) AS s
        ON CONFLICT (tenant_id, source) DO NOTHING
        """,
        (tenant_id, list(SOURCES)),
    )


def lock_state(conn: Conn, tenant_id: UUID, source: str) -> dict[str, Any] | None:
    """The state row, locked for this transaction; None when another run holds it (skip it)."""
    return conn.execute(
        """
        SELECT watermark_xid::text AS watermark_xid, watermark_id, rows_counted
        FROM analytics_rollup_state
        WHERE tenant_id = %s AND source = %s
        FOR UPDATE SKIP LOCKED
        """,
        (tenant_id, source),
    ).fetchone()


def snapshot_horizon(conn: Conn) -> int:
    """Every transaction with an id below this one has ended (committed or rolled back)."""
    return int(one(conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x"))["x"])


def roll_up_chunk(
    conn: Conn, tenant_id: UUID, source: str, *, watermark: tuple[int, int], horizon: int, limit: int
) -> dict[str, Any]:
    """Count the next `limit` rows above `watermark` and below `horizon` (and the retractions up
    to the same key) into scan_daily and analytics_hourly; returns rows, retractions and the new
    watermark. The caller holds the state row and stores the watermark in the same transaction."""
    spec = SOURCES[source]
    table, key = spec.table, spec.id_column
    return one(conn.execute(
        f"""
        WITH chunk AS MATERIALIZED (
            SELECT e.* FROM {table} e
            WHERE e.tenant_id = %(tenant_id)s
              AND (e.ingest_xid, e.{key}) > (%(w_xid)s::xid8, %(w_id)s::bigint)
              AND e.ingest_xid < %(horizon)s::xid8
            ORDER BY e.ingest_xid, e.{key}
            LIMIT %(limit)s
        ),
        last AS (
            SELECT ingest_xid, {key} AS id FROM chunk ORDER BY ingest_xid DESC, {key} DESC LIMIT 1
        ),
        -- a full chunk ends at its last row; a short one means everything below the horizon is in
        bound AS (
            SELECT CASE WHEN (SELECT count(*) FROM chunk) >= %(limit)s THEN (SELECT ingest_xid FROM last)
                        ELSE %(horizon)s::xid8 END AS w_xid,
                   CASE WHEN (SELECT count(*) FROM chunk) >= %(limit)s THEN (SELECT id FROM last)
                        ELSE 0::bigint END AS w_id
        ),
        retracted AS MATERIALIZED (
            SELECT x.retraction_id, x.old_row FROM analytics_retractions x, bound b
            WHERE x.tenant_id = %(tenant_id)s AND x.source = %(source)s
              AND (x.ingest_xid, x.row_id) > (%(w_xid)s::xid8, %(w_id)s::bigint)
              AND (x.ingest_xid, x.row_id) <= (b.w_xid, b.w_id)
        ),
        cells AS (
            SELECT e.occurred_at, e.event_id, c.metric, c.dimension, c.dimension_value, 1 AS n
            FROM chunk e CROSS JOIN LATERAL {spec.contributions} AS c(metric, dimension, dimension_value)
            WHERE c.metric IS NOT NULL
            UNION ALL
            SELECT e.occurred_at, e.event_id, c.metric, c.dimension, c.dimension_value, -1 AS n
            FROM retracted x
            CROSS JOIN LATERAL jsonb_populate_record(NULL::{table}, x.old_row) AS e
            CROSS JOIN LATERAL {spec.contributions} AS c(metric, dimension, dimension_value)
            WHERE c.metric IS NOT NULL
        ),
        daily_cells AS MATERIALIZED (
            SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, metric,
                   CASE WHEN dimension = 'source' THEN dimension_value END AS source_type,
                   event_id, dimension, dimension_value, sum(n) AS n
            FROM cells
            GROUP BY 1, 2, 3, 4, 5, 6
            HAVING sum(n) <> 0
        ),
        hourly_cells AS MATERIALIZED (
            SELECT date_trunc('hour', occurred_at, 'UTC') AS hour, metric, event_id, sum(n) AS n
            FROM cells
            WHERE dimension = ''
            GROUP BY 1, 2, 3
            HAVING sum(n) <> 0
        ),
        -- net additions upsert; net retractions (only ever of counted cells) update: a CHECK
        -- (count >= 0) would refuse a negative row proposed to INSERT ... ON CONFLICT
        daily_up AS (
            INSERT INTO scan_daily AS d (tenant_id, day, metric, source_type, event_id, card_id, dimension, dimension_value, count)
            SELECT %(tenant_id)s, day, metric, source_type, event_id, NULL, dimension, dimension_value, n
            FROM daily_cells WHERE n > 0
            ON CONFLICT ON CONSTRAINT scan_daily_rollup_key DO UPDATE SET count = d.count + EXCLUDED.count
            RETURNING 1
        ),
        daily_down AS (
            UPDATE scan_daily d SET count = d.count + c.n
            FROM daily_cells c
            WHERE c.n < 0 AND d.tenant_id = %(tenant_id)s AND d.day = c.day AND d.metric = c.metric
              AND d.dimension = c.dimension AND d.dimension_value = c.dimension_value AND d.card_id IS NULL
              AND d.event_id IS NOT DISTINCT FROM c.event_id AND d.source_type IS NOT DISTINCT FROM c.source_type
            RETURNING 1
        ),
        hourly_up AS (
            INSERT INTO analytics_hourly AS h (tenant_id, event_id, metric, hour, count)
            SELECT %(tenant_id)s, event_id, metric, hour, n FROM hourly_cells WHERE n > 0
            ON CONFLICT ON CONSTRAINT analytics_hourly_rollup_key DO UPDATE SET count = h.count + EXCLUDED.count
            RETURNING 1
        ),
        hourly_down AS (
            UPDATE analytics_hourly h SET count = h.count + c.n
            FROM hourly_cells c
            WHERE c.n < 0 AND h.tenant_id = %(tenant_id)s AND h.hour = c.hour AND h.metric = c.metric
              AND h.event_id IS NOT DISTINCT FROM c.event_id
            RETURNING 1
        ),
        consumed AS (
            DELETE FROM analytics_retractions WHERE retraction_id IN (SELECT retraction_id FROM retracted) RETURNING 1
        )
        SELECT (SELECT count(*) FROM chunk) AS rows,
               (SELECT count(*) FROM consumed) AS retractions,
               (SELECT count(*) FROM daily_up) + (SELECT count(*) FROM hourly_up) AS cells_added,
               (SELECT count(*) FROM daily_cells WHERE n < 0) + (SELECT count(*) FROM hourly_cells WHERE n < 0) AS cells_retracted,
               (SELECT count(*) FROM daily_down) + (SELECT count(*) FROM hourly_down) AS cells_decremented,
               b.w_xid::text AS w_xid, b.w_id
        FROM bound b
        """,
        {
            "tenant_id": tenant_id,
            "source": source,
            "w_xid": str(watermark[0]),
            "w_id": watermark[1],
            "horizon": str(horizon),
            "limit": limit,
        },
    ))


def store_watermark(conn: Conn, tenant_id: UUID, source: str, *, watermark: tuple[int, int], rows: int) -> None:
    conn.execute(
        """
        UPDATE analytics_rollup_state
        SET watermark_xid = %s::xid8, watermark_id = %s, rows_counted = rows_counted + %s, rolled_up_at = now()
        WHERE tenant_id = %s AND source = %s
        """,
        (str(watermark[0]), watermark[1], rows, tenant_id, source),
    )


def states(conn: Conn, tenant_id: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT source, watermark_xid::text AS watermark_xid, watermark_id, rows_counted, rolled_up_at, archived_before
        FROM analytics_rollup_state WHERE tenant_id = %s ORDER BY source
        """,
        (tenant_id,),
    ).fetchall()
