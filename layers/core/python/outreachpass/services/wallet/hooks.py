"""What a card change does to its wallet passes, in the transaction that changes the card
(services.cards.card_changed / card_deleted call these): nothing leaves the database here; the
outbox row is relayed after commit (services.wallet.push)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn


def on_card_changed(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> None:
    """In the transaction that changed the card: its passes get a new update tag, and a push
    outbox row if it has any (the relay sends it to the wallet_push queue after commit)."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"])
    if touched:
        wallet_data.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])


def on_cards_changed(conn: Conn, tenant_id: UUID, cards: list[dict[str, Any]]) -> None:
    """on_card_changed for many cards (card_id, vcard_rev), set-based (a CSV import's updates)."""
    if cards:
        wallet_data.touch_passes_of_cards(conn, tenant_id, cards)


def on_card_deleted(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> None:
    """The card was soft-deleted: its passes are voided (Apple shows them voided, Google's object
    becomes inactive) through the same outbox."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"], void=True)
    if touched:
        wallet_data.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])
