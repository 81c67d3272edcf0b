"""POST /api/v1/admin/events: create an event (slug unique per tenant, ends after it starts)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router
from outreachpass.models.envelope import Envelope
from outreachpass.models.events import EventCreate, EventOut
from outreachpass.services.events import create_event

router = new_router()


@router.post("/api/v1/admin/events", status_code=201)
def events_create(body: EventCreate) -> Response[Envelope[EventOut]]:
    event = create_event(current_principal(), body)
    return created(event, location=f"/api/v1/admin/events/{event.event_id}")


handler = http_handler(router, roles=("admin", "user"))
