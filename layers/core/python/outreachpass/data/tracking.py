"""SQL for the engagement events of the public card routes: card views and contact exports.

Rows carry the tenant and event of the card they are about: each INSERT selects them from the
live card of the transaction's tenant (bound by data.cards_public), so an event is written for
a live card or not at all, and the statements can be pipelined after the resolver without a
round trip to learn the card first.

The unique-view rule (migrations V0200 and V0622) is decided at insert: a view is unique when
the card has no view in the 30 minutes before from the same session nor from the same visitor
(a salted hash of IP address and user agent, app_visitor_keys), two indexed lookups.

The `queue_*` functions only send their statement (for pipeline mode): call `.fetchone()` on the
cursor they return for the inserted row (None when there was no live card).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn

UNIQUE_VIEW_WINDOW = "30 minutes"

_LIVE_CARD = "FROM cards c WHERE c.tenant_id = app_current_tenant() AND c.card_id = %(card_id)s AND c.deleted_at IS NULL"


def queue_card_view(conn: Conn, card_id: UUID, values: dict[str, Any]) -> psycopg.Cursor[Any]:
    """A card page view. values: source_type, referrer_url, user_agent, ip_address, device_type,
    browser, os, session_id, metadata. The row returned: view_event_id, is_unique."""
    return conn.execute(
        f"""
        WITH visitor AS (SELECT app_visitor_keys(%(card_id)s, %(ip_address)s::inet, %(user_agent)s::text) AS keys)
        INSERT INTO card_view_events (tenant_id, event_id, card_id, source_type, referrer_url, user_agent, ip_address,
                                      device_type, browser, os, session_id, metadata_json, visitor_key, is_unique)
        SELECT c.tenant_id, c.event_id, c.card_id, %(source_type)s, %(referrer_url)s, %(user_agent)s, %(ip_address)s,
               %(device_type)s, %(browser)s, %(os)s, %(session_id)s, %(metadata)s, v.keys[1],
               (%(session_id)s::text IS NULL OR NOT EXISTS (
                   SELECT 1 FROM card_view_events p
                   WHERE p.card_id = c.card_id AND p.session_id = %(session_id)s::text AND p.tenant_id = c.tenant_id
                     AND p.occurred_at > now() - interval '{UNIQUE_VIEW_WINDOW}'))
               AND (v.keys IS NULL OR NOT EXISTS (
                   SELECT 1 FROM card_view_events p
                   WHERE p.card_id = c.card_id AND p.visitor_key = ANY(v.keys) AND p.tenant_id = c.tenant_id
                     AND p.occurred_at > now() - interval '{UNIQUE_VIEW_WINDOW}'))
        FROM cards c CROSS JOIN visitor v
        WHERE c.tenant_id = app_current_tenant() AND c.card_id = %(card_id)s AND c.deleted_at IS NULL
        RETURNING view_event_id, is_unique
        """,
        {**values, "card_id": card_id, "metadata": Jsonb(values.get("metadata") or {})},
    )


def queue_contact_export(conn: Conn, card_id: UUID, values: dict[str, Any]) -> psycopg.Cursor[Any]:
    """A contact export. values: export_type, user_agent, ip_address, device_type, session_id,
    metadata. The row returned: export_event_id."""
    return conn.execute(
        f"""
        INSERT INTO contact_export_events (tenant_id, event_id, card_id, export_type, user_agent, ip_address,
                                           device_type, session_id, metadata_json)
        SELECT c.tenant_id, c.event_id, c.card_id, %(export_type)s, %(user_agent)s, %(ip_address)s,
               %(device_type)s, %(session_id)s, %(metadata)s
        {_LIVE_CARD}
        RETURNING export_event_id
        """,
        {**values, "card_id": card_id, "metadata": Jsonb(values.get("metadata") or {})},
    )
