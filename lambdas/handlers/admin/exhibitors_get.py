"""GET /api/v1/admin/exhibitors/{exhibitor_id}."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.exhibitors import ExhibitorOut
from outreachpass.services.exhibitors import get_exhibitor

router = new_router()


@router.get("/api/v1/admin/exhibitors/<exhibitor_id>")
def exhibitors_get(exhibitor_id: UUID) -> Response[Envelope[ExhibitorOut]]:
    return ok(get_exhibitor(current_principal(), exhibitor_id))


handler = http_handler(router, roles=("admin", "user"))
