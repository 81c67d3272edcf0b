"""Attendees: the people at an event; each gets a card, created in the same transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import attendees as attendees_data
from outreachpass.data import cards as cards_data
from outreachpass.data import events as events_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, NotFound
from outreachpass.models.attendees import AttendeeCreate
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.cards import card_fields_from_attendee

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


def create_attendee_with_card(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
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
        {"event_id": event_id, "owner_attendee_id": attendee["attendee_id"], **card_fields_from_attendee(attendee)},
    )
    return attendees_data.attach_card(conn, tenant_id, attendee["attendee_id"], card["card_id"])
