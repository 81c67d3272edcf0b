"""SQL for the engagement events of the public card routes: card views and contact exports.

Rows carry the tenant and event of the card they are about. The unique-view rule (see
migrations/V0200__card_engagement_sessions.sql) is decided at insert, by an indexed lookup of
the same card and session in the 30 minutes before.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

UNIQUE_VIEW_WINDOW = "30 minutes"


def insert_card_view(conn: psycopg.Connection, values: dict[str, Any]) -> dict[str, Any]:
    """values: tenant_id, event_id, card_id, source_type, referrer_url, user_agent, ip_address,
    device_type, browser, os, session_id, metadata. Returns view_event_id and is_unique."""
    return conn.execute(
        f"""
        INSERT INTO card_view_events (tenant_id, event_id, card_id, source_type, referrer_url, user_agent, ip_address,
                                      device_type, browser, os, session_id, metadata_json, is_unique)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(source_type)s, %(referrer_url)s, %(user_agent)s,
                %(ip_address)s, %(device_type)s, %(browser)s, %(os)s, %(session_id)s, %(metadata)s,
                %(session_id)s::text IS NULL OR NOT EXISTS (
                    SELECT 1 FROM card_view_events p
                    WHERE p.card_id = %(card_id)s AND p.session_id = %(session_id)s::text
                      AND p.tenant_id = %(tenant_id)s
                      AND p.occurred_at > now() - interval '{UNIQUE_VIEW_WINDOW}'))
        RETURNING view_event_id, is_unique
        """,
        {**values, "metadata": Jsonb(values.get("metadata") or {})},
    ).fetchone()


def insert_contact_export(conn: psycopg.Connection, values: dict[str, Any]) -> int:
    """values: tenant_id, event_id, card_id, export_type, user_agent, ip_address, device_type,
    session_id, metadata. Returns export_event_id."""
    row = conn.execute(
        """
        INSERT INTO contact_export_events (tenant_id, event_id, card_id, export_type, user_agent, ip_address,
                                           device_type, session_id, metadata_json)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(export_type)s, %(user_agent)s, %(ip_address)s,
                %(device_type)s, %(session_id)s, %(metadata)s)
        RETURNING export_event_id
        """,
        {**values, "metadata": Jsonb(values.get("metadata") or {})},
    ).fetchone()
    return row["export_event_id"]


def insert_contact_export_for_card(conn: psycopg.Connection, tenant_id: UUID, card_id: UUID, values: dict[str, Any]) -> int | None:
    """The beacon's one statement: the export of a live card, with the card's event; None when the
    card is not (or no longer) live in this tenant, and nothing is written."""
    row = conn.execute(
        """
        INSERT INTO contact_export_events (tenant_id, event_id, card_id, export_type, user_agent, ip_address,
                                           device_type, session_id, metadata_json)
        SELECT c.tenant_id, c.event_id, c.card_id, %(export_type)s, %(user_agent)s, %(ip_address)s,
               %(device_type)s, %(session_id)s, %(metadata)s
        FROM cards c
        WHERE c.tenant_id = %(tenant_id)s AND c.card_id = %(card_id)s AND c.deleted_at IS NULL
        RETURNING export_event_id
        """,
        {**values, "tenant_id": tenant_id, "card_id": card_id, "metadata": Jsonb(values.get("metadata") or {})},
    ).fetchone()
    return row["export_event_id"] if row else None
