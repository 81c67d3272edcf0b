"""SQL for the public card routes (page, vCard, QR): the tenant of a card, the card with its event
and brand in one query, and the QR image cache rows.

A public request starts in a transaction without a tenant (`system_tx()`); `bind_card_tenant`
asks the SECURITY DEFINER resolver for the card's tenant and sets `app.tenant_id` to it for the
rest of that transaction, in the same statement. From then on row-level security applies as
for any tenant transaction, and queries still filter on tenant_id.

The hot paths (page view, vCard, beacon) send their statements in one pipeline (psycopg
pipeline mode): the resolver, the card query and the tracking insert go to the server
together and come back together, so a request costs BEGIN, one exchange, COMMIT, whatever
the network latency to the database. Statements after the resolver filter on
`app_current_tenant()`, the tenant the resolver just set (NULL for no card: they then see and
write nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data.conn import Conn
from outreachpass.data.feature_flags import TENANT_FLAGS_OF_CARD

_BIND = """
SELECT r.tenant_id, set_config('app.tenant_id', r.tenant_id::text, true)
FROM (SELECT app_card_tenant(%s) AS tenant_id) r
WHERE r.tenant_id IS NOT NULL
"""


def bind_card_tenant(conn: Conn, card_id: UUID) -> UUID | None:
    """The tenant of a live card (NULL for unknown, deleted, or of a disabled tenant), now also the
    transaction's tenant. Nothing is set when there is none: the transaction sees no rows."""
    row = conn.execute(_BIND, (card_id,)).fetchone()
    return row["tenant_id"] if row else None


# The card as its public surfaces show it. The brand is the event's, or the tenant's first brand
# for a card outside any event; the attendee's names give the vCard its structured N; the
# attendee's and the event's languages and the event's dates let the page speak and date itself; the
# tenant's feature flags and the brand's features say which buttons and routes it has.
_PUBLIC_CARD_SELECT = f"""
SELECT c.card_id, c.tenant_id, c.event_id, c.display_name, c.email, c.phone, c.org_name, c.title,
       c.avatar_s3_key, c.links_json, c.bio, c.website, c.vcard_rev, c.updated_at,
       a.first_name, a.last_name, a.language AS attendee_language,
       e.name AS event_name, e.language AS event_language, e.starts_at, e.ends_at, e.timezone,
       b.brand_id, b.display_name AS brand_name, b.theme_json, b.features_json,
       {TENANT_FLAGS_OF_CARD},
       -- "Share my details" needs an owner with an address (and the contact_share feature)
       coalesce(c.email, a.email) IS NOT NULL AS owner_has_email
FROM cards c
LEFT JOIN attendees a ON a.tenant_id = c.tenant_id AND a.attendee_id = c.owner_attendee_id
LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id
LEFT JOIN brands b ON b.tenant_id = c.tenant_id AND b.brand_id = coalesce(
    e.brand_id,
    (SELECT d.brand_id FROM brands d WHERE d.tenant_id = c.tenant_id ORDER BY d.created_at, d.brand_id LIMIT 1))
"""
_PUBLIC_CARD = _PUBLIC_CARD_SELECT + "WHERE c.tenant_id = %s AND c.card_id = %s AND c.deleted_at IS NULL"
_PUBLIC_CARD_OF_BOUND_TENANT = (
    _PUBLIC_CARD_SELECT + "WHERE c.tenant_id = app_current_tenant() AND c.card_id = %s AND c.deleted_at IS NULL"
)


def public_card(conn: Conn, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    return conn.execute(_PUBLIC_CARD, (tenant_id, card_id)).fetchone()


def open_card(
    conn: Conn, card_id: UUID, *, record: Callable[[Conn], psycopg.Cursor[Any]] | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The live card (with event and brand) and, when `record` queues a tracking statement (one that
    reads the card of the bound tenant itself, e.g. data.tracking.queue_card_view), its result:
    resolver, card query and `record` in one pipeline. (None, None) for no such card, and then
    `record` has written nothing."""
    with conn.pipeline():
        bound = conn.execute(_BIND, (card_id,))
        card = conn.execute(_PUBLIC_CARD_OF_BOUND_TENANT, (card_id,))
        recorded = record(conn) if record is not None else None
    if bound.fetchone() is None:
        return None, None
    return card.fetchone(), recorded.fetchone() if recorded is not None else None


def record_for_card(
    conn: Conn, card_id: UUID, record: Callable[[Conn], psycopg.Cursor[Any]]
) -> dict[str, Any] | None:
    """Resolver and a tracking statement in one pipeline (the beacon): the recorded row, or None
    when there is no such card (nothing written)."""
    with conn.pipeline():
        bound = conn.execute(_BIND, (card_id,))
        recorded = record(conn)
    if bound.fetchone() is None:
        return None
    return recorded.fetchone()


def qr_code(conn: Conn, tenant_id: UUID, card_id: UUID, fmt: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT qr_id, s3_key, url_encoded FROM qr_codes WHERE tenant_id = %s AND card_id = %s AND format = %s",
        (tenant_id, card_id, fmt),
    ).fetchone()


def upsert_qr_code(conn: Conn, tenant_id: UUID, card_id: UUID, fmt: str, s3_key: str, url: str) -> None:
    conn.execute(
        """
        INSERT INTO qr_codes (tenant_id, card_id, format, s3_key, url_encoded)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT ON CONSTRAINT qr_codes_card_format_key
        DO UPDATE SET s3_key = EXCLUDED.s3_key, url_encoded = EXCLUDED.url_encoded
        """,
        (tenant_id, card_id, fmt, s3_key, url),
    )
