"""POST /api/v1/admin/events/{event_id}/attendees: add one attendee; its card is created in the same transaction."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router
from outreachpass.models.attendees import AttendeeCreate, AttendeeOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.attendees import create_attendee

router = new_router()


@router.post("/api/v1/admin/events/<event_id>/attendees", status_code=201)
def attendees_create(event_id: UUID, body: AttendeeCreate) -> Response[Envelope[AttendeeOut]]:
    attendee = create_attendee(current_principal(), event_id, body)
    return created(attendee, location=f"/api/v1/admin/attendees/{attendee['attendee_id']}")


handler = http_handler(router, roles=("admin", "user"))
