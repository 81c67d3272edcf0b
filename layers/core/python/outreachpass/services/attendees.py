"""Attendees: the people at an event; each gets a card, created in the same transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import attendees as attendees_data
from outreachpass.data import cards as cards_data
from outreachpass.data import engagement as engagement_data
from outreachpass.data import events as events_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, NotFound, ValidationFailed
from outreachpass.models.attendees import AttendeeCreate, AttendeeUpdate
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.cards import card_deleted, card_fields_from_attendee, follow_attendee

EMAIL_CONSTRAINT = "attendees_event_email_key"


def create_attendee(principal: Principal, event_id: UUID, request: AttendeeCreate) -> dict[str, Any]:
    values = request.model_dump(mode="json")
    if values.get("email"):
        values["email"] = values["email"].lower()
    with tenant_tx(principal.tenant_id) as conn:
        if events_data.get(conn, principal.tenant_id, event_id) is None:
            raise NotFound("event", event_id)
        attendee = create_attendee_with_card(conn, principal.tenant_id, event_id, values)
        record_change(conn, principal, action="attendee.create", entity_type="attendee", entity_id=attendee["attendee_id"], before=None, after=attendee)
    return attendee


def create_attendee_with_card(conn: Conn, tenant_id: UUID, event_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    """Insert the attendee and its card in the caller's transaction; returns the attendee with card_id set."""
    try:
        with conn.transaction():  # a savepoint, so a duplicate leaves the caller's transaction usable
            attendee = attendees_data.insert(conn, tenant_id, event_id, values)
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name == EMAIL_CONSTRAINT:
            raise Conflict(f"An attendee with email {values.get('email')} already exists in this event", code="ATTENDEE_EMAIL_TAKEN") from exc
        raise
    card = cards_data.insert(
        conn,
        tenant_id,
        {"event_id": event_id, "owner_attendee_id": attendee["attendee_id"], **card_fields_from_attendee(attendee),
         # what only the card keeps (the attendee row has no such columns)
         "bio": values.get("bio"), "website": values.get("website")},
    )
    return held(attendees_data.attach_card(conn, tenant_id, attendee["attendee_id"], card["card_id"]))


def get_attendee(principal: Principal, attendee_id: UUID) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        attendee = attendees_data.get(conn, principal.tenant_id, attendee_id)
        if attendee is None:
            raise NotFound("attendee", attendee_id)
        return _with_engagement(conn, principal.tenant_id, [attendee])[0]


def list_attendees(
    principal: Principal, event_id: UUID, *, q: str | None, limit: int, cursor: str | None, sort: str = attendees_data.DEFAULT_SORT
) -> tuple[list[dict[str, Any]], str | None]:
    """An event's attendees in `sort` order (newest first by default); `q` matches the start of the
    name or e-mail, any case."""
    search = " ".join((q or "").split()) or None  # "  Ada   LOV " -> "Ada LOV" (lower-cased by the database)
    with tenant_tx(principal.tenant_id) as conn:
        if events_data.get(conn, principal.tenant_id, event_id) is None:
            raise NotFound("event", event_id)
        rows, next_cursor = attendees_data.list_page(conn, principal.tenant_id, event_id, q=search, limit=limit, cursor=cursor, sort=sort)
        return _with_engagement(conn, principal.tenant_id, rows), next_cursor


def update_attendee(principal: Principal, attendee_id: UUID, request: AttendeeUpdate) -> dict[str, Any]:
    """Change the attendee; its card follows in the same transaction (and bumps vcard_rev)."""
    changes = request.model_dump(mode="json", exclude_unset=True)
    if "first_name" in changes and changes["first_name"] is None:
        raise ValidationFailed.field("first_name", "may not be null")
    with tenant_tx(principal.tenant_id) as conn:
        before = attendees_data.get(conn, principal.tenant_id, attendee_id, for_update=True)
        if before is None:
            raise NotFound("attendee", attendee_id)
        changes = {key: value for key, value in changes.items() if before[key] != value}
        if not changes:
            return before
        try:
            after = held(attendees_data.update(conn, principal.tenant_id, attendee_id, changes))
        except psycopg.errors.UniqueViolation as exc:
            if exc.diag.constraint_name == EMAIL_CONSTRAINT:
                raise Conflict(f"An attendee with email {changes.get('email')} already exists in this event", code="ATTENDEE_EMAIL_TAKEN") from exc
            raise
        record_change(conn, principal, action="attendee.update", entity_type="attendee", entity_id=attendee_id, before=before, after=after)
        follow_attendee(conn, principal, before, after)
    return after


def delete_attendee(principal: Principal, attendee_id: UUID) -> dict[str, Any]:
    """Delete the attendee and soft-delete its card: the card's public page answers 404 from now on,
    while analytics rows keep pointing at the card. Returns the attendee as it was."""
    with tenant_tx(principal.tenant_id) as conn:
        attendee = attendees_data.get(conn, principal.tenant_id, attendee_id, for_update=True)
        if attendee is None:
            raise NotFound("attendee", attendee_id)
        if attendee["card_id"] is not None:
            card = cards_data.get(conn, principal.tenant_id, attendee["card_id"], for_update=True)
            if card is not None:
                deleted = held(cards_data.soft_delete(conn, principal.tenant_id, card["card_id"]))
                card_deleted(conn, principal.tenant_id, deleted)
                record_change(conn, principal, action="card.delete", entity_type="card", entity_id=card["card_id"], before=card, after=deleted)
        attendees_data.delete(conn, principal.tenant_id, attendee_id)
        record_change(conn, principal, action="attendee.delete", entity_type="attendee", entity_id=attendee_id, before=attendee, after=None)
    return attendee


# The steps of an attendee's engagement, in the order they usually happen.
ENGAGEMENT_STEPS = ("sent", "delivered", "opened", "clicked", "viewed", "wallet_added", "exported")


def engagement_stage(found: dict[str, Any]) -> str:
    """The furthest step reached; a bounce wins unless the card was used after all."""
    reached = [step for step in ENGAGEMENT_STEPS if found[step]]
    if found["bounced"] and not (set(reached) & {"opened", "clicked", "viewed", "wallet_added", "exported"}):
        return "bounced"
    return reached[-1] if reached else "not_sent"


def _with_engagement(conn: Conn, tenant_id: UUID, attendees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = engagement_data.of_attendees(conn, tenant_id, attendees)
    out = []
    for attendee in attendees:
        row = found.get(attendee["attendee_id"])
        if row is None:
            out.append(attendee)
            continue
        facts = {**{key: bool(row[key]) for key in (*ENGAGEMENT_STEPS[1:], "bounced")}, "sent": row["last_sent_at"] is not None}
        out.append({**attendee, "engagement": {**facts, "last_sent_at": row["last_sent_at"], "stage": engagement_stage(facts)}})
    return out
