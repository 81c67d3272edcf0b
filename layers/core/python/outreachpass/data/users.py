"""SQL for users (the tenant's staff, each a Cognito user)."""

from __future__ import annotations

from uuid import UUID

import psycopg


def user_id_for_subject(conn: psycopg.Connection, tenant_id: UUID, cognito_sub: str) -> UUID | None:
    row = conn.execute(
        "SELECT user_id FROM users WHERE tenant_id = %s AND cognito_sub = %s", (tenant_id, cognito_sub)
    ).fetchone()
    return row["user_id"] if row else None
