"""Cards: what an attendee's card shows is derived from the attendee, in one place.

Every change to what a card shows goes through `card_changed` in the same transaction:
that is the one place vcard_rev is bumped, and the place to hang what must follow a
change (wallet pass refreshes and pushes, cached QR codes, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from outreachpass.data import cards as cards_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ValidationFailed
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.card_appearance import card_url

if TYPE_CHECKING:  # the request model pulls in e-mail validation: only the card routes need it
    from outreachpass.models.cards import CardUpdate

# The display fields a card copies from its attendee (links are merged key by key).
DERIVED_FIELDS = ("display_name", "email", "phone", "org_name", "title")


def card_fields_from_attendee(attendee: dict[str, Any]) -> dict[str, Any]:
    """The card's display fields for an attendee row (or validated attendee values)."""
    name = " ".join(part for part in (attendee.get("first_name"), attendee.get("last_name")) if part)
    links = {"linkedin": str(attendee["linkedin_url"])} if attendee.get("linkedin_url") else {}
    return {
        "display_name": name or (attendee.get("email") or "Attendee"),
        "email": attendee.get("email"),
        "phone": attendee.get("phone"),
        "org_name": attendee.get("org_name"),
        "title": attendee.get("title"),
        "links_json": links,
    }


# --- hooks: call them in the transaction that changes the card --------------------------------


def card_changed(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> dict[str, Any]:
    """What `card` shows has changed (attendee update, card update, new avatar): call this once per
    change, in the same transaction, after writing the new content. It bumps vcard_rev (the only
    place that does, with cards_changed, its set-based twin) and returns the card row after the bump.

    Extend it here for what must follow a change, in the caller's transaction: refresh the wallet
    passes issued at an older vcard_rev (and push to their devices), drop cached QR/vCard renders.
    Anything sent outside the database (SQS) should read the row again when it runs, since the
    transaction may still roll back."""
    after = cards_data.bump_rev(conn, tenant_id, card["card_id"])
    if after is None:  # the caller holds the row; it cannot vanish in its own transaction
        raise NotFound("card", card["card_id"])
    # Wallet passes: a new update tag and a push-outbox row (sent after commit; services.wallet.push).
    from outreachpass.services.wallet.hooks import on_card_changed

    on_card_changed(conn, tenant_id, after)
    return after


def cards_changed(conn: Conn, tenant_id: UUID, card_ids: list[UUID]) -> list[dict[str, Any]]:
    """card_changed for many cards in a few statements (a CSV import that changed thousands):
    the same bump and the same follow-ups. Returns (card_id, vcard_rev) after the bump."""
    if not card_ids:
        return []
    after = cards_data.bump_revs(conn, tenant_id, card_ids)
    from outreachpass.services.wallet.hooks import on_cards_changed

    on_cards_changed(conn, tenant_id, after)
    return after


def card_deleted(conn: Conn, tenant_id: UUID, card: dict[str, Any]) -> None:
    """The card was soft-deleted (its attendee was deleted): its public page, vCard and QR answer
    404 from now on. Hook for what must follow (void its wallet passes); nothing else to do yet."""
    from outreachpass.services.wallet.hooks import on_card_deleted

    on_card_deleted(conn, tenant_id, card)  # its wallet passes are voided (pushed after commit)


def with_url(card: dict[str, Any]) -> dict[str, Any]:
    return {**card, "url": card_url(card["card_id"])}


# --- admin API ----------------------------------------------------------------------------------


def get_card(principal: Principal, card_id: UUID) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        card = cards_data.get(conn, principal.tenant_id, card_id)
    if card is None:
        raise NotFound("card", card_id)
    return with_url(card)


def update_card(principal: Principal, card_id: UUID, request: CardUpdate) -> dict[str, Any]:
    """Change what the card shows; a change bumps vcard_rev, a PATCH that changes nothing does not."""
    requested = request.model_dump(mode="json", exclude_unset=True)
    if "display_name" in requested and requested["display_name"] is None:
        raise ValidationFailed.field("display_name", "may not be null")
    if "links" in requested:
        requested["links_json"] = requested.pop("links") or {}
    with tenant_tx(principal.tenant_id) as conn:
        before = cards_data.get(conn, principal.tenant_id, card_id, for_update=True)
        if before is None:
            raise NotFound("card", card_id)
        changes = {key: value for key, value in requested.items() if before[key] != value}
        if not changes:
            return with_url(before)
        cards_data.update(conn, principal.tenant_id, card_id, changes)
        after = card_changed(conn, principal.tenant_id, before)
        record_change(conn, principal, action="card.update", entity_type="card", entity_id=card_id, before=before, after=after)
    return with_url(after)


def follow_attendee(
    conn: Conn, principal: Principal, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any] | None:
    """After an attendee update, in its transaction: the card fields derived from attendee fields
    that changed follow them (a new name gives a new display name, a new LinkedIn URL replaces the
    "linkedin" link); what was edited on the card directly stays unless its source changed.
    Returns the card after, or None when the attendee has no live card."""
    if after.get("card_id") is None:
        return None
    card = cards_data.get(conn, principal.tenant_id, after["card_id"], for_update=True)
    if card is None:
        return None
    old, new = card_fields_from_attendee(before), card_fields_from_attendee(after)
    changes = {field: new[field] for field in DERIVED_FIELDS if old[field] != new[field] and card[field] != new[field]}
    old_link, new_link = old["links_json"].get("linkedin"), new["links_json"].get("linkedin")
    if old_link != new_link:
        links = {key: value for key, value in (card["links_json"] or {}).items() if key != "linkedin"}
        if new_link:
            links["linkedin"] = new_link
        if links != card["links_json"]:
            changes["links_json"] = links
    if not changes:
        if before.get("language") != after.get("language"):
            # The card shows the same, but its wallet passes speak the attendee's language.
            from outreachpass.services.wallet.hooks import on_card_changed

            on_card_changed(conn, principal.tenant_id, card)
        return card
    cards_data.update(conn, principal.tenant_id, card["card_id"], changes)
    updated = card_changed(conn, principal.tenant_id, card)
    record_change(conn, principal, action="card.update", entity_type="card", entity_id=card["card_id"], before=card, after=updated)
    return updated
