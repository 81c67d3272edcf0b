"""SQL for the events' own card e-mail templates (event_email_templates)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

COLUMNS = "event_id, subject, body, updated_by, created_at, updated_at"


def get(conn: Conn, tenant_id: UUID, event_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM event_email_templates WHERE tenant_id = %s AND event_id = %s", (tenant_id, event_id)
    ).fetchone()


def put(conn: Conn, tenant_id: UUID, event_id: UUID, *, subject: str, body: str, updated_by: UUID | None) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO event_email_templates (tenant_id, event_id, subject, body, updated_by) VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (tenant_id, event_id) DO UPDATE
           SET subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by
        RETURNING {COLUMNS}
        """,
        (tenant_id, event_id, subject, body, updated_by),
    ))
