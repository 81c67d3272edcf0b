"""SQL for feature flags (one row per tenant and flag key)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn

COLUMNS = "flag_key, enabled, value, created_at, updated_at"


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


def upsert(conn: Conn, tenant_id: UUID, flags: dict[str, dict[str, Any]]) -> None:
    """Insert or update each flag; a flag whose enabled/value are unchanged keeps its updated_at
    (the set_updated_at trigger fires only when the row differs)."""
    if not flags:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO feature_flags (tenant_id, flag_key, enabled, value)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (tenant_id, flag_key) DO UPDATE SET enabled = EXCLUDED.enabled, value = EXCLUDED.value
            """,
            [
                (tenant_id, key, flag["enabled"], Jsonb(flag["value"]) if flag.get("value") is not None else None)
                for key, flag in flags.items()
            ],
        )
