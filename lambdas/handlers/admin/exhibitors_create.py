"""POST /api/v1/admin/events/{event_id}/exhibitors: add an exhibitor (a sponsor or booth) to an event."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router
from outreachpass.models.envelope import Envelope
from outreachpass.models.exhibitors import ExhibitorCreate, ExhibitorOut
from outreachpass.services.exhibitors import create_exhibitor

router = new_router()


@router.post("/api/v1/admin/events/<event_id>/exhibitors", status_code=201)
def exhibitors_create(event_id: UUID, body: ExhibitorCreate) -> Response[Envelope[ExhibitorOut]]:
    exhibitor = create_exhibitor(current_principal(), event_id, body)
    return created(exhibitor, location=f"/api/v1/admin/exhibitors/{exhibitor['exhibitor_id']}")


handler = http_handler(router, roles=("admin", "user"))
