"""SQL for events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, cursor_of, position
from outreachpass.data.sql import keyset_page, update_returning

COLUMNS = (
    "event_id, tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status, settings_json, venue_json, language, "
    "created_by, created_at, updated_at"
)


def insert(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status, settings_json, venue_json,
                            language, created_by)
        VALUES (%(tenant_id)s, %(brand_id)s, %(name)s, %(slug)s, %(starts_at)s, %(ends_at)s, %(timezone)s, %(status)s,
                %(settings_json)s, %(venue_json)s, %(language)s, %(created_by)s)
        RETURNING {COLUMNS}
        """,
        {
            "language": "en",
            **values,
            "tenant_id": tenant_id,
            "settings_json": Jsonb(values.get("settings_json") or {}),
            "venue_json": Jsonb(values["venue_json"]) if values.get("venue_json") else None,
        },
    ))


def get(conn: Conn, tenant_id: UUID, event_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM events WHERE tenant_id = %s AND event_id = %s{lock}", (tenant_id, event_id)
    ).fetchone()


UPDATABLE = ("name", "slug", "starts_at", "ends_at", "timezone", "brand_id", "status", "settings_json", "venue_json", "language")


def update(conn: Conn, tenant_id: UUID, event_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="events",
        key_column="event_id",
        tenant_id=tenant_id,
        key=event_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
        json_columns=("settings_json", "venue_json"),
    )


def list_page(
    conn: Conn, tenant_id: UUID, *, status: str | None, limit: int, cursor: Cursor | None, exhibitor_id: UUID | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's events, newest first; with `exhibitor_id`, only that exhibitor's event."""
    return keyset_page(
        conn,
        columns=COLUMNS,
        source="events",
        equals={"tenant_id": tenant_id, "status": status},
        conditions=() if exhibitor_id is None else (
            "event_id = (SELECT x.event_id FROM exhibitors x WHERE x.tenant_id = %(exhibitor_tenant)s "
            "AND x.exhibitor_id = %(exhibitor_id)s)",
        ),
        params=None if exhibitor_id is None else {"exhibitor_tenant": tenant_id, "exhibitor_id": exhibitor_id},
        order=("created_at", "event_id"),
        after=position(cursor),
        limit=limit,
        cursor_of=cursor_of("event_id"),
    )
