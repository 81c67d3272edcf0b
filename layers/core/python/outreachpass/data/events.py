"""SQL for events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from outreachpass.data.pagination import Cursor, next_cursor
from outreachpass.data.sql import update_returning

COLUMNS = "event_id, tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status, settings_json, created_by, created_at, updated_at"


def insert(conn: psycopg.Connection, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""
        INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status, settings_json, created_by)
        VALUES (%(tenant_id)s, %(brand_id)s, %(name)s, %(slug)s, %(starts_at)s, %(ends_at)s, %(timezone)s, %(status)s,
                %(settings_json)s, %(created_by)s)
        RETURNING {COLUMNS}
        """,
        {**values, "tenant_id": tenant_id, "settings_json": Jsonb(values.get("settings_json") or {})},
    ).fetchone()


def get(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM events WHERE tenant_id = %s AND event_id = %s{lock}", (tenant_id, event_id)
    ).fetchone()


UPDATABLE = ("name", "slug", "starts_at", "ends_at", "timezone", "brand_id", "status", "settings_json")


def update(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    return update_returning(
        conn,
        table="events",
        key_column="event_id",
        tenant_id=tenant_id,
        key=event_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
        json_columns=("settings_json",),
    )


def list_page(
    conn: psycopg.Connection, tenant_id: UUID, *, status: str | None, limit: int, cursor: Cursor | None,
    exhibitor_id: UUID | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's events, newest first; with `exhibitor_id`, only that exhibitor's event."""
    conditions = ["tenant_id = %(tenant_id)s"]
    params: dict[str, Any] = {"tenant_id": tenant_id, "limit": limit + 1}
    if exhibitor_id is not None:
        conditions.append(
            "event_id = (SELECT x.event_id FROM exhibitors x WHERE x.tenant_id = %(tenant_id)s AND x.exhibitor_id = %(exhibitor_id)s)"
        )
        params["exhibitor_id"] = exhibitor_id
    if status:
        conditions.append("status = %(status)s")
        params["status"] = status
    if cursor:
        conditions.append("(created_at, event_id) < (%(after_created)s, %(after_id)s)")
        params.update(after_created=cursor.created_at, after_id=cursor.id)
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM events WHERE {' AND '.join(conditions)} "
        "ORDER BY created_at DESC, event_id DESC LIMIT %(limit)s",
        params,
    ).fetchall()
    return next_cursor(rows, limit, "event_id")
