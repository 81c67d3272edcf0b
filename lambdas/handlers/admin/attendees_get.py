"""GET /api/v1/admin/attendees/{attendee_id}."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.attendees import AttendeeOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.attendees import get_attendee

router = new_router()


@router.get("/api/v1/admin/attendees/<attendee_id>")
def attendees_get(attendee_id: UUID) -> Response[Envelope[AttendeeOut]]:
    return ok(get_attendee(current_principal(), attendee_id))


handler = http_handler(router, roles=("admin", "user"))
