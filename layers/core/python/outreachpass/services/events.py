"""Events: a tenant's conferences and meetups, each branded, each with its attendees.

An exhibitor user reads the event of its exhibitor and no other (by its users row, read at the
start of the request): the list holds that one event, a read of another is 404, and what it
sees of it is the name, dates, time zone, status, venue and language, not the organisers'
settings or who created it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import brands as brands_data
from outreachpass.data import events as events_data
from outreachpass.data import exhibitors as exhibitors_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, NotFound, Unprocessable, ValidationFailed
from outreachpass.models.events import EventCreate, EventOut, EventUpdate, Venue
from outreachpass.principal import Principal, caller_exhibitor
from outreachpass.services.audit import record_change
from outreachpass.services.wallet.hooks import on_event_changed

SLUG_CONSTRAINT = "events_tenant_slug_key"
REQUIRED_FIELDS = ("name", "slug", "starts_at", "ends_at", "timezone", "status", "settings", "language")


def create_event(principal: Principal, request: EventCreate) -> EventOut:
    _check_period(request.starts_at, request.ends_at)
    with tenant_tx(principal.tenant_id) as conn:
        brand_id = _resolve_brand(conn, principal.tenant_id, request.brand_id)
        values = request.model_dump(exclude={"settings", "brand_id", "venue"})
        values.update(brand_id=brand_id, settings_json=request.settings, venue_json=_venue(request.venue), created_by=users_data.user_id_for_subject(conn, principal.tenant_id, principal.subject))
        with _slug_guard(request.slug):
            event = events_data.insert(conn, principal.tenant_id, values)
        record_change(conn, principal, action="event.create", entity_type="event", entity_id=event["event_id"], before=None, after=event)
    return EventOut.model_validate(event)


def get_event(principal: Principal, event_id: UUID) -> EventOut:
    with tenant_tx(principal.tenant_id) as conn:
        is_exhibitor, exhibitor_id = caller_exhibitor()
        if not is_exhibitor:
            return EventOut.model_validate(_existing(conn, principal.tenant_id, event_id))
        exhibitor = exhibitors_data.get(conn, principal.tenant_id, exhibitor_id) if exhibitor_id else None
        if exhibitor is None or exhibitor["event_id"] != event_id:
            raise NotFound("event", event_id)
        return EventOut.model_validate(exhibitor_view(_existing(conn, principal.tenant_id, event_id)))


def list_events(principal: Principal, *, status: str | None, limit: int, cursor: str | None) -> tuple[list[EventOut], str | None]:
    after = Cursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        is_exhibitor, exhibitor_id = caller_exhibitor()
        if not is_exhibitor:
            rows, next_cursor = events_data.list_page(conn, principal.tenant_id, status=status, limit=limit, cursor=after)
            return [EventOut.model_validate(row) for row in rows], next_cursor
        if exhibitor_id is None:
            return [], None
        rows, next_cursor = events_data.list_page(conn, principal.tenant_id, status=status, limit=limit, cursor=after,
                                                  exhibitor_id=exhibitor_id)
        return [EventOut.model_validate(exhibitor_view(row)) for row in rows], next_cursor


def exhibitor_view(event: dict[str, Any]) -> dict[str, Any]:
    """What an exhibitor sees of its event: not the organisers' settings, not who created it."""
    return {**event, "settings_json": {}, "created_by": None}


def update_event(principal: Principal, event_id: UUID, request: EventUpdate) -> EventOut:
    changes = request.model_dump(exclude_unset=True)
    for key in REQUIRED_FIELDS:
        if key in changes and changes[key] is None:
            raise ValidationFailed.field(key, "may not be null")
    if "settings" in changes:
        changes["settings_json"] = changes.pop("settings")
    if "venue" in changes:
        changes["venue_json"] = _venue(request.venue)
    with tenant_tx(principal.tenant_id) as conn:
        before = _existing(conn, principal.tenant_id, event_id, for_update=True)
        _check_period(changes.get("starts_at", before["starts_at"]), changes.get("ends_at", before["ends_at"]))
        if "brand_id" in changes:
            changes["brand_id"] = _resolve_brand(conn, principal.tenant_id, changes["brand_id"])
        with _slug_guard(changes.get("slug", before["slug"])):
            after = held(events_data.update(conn, principal.tenant_id, event_id, changes))
        record_change(conn, principal, action="event.update", entity_type="event", entity_id=event_id, before=before, after=after)
        on_event_changed(conn, principal.tenant_id, before, after)  # its wallet passes show the new name and dates
    return EventOut.model_validate(after)


def archive_event(principal: Principal, event_id: UUID) -> EventOut:
    """Archiving keeps the event, its attendees and their cards (analytics stay whole); it only
    takes the event out of the active lists. Archiving twice is not an error."""
    with tenant_tx(principal.tenant_id) as conn:
        before = _existing(conn, principal.tenant_id, event_id, for_update=True)
        if before["status"] == "archived":
            return EventOut.model_validate(before)
        after = held(events_data.update(conn, principal.tenant_id, event_id, {"status": "archived"}))
        record_change(conn, principal, action="event.archive", entity_type="event", entity_id=event_id, before=before, after=after)
    return EventOut.model_validate(after)


def _existing(conn: Conn, tenant_id: UUID, event_id: UUID, *, for_update: bool = False) -> dict[str, Any]:
    event = events_data.get(conn, tenant_id, event_id, for_update=for_update)
    if event is None:
        raise NotFound("event", event_id)
    return event


def _venue(venue: Venue | None) -> dict[str, Any] | None:
    """What is said of the venue (unsaid parts left out); None when nothing is said."""
    said = venue.model_dump(exclude_none=True) if venue is not None else {}
    return said or None


def _check_period(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed.field("ends_at", "must be after starts_at")


def _resolve_brand(conn: Conn, tenant_id: UUID, brand_id: UUID | None) -> UUID:
    if brand_id is None:
        default = brands_data.default_brand_id(conn, tenant_id)
        if default is None:
            raise Unprocessable("Create a brand before the first event", code="BRAND_REQUIRED")
        return default
    if brands_data.get(conn, tenant_id, brand_id) is None:
        raise Unprocessable(f"Brand {brand_id} does not exist in this tenant", code="BRAND_NOT_FOUND")
    return brand_id


@contextmanager
def _slug_guard(slug: str) -> Iterator[None]:
    """The per-tenant slug uniqueness violation becomes a 409 the caller can act on."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name == SLUG_CONSTRAINT:
            raise Conflict(f"An event with slug '{slug}' already exists", code="EVENT_SLUG_TAKEN") from exc
        raise
