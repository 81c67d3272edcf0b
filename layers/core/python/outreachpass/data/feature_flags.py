"""SQL for feature flags (one row per tenant and flag the tenant set; a flag without a row has its
default, see services.feature_flags)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn

COLUMNS = "flag_key, enabled, value, created_at, updated_at"

# A column for the queries that read a card (alias c) with its brand: the tenant's flags as
# {"flag": enabled}, read in the same statement (NULL when it set none).
TENANT_FLAGS_OF_CARD = (
    "(SELECT jsonb_object_agg(f.flag_key, f.enabled) FROM feature_flags f WHERE f.tenant_id = c.tenant_id) AS tenant_flags"
)


def list_all(conn: Conn, tenant_id: UUID, *, for_update: bool = False) -> list[dict[str, Any]]:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM feature_flags WHERE tenant_id = %s ORDER BY flag_key{lock}", (tenant_id,)
    ).fetchall()


def get(conn: Conn, tenant_id: UUID, flag_key: str) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM feature_flags WHERE tenant_id = %s AND flag_key = %s", (tenant_id, flag_key)).fetchone()


def delete_except(conn: Conn, tenant_id: UUID, keep: list[str]) -> int:
    cur = conn.execute("DELETE FROM feature_flags WHERE tenant_id = %s AND NOT (flag_key = ANY(%s))", (tenant_id, keep))
    return cur.rowcount


def upsert(conn: Conn, tenant_id: UUID, flags: dict[str, bool]) -> None:
    """Insert or update each flag; a flag whose setting is unchanged keeps its updated_at
    (the set_updated_at trigger fires only when the row differs)."""
    if not flags:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO feature_flags (tenant_id, flag_key, enabled, value)
            VALUES (%s, %s, %s, NULL)
            ON CONFLICT (tenant_id, flag_key) DO UPDATE SET enabled = EXCLUDED.enabled, value = NULL
            """,
            [(tenant_id, key, enabled) for key, enabled in flags.items()],
        )


def event_features(conn: Conn, tenant_id: UUID, event_id: UUID) -> dict[str, Any] | None:
    """The tenant's flags and the features of the event's brand ({tenant_flags, features_json}),
    for work done per event (emails, pass jobs); None for no such event."""
    return conn.execute(
        """
        SELECT (SELECT jsonb_object_agg(f.flag_key, f.enabled) FROM feature_flags f WHERE f.tenant_id = e.tenant_id) AS tenant_flags,
               b.features_json
        FROM events e
        LEFT JOIN brands b ON b.tenant_id = e.tenant_id AND b.brand_id = e.brand_id
        WHERE e.tenant_id = %s AND e.event_id = %s
        """,
        (tenant_id, event_id),
    ).fetchone()
