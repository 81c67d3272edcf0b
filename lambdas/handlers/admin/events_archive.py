"""DELETE /api/v1/admin/events/{event_id}: archive (attendees, cards and analytics are kept)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.events import EventOut
from outreachpass.services.events import archive_event

router = new_router()


@router.delete("/api/v1/admin/events/<event_id>")
def events_archive(event_id: UUID) -> Response[Envelope[EventOut]]:
    return ok(archive_event(current_principal(), event_id))


handler = http_handler(router, roles=("admin", "user"))
