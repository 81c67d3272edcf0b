"""GET /api/v1/admin/events/{event_id}."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.events import EventOut
from outreachpass.services.events import get_event

router = new_router()


@router.get("/api/v1/admin/events/<event_id>")
def events_get(event_id: UUID) -> Response[Envelope[EventOut]]:
    return ok(get_event(current_principal(), event_id))


handler = http_handler(router, roles=("admin", "user", "exhibitor"))
