"""SQL for attendees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

COLUMNS = (
    "attendee_id, tenant_id, event_id, email, phone, first_name, last_name, org_name, title, linkedin_url, "
    "card_id, flags_json, created_at, updated_at"
)


def insert(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""
        INSERT INTO attendees (tenant_id, event_id, email, phone, first_name, last_name, org_name, title, linkedin_url)
        VALUES (%(tenant_id)s, %(event_id)s, %(email)s, %(phone)s, %(first_name)s, %(last_name)s, %(org_name)s,
                %(title)s, %(linkedin_url)s)
        RETURNING {COLUMNS}
        """,
        {
            "tenant_id": tenant_id,
            "event_id": event_id,
            **{key: values.get(key) for key in ("email", "phone", "first_name", "last_name", "org_name", "title", "linkedin_url")},
        },
    ).fetchone()


def attach_card(conn: psycopg.Connection, tenant_id: UUID, attendee_id: UUID, card_id: UUID) -> dict[str, Any]:
    return conn.execute(
        f"UPDATE attendees SET card_id = %s WHERE tenant_id = %s AND attendee_id = %s RETURNING {COLUMNS}",
        (card_id, tenant_id, attendee_id),
    ).fetchone()
