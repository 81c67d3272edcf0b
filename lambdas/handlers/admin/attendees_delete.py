"""DELETE /api/v1/admin/attendees/{attendee_id}: delete the attendee and soft-delete its card
(its public page answers 404; analytics keep their references). 204 No Content."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router
from outreachpass.services.attendees import delete_attendee

router = new_router()


@router.delete("/api/v1/admin/attendees/<attendee_id>", status_code=204)
def attendees_delete(attendee_id: UUID):  # type: ignore[no-untyped-def]  # 204: no body to describe
    delete_attendee(current_principal(), attendee_id)
    return Response(status_code=204, body="")


handler = http_handler(router, roles=("admin", "user"))
