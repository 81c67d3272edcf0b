"""SQL for cards."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

COLUMNS = (
    "card_id, tenant_id, event_id, owner_attendee_id, owner_user_id, display_name, email, phone, org_name, title, "
    "avatar_s3_key, links_json, vcard_rev, is_personal, deleted_at, created_at, updated_at"
)


def insert(conn: psycopg.Connection, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""
        INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json)
        VALUES (%(tenant_id)s, %(event_id)s, %(owner_attendee_id)s, %(display_name)s, %(email)s, %(phone)s,
                %(org_name)s, %(title)s, %(links_json)s)
        RETURNING {COLUMNS}
        """,
        {**values, "tenant_id": tenant_id, "links_json": Jsonb(values.get("links_json") or {})},
    ).fetchone()
