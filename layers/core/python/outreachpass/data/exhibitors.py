"""SQL for exhibitors (a sponsor or booth at one event)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, cursor_of, position
from outreachpass.data.sql import keyset_page, update_returning

COLUMNS = "exhibitor_id, tenant_id, event_id, name, contact_email, created_by, created_at, updated_at"


def insert(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO exhibitors (tenant_id, event_id, name, contact_email, created_by)
        VALUES (%(tenant_id)s, %(event_id)s, %(name)s, %(contact_email)s, %(created_by)s)
        RETURNING {COLUMNS}
        """,
        {"contact_email": None, "created_by": None, **values, "tenant_id": tenant_id},
    ))


def get(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM exhibitors WHERE tenant_id = %s AND exhibitor_id = %s{lock}", (tenant_id, exhibitor_id)
    ).fetchone()


def list_page(
    conn: Conn, tenant_id: UUID, event_id: UUID, *, limit: int, cursor: Cursor | None
) -> tuple[list[dict[str, Any]], str | None]:
    return keyset_page(
        conn,
        columns=COLUMNS,
        source="exhibitors",
        equals={"tenant_id": tenant_id, "event_id": event_id},
        order=("created_at", "exhibitor_id"),
        after=position(cursor),
        limit=limit,
        cursor_of=cursor_of("exhibitor_id"),
    )


UPDATABLE = ("name", "contact_email")


def update(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="exhibitors",
        key_column="exhibitor_id",
        tenant_id=tenant_id,
        key=exhibitor_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
    )


def delete(conn: Conn, tenant_id: UUID, exhibitor_id: UUID) -> dict[str, Any] | None:
    """Deletes the exhibitor and (cascade) its leads; its users lose their exhibitor."""
    return conn.execute(
        f"DELETE FROM exhibitors WHERE tenant_id = %s AND exhibitor_id = %s RETURNING {COLUMNS}", (tenant_id, exhibitor_id)
    ).fetchone()


def dependants(conn: Conn, tenant_id: UUID, exhibitor_id: UUID) -> dict[str, Any]:
    """How many leads and users an exhibitor has (what its deletion takes away, for the audit log)."""
    return one(conn.execute(
        """
        SELECT (SELECT count(*) FROM leads l WHERE l.tenant_id = %(tenant)s AND l.exhibitor_id = %(exhibitor)s) AS leads,
               (SELECT count(*) FROM users u WHERE u.tenant_id = %(tenant)s AND u.exhibitor_id = %(exhibitor)s) AS users
        """,
        {"tenant": tenant_id, "exhibitor": exhibitor_id},
    ))
