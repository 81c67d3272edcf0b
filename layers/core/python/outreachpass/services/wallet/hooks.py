"""What a change does to the wallet passes that show it, in the transaction that makes the change:
a card (services.cards.card_changed / card_deleted), an event (services.events.update_event) or a
brand (services.brands.update_brand, a new logo). Nothing leaves the database here: a card's
passes get a new update tag and an outbox row; an event or a brand, which may have 50,000
cards, gets one refresh request, which the relay expands into those, a chunk per transaction
(migrations/V0631). Both are relayed after commit (services.wallet.push)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import wallet as wallet_data
from outreachpass.data import wallet_outbox
from outreachpass.data.conn import Conn
from outreachpass.observability import logger
from outreachpass.services.card_appearance import PASS_THEME_KEYS

# What a pass shows of its event (name, dates, venue, language; docs/wallet.md) and which brand
# it wears, and the settings the passes read (models.events.EventSettings).
EVENT_FIELDS_ON_PASSES = ("name", "starts_at", "ends_at", "timezone", "brand_id", "venue_json", "language")
EVENT_SETTINGS_ON_PASSES = ("contact_email", "pass_expires_days_after_end")


def on_card_changed(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> None:
    """In the transaction that changed the card: its passes get a new update tag, and a push
    outbox row if it has any (the relay sends it to the wallet_push queue after commit)."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"])
    if touched:
        wallet_outbox.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])


def on_cards_changed(conn: Conn, tenant_id: UUID, cards: list[dict[str, Any]]) -> None:
    """on_card_changed for many cards (card_id, vcard_rev), set-based (a CSV import's updates)."""
    if cards:
        wallet_outbox.touch_passes_of_cards(conn, tenant_id, cards)


def on_card_deleted(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> None:
    """The card was soft-deleted: its passes are voided (Apple shows them voided, Google's object
    becomes inactive) through the same outbox."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"], void=True)
    if touched:
        wallet_outbox.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])


def on_event_changed(conn: Conn, tenant_id: UUID, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """An event was edited: when what its passes show changed, a refresh of every pass of its
    cards is requested (one row; the relay expands it after commit). True when requested."""
    settings_before, settings_after = before.get("settings_json") or {}, after.get("settings_json") or {}
    if all(before.get(name) == after.get(name) for name in EVENT_FIELDS_ON_PASSES) and all(
        settings_before.get(key) == settings_after.get(key) for key in EVENT_SETTINGS_ON_PASSES
    ):
        return False
    wallet_outbox.request_refresh(conn, tenant_id, "event", after["event_id"])
    logger().info("event edit: a refresh of its wallet passes is requested", extra={"event_id": str(after["event_id"])})
    return True


def on_brand_changed(conn: Conn, tenant_id: UUID, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """A brand was edited (name, pass colours, logo): a refresh of every pass wearing it is
    requested (one row; the relay expands it after commit). True when requested."""
    theme_before, theme_after = before.get("theme_json") or {}, after.get("theme_json") or {}
    if before.get("display_name") == after.get("display_name") and all(
        theme_before.get(key) == theme_after.get(key) for key in PASS_THEME_KEYS
    ):
        return False
    wallet_outbox.request_refresh(conn, tenant_id, "brand", after["brand_id"])
    logger().info("brand edit: a refresh of its wallet passes is requested", extra={"brand_id": str(after["brand_id"])})
    return True
