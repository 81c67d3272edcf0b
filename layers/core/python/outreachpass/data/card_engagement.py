"""SQL for a card's other engagement (card_engagement_events): leads captured from it (written by
data/leads.py in the lead's own statement) and visitors who shared their details with its owner.

The contact share runs on the public path: the card's tenant is bound by the SECURITY DEFINER
resolver (data/cards_public.bind_card_tenant) before anything here, so row-level security applies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn, one
from outreachpass.data.feature_flags import TENANT_FLAGS_OF_CARD


def share_target(conn: Conn, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    """The live card a visitor shares their details with: its owner's address (the card's, else its
    attendee's: it never leaves the server), the names the message gives, and the tenant's flags
    and brand's features (the contact_share gate; the brand is the one its page shows)."""
    return conn.execute(
        f"""
        SELECT c.card_id, c.tenant_id, c.event_id, c.display_name,
               coalesce(nullif(btrim(c.email), ''), nullif(btrim(a.email), '')) AS owner_email,
               e.name AS event_name,
               b.display_name AS brand_name, b.features_json,
               {TENANT_FLAGS_OF_CARD}
        FROM cards c
        LEFT JOIN attendees a ON a.tenant_id = c.tenant_id AND a.attendee_id = c.owner_attendee_id
        LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id
        LEFT JOIN brands b ON b.tenant_id = c.tenant_id AND b.brand_id = coalesce(
            e.brand_id,
            (SELECT d.brand_id FROM brands d WHERE d.tenant_id = c.tenant_id ORDER BY d.created_at, d.brand_id LIMIT 1))
        WHERE c.tenant_id = %(tenant)s AND c.card_id = %(card)s AND c.deleted_at IS NULL
        """,
        {"tenant": tenant_id, "card": card_id},
    ).fetchone()


def lock_card_shares(conn: Conn, card_id: UUID) -> None:
    """Serialises the contact shares of one card until the transaction ends, so its rate limit
    counts exactly (two concurrent shares cannot both see room for one more)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('contact_share:' || %s::text, 0))", (card_id,))


def recent_shares(conn: Conn, tenant_id: UUID, card_id: UUID, ip_address: str | None, since: datetime) -> dict[str, Any]:
    """Contact shares since `since`: with this card, and from this IP address (to any card of the tenant)."""
    return one(conn.execute(
        """
        SELECT (SELECT count(*) FROM card_engagement_events
                 WHERE card_id = %(card)s AND event_type = 'contact_shared' AND occurred_at >= %(since)s
                   AND tenant_id = %(tenant)s) AS card,
               (SELECT count(*) FROM card_engagement_events
                 WHERE tenant_id = %(tenant)s AND ip_address = %(ip)s::inet AND event_type = 'contact_shared'
                   AND occurred_at >= %(since)s) AS ip
        """,
        {"tenant": tenant_id, "card": card_id, "ip": ip_address, "since": since},
    ))


def record(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> int:
    row = one(conn.execute(
        """
        INSERT INTO card_engagement_events (tenant_id, event_id, card_id, event_type, ip_address, user_agent, device_type,
                                            metadata_json)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(event_type)s, %(ip_address)s, %(user_agent)s, %(device_type)s,
                %(metadata)s)
        RETURNING engagement_event_id
        """,
        {"ip_address": None, "user_agent": None, "device_type": "unknown", **values, "tenant_id": tenant_id,
         "metadata": Jsonb(values.get("metadata") or {})},
    ))
    return int(row["engagement_event_id"])
