"""PATCH /api/v1/admin/exhibitors/{exhibitor_id}: rename, or change the contact address."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.exhibitors import ExhibitorOut, ExhibitorUpdate
from outreachpass.services.exhibitors import update_exhibitor

router = new_router()


@router.patch("/api/v1/admin/exhibitors/<exhibitor_id>")
def exhibitors_update(exhibitor_id: UUID, body: ExhibitorUpdate) -> Response[Envelope[ExhibitorOut]]:
    return ok(update_exhibitor(current_principal(), exhibitor_id, body))


handler = http_handler(router, roles=("admin", "user"))
