"""SQL for the tenant's sender settings (tenant_email_settings; the send worker reads them through
data.email_sends.sender_settings, with the tenant's name and key)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

COLUMNS = "from_name, from_email, reply_to, configuration_set, updated_at"


def get(conn: Conn, tenant_id: UUID) -> dict[str, Any] | None:
    return conn.execute(f"SELECT {COLUMNS} FROM tenant_email_settings WHERE tenant_id = %s", (tenant_id,)).fetchone()


def put(conn: Conn, tenant_id: UUID, *, from_name: str | None, from_email: str | None, reply_to: str | None) -> dict[str, Any]:
    """Replace the sender (the platform's configuration_set choice is kept)."""
    return one(conn.execute(
        f"""
        INSERT INTO tenant_email_settings (tenant_id, from_name, from_email, reply_to) VALUES (%s, %s, %s, %s)
        ON CONFLICT (tenant_id) DO UPDATE
           SET from_name = excluded.from_name, from_email = excluded.from_email, reply_to = excluded.reply_to
        RETURNING {COLUMNS}
        """,
        (tenant_id, from_name, from_email, reply_to),
    ))
