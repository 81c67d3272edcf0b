"""PATCH /api/v1/admin/attendees/{attendee_id}: change the attendee; the card follows and bumps vcard_rev."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.attendees import AttendeeOut, AttendeeUpdate
from outreachpass.models.envelope import Envelope
from outreachpass.services.attendees import update_attendee

router = new_router()


@router.patch("/api/v1/admin/attendees/<attendee_id>")
def attendees_update(attendee_id: UUID, body: AttendeeUpdate) -> Response[Envelope[AttendeeOut]]:
    return ok(update_attendee(current_principal(), attendee_id, body))


handler = http_handler(router, roles=("admin", "user"))
