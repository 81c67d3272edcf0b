"""SQL for tenants, as the platform sees them (ops/tenants.py): across tenants, so only on a
connection that acts as the owner role (the app role sees its own tenant only)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

COLUMNS = "tenant_id, name, tenant_key, status, created_at, updated_at"
OWNER_ROLE = "outreachpass_owner"
TENANT_KEY_CONSTRAINT = "tenants_tenant_key_key"


class NotOwner(Exception):
    """The connection's role may not act as the owner role."""


def act_as_owner(conn: Conn) -> None:
    """SET LOCAL ROLE outreachpass_owner for the current transaction (its policies see every tenant).
    The master user (AWS) and the local superuser may; the application role may not."""
    row = one(conn.execute("SELECT pg_has_role(current_user, %s, 'SET') AS can", (OWNER_ROLE,)))
    can = row["can"] if isinstance(row, dict) else row[0]
    if not can:
        raise NotOwner(f"the database user may not SET ROLE {OWNER_ROLE}: connect with the master (owner) credentials")
    conn.execute(f"SET LOCAL ROLE {OWNER_ROLE}")


def insert(conn: Conn, *, name: str, tenant_key: str | None) -> dict[str, Any]:
    return one(conn.execute(
        f"INSERT INTO tenants (name, tenant_key) VALUES (%s, %s) RETURNING {COLUMNS}", (name, tenant_key)
    ))


def get(conn: Conn, tenant_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(f"SELECT {COLUMNS} FROM tenants WHERE tenant_id = %s{lock}", (tenant_id,)).fetchone()


def set_status(conn: Conn, tenant_id: UUID, status: str) -> dict[str, Any] | None:
    return conn.execute(f"UPDATE tenants SET status = %s WHERE tenant_id = %s RETURNING {COLUMNS}", (status, tenant_id)).fetchone()


def list_all(conn: Conn, *, status: str | None = None) -> list[dict[str, Any]]:
    """Every tenant, oldest first, with its number of admins, users and events."""
    condition, params = ("WHERE t.status = %s", (status,)) if status else ("", ())
    return conn.execute(
        f"""
        SELECT t.tenant_id, t.name, t.tenant_key, t.status, t.created_at, t.updated_at,
               (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id AND u.role = 'admin' AND u.status <> 'disabled') AS admins,
               (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id) AS users,
               (SELECT count(*) FROM events e WHERE e.tenant_id = t.tenant_id) AS events
        FROM tenants t
        {condition}
        ORDER BY t.created_at, t.tenant_id
        """,
        params,
    ).fetchall()
