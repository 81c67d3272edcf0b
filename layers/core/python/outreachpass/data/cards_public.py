"""SQL for the public card routes (page, vCard, QR): the tenant of a card, the card with its event
and brand in one query, and the QR image cache rows.

A public request starts in a transaction without a tenant (`system_tx()`); `bind_card_tenant`
asks the SECURITY DEFINER resolver for the card's tenant and sets `app.tenant_id` to it for the
rest of that transaction, in the same statement. From then on row-level security applies as
for any tenant transaction, and queries still filter on tenant_id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


def bind_card_tenant(conn: psycopg.Connection, card_id: UUID) -> UUID | None:
    """The tenant of a live card (NULL for unknown, deleted, or of a disabled tenant), now also the
    transaction's tenant. Nothing is set when there is none: the transaction sees no rows."""
    row = conn.execute(
        """
        SELECT r.tenant_id, set_config('app.tenant_id', r.tenant_id::text, true)
        FROM (SELECT app_card_tenant(%s) AS tenant_id) r
        WHERE r.tenant_id IS NOT NULL
        """,
        (card_id,),
    ).fetchone()
    return row["tenant_id"] if row else None


# The card as its public surfaces show it. The brand is the event's, or the tenant's first brand
# for a card outside any event; the attendee's names give the vCard its structured N.
_PUBLIC_CARD = """
SELECT c.card_id, c.tenant_id, c.event_id, c.display_name, c.email, c.phone, c.org_name, c.title,
       c.avatar_s3_key, c.links_json, c.vcard_rev, c.updated_at,
       a.first_name, a.last_name,
       e.name AS event_name,
       b.brand_id, b.display_name AS brand_name, b.theme_json, b.features_json
FROM cards c
LEFT JOIN attendees a ON a.tenant_id = c.tenant_id AND a.attendee_id = c.owner_attendee_id
LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id
LEFT JOIN brands b ON b.tenant_id = c.tenant_id AND b.brand_id = coalesce(
    e.brand_id,
    (SELECT d.brand_id FROM brands d WHERE d.tenant_id = c.tenant_id ORDER BY d.created_at, d.brand_id LIMIT 1))
WHERE c.tenant_id = %s AND c.card_id = %s AND c.deleted_at IS NULL
"""


def public_card(conn: psycopg.Connection, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    return conn.execute(_PUBLIC_CARD, (tenant_id, card_id)).fetchone()


def qr_code(conn: psycopg.Connection, tenant_id: UUID, card_id: UUID, fmt: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT qr_id, s3_key, url_encoded FROM qr_codes WHERE tenant_id = %s AND card_id = %s AND format = %s",
        (tenant_id, card_id, fmt),
    ).fetchone()


def upsert_qr_code(conn: psycopg.Connection, tenant_id: UUID, card_id: UUID, fmt: str, s3_key: str, url: str) -> None:
    conn.execute(
        """
        INSERT INTO qr_codes (tenant_id, card_id, format, s3_key, url_encoded)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT ON CONSTRAINT qr_codes_card_format_key
        DO UPDATE SET s3_key = EXCLUDED.s3_key, url_encoded = EXCLUDED.url_encoded
        """,
        (tenant_id, card_id, fmt, s3_key, url),
    )
