"""An edited event or brand brings its Google Wallet classes up to date.

What a Google event ticket class shows (the event's name, dates and venue; the brand's name,
colour, logo and hero image) is PATCHed by the wallet_push worker when it refreshes a card of
the class and finds the class changed (services.wallet.google keeps the SHA-256 of what Google
took). This hook makes that happen after an edit: in the edit's transaction it puts one card per
affected class, one that has a Google pass, on the push outbox (a few rows whatever the size of
the event). Every other pass of the event follows when its card is refreshed or its save link
followed, or through the refresh of all of an edited event's passes (issue 12), which runs on the
same outbox and worker: when both are on one branch, that refresh makes this hook redundant.
"""

from __future__ import annotations

from uuid import UUID

from outreachpass.data import cards as cards_data
from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.observability import logger


def refresh_google_classes(conn: Conn, tenant_id: UUID, *, event_id: UUID | None = None, brand_id: UUID | None = None) -> int:
    """Queue the refresh of one card per Google class of this event (or of the events wearing
    this brand). Returns the number of cards queued."""
    card_ids = wallet_data.google_class_cards(conn, tenant_id, event_id=event_id, brand_id=brand_id)
    for card_id in card_ids:
        card = cards_data.get(conn, tenant_id, card_id)
        if card is not None:
            wallet_data.insert_outbox(conn, tenant_id, card_id, card["vcard_rev"])
    if card_ids:
        logger().info("Google Wallet classes to refresh", extra={"event_id": str(event_id) if event_id else None,
                                                                 "brand_id": str(brand_id) if brand_id else None, "classes": len(card_ids)})
    return len(card_ids)
