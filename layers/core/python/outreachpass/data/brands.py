"""SQL for brands."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, cursor_of, position
from outreachpass.data.sql import keyset_page, update_returning

COLUMNS = "brand_id, tenant_id, brand_key, display_name, domain, theme_json, features_json, created_at, updated_at"


def insert(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO brands (tenant_id, brand_key, display_name, domain, theme_json, features_json)
        VALUES (%s, %s, %s, %s, %s, %s)
        RETURNING {COLUMNS}
        """,
        (
            tenant_id,
            values["brand_key"],
            values["display_name"],
            values.get("domain"),
            Jsonb(values.get("theme_json") or {}),
            Jsonb(values.get("features_json") or {}),
        ),
    ))


def get(conn: Conn, tenant_id: UUID, brand_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM brands WHERE tenant_id = %s AND brand_id = %s{lock}", (tenant_id, brand_id)
    ).fetchone()


def default_brand_id(conn: Conn, tenant_id: UUID) -> UUID | None:
    row = conn.execute(
        "SELECT brand_id FROM brands WHERE tenant_id = %s ORDER BY created_at, brand_id LIMIT 1", (tenant_id,)
    ).fetchone()
    return row["brand_id"] if row else None


UPDATABLE = ("display_name", "domain", "theme_json", "features_json")


def update(conn: Conn, tenant_id: UUID, brand_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="brands",
        key_column="brand_id",
        tenant_id=tenant_id,
        key=brand_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
        json_columns=("theme_json", "features_json"),
    )


def list_page(
    conn: Conn, tenant_id: UUID, *, limit: int, cursor: Cursor | None
) -> tuple[list[dict[str, Any]], str | None]:
    return keyset_page(
        conn,
        columns=COLUMNS,
        source="brands",
        equals={"tenant_id": tenant_id},
        order=("created_at", "brand_id"),
        after=position(cursor),
        limit=limit,
        cursor_of=cursor_of("brand_id"),
    )
