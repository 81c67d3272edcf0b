"""PATCH /api/v1/admin/events/{event_id}: change any of name, slug, dates, time zone, brand, status, settings."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.events import EventOut, EventUpdate
from outreachpass.services.events import update_event

router = new_router()


@router.patch("/api/v1/admin/events/<event_id>")
def events_update(event_id: UUID, body: EventUpdate) -> Response[Envelope[EventOut]]:
    return ok(update_event(current_principal(), event_id, body))


handler = http_handler(router, roles=("admin", "user"))
