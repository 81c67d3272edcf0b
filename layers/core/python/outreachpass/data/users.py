"""SQL for users (the tenant's staff, each a Cognito user)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, cursor_of, position
from outreachpass.data.sql import keyset_page, update_returning

COLUMNS = "user_id, tenant_id, email, full_name, role, cognito_sub, status, exhibitor_id, created_at, updated_at"
EMAIL_CONSTRAINT = "users_tenant_email_key"


def user_id_for_subject(conn: Conn, tenant_id: UUID, cognito_sub: str) -> UUID | None:
    row = conn.execute(
        "SELECT user_id FROM users WHERE tenant_id = %s AND cognito_sub = %s", (tenant_id, cognito_sub)
    ).fetchone()
    return row["user_id"] if row else None


def insert(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO users (tenant_id, email, full_name, role, status, cognito_sub, exhibitor_id)
        VALUES (%(tenant_id)s, %(email)s, %(full_name)s, %(role)s, %(status)s, %(cognito_sub)s, %(exhibitor_id)s)
        RETURNING {COLUMNS}
        """,
        {"cognito_sub": None, "full_name": None, "status": "invited", "exhibitor_id": None, **values, "tenant_id": tenant_id},
    ))


def get(conn: Conn, tenant_id: UUID, user_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {COLUMNS} FROM users WHERE tenant_id = %s AND user_id = %s{lock}", (tenant_id, user_id)).fetchone()


def list_page(
    conn: Conn,
    tenant_id: UUID,
    *,
    role: str | None,
    status: str | None,
    limit: int,
    cursor: Cursor | None,
) -> tuple[list[dict[str, Any]], str | None]:
    return keyset_page(
        conn,
        columns=COLUMNS,
        source="users",
        equals={"tenant_id": tenant_id, "role": role, "status": status},
        order=("created_at", "user_id"),
        after=position(cursor),
        limit=limit,
        cursor_of=cursor_of("user_id"),
    )


UPDATABLE = ("full_name", "role", "status", "cognito_sub", "exhibitor_id")


def update(conn: Conn, tenant_id: UUID, user_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="users",
        key_column="user_id",
        tenant_id=tenant_id,
        key=user_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
    )


def lock_enabled_admins(conn: Conn, tenant_id: UUID) -> list[UUID]:
    """The tenant's admins that are not disabled, locked until the end of the transaction, so two
    concurrent demotions cannot both see "another admin is left"."""
    rows = conn.execute(
        "SELECT user_id FROM users WHERE tenant_id = %s AND role = 'admin' AND status <> 'disabled' ORDER BY user_id FOR UPDATE",
        (tenant_id,),
    ).fetchall()
    return [row["user_id"] for row in rows]


def all_of_tenant(conn: Conn, tenant_id: UUID) -> list[dict[str, Any]]:
    """Every user of a tenant (platform jobs: disabling a tenant disables its accounts)."""
    return conn.execute(f"SELECT {COLUMNS} FROM users WHERE tenant_id = %s ORDER BY created_at, user_id", (tenant_id,)).fetchall()
