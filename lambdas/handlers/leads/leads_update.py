"""PATCH /api/v1/leads/{lead_id}: the exhibitor's notes, rating and tags of a lead."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.leads import LeadOut, LeadUpdate
from outreachpass.services.leads import update_lead

router = new_router()


@router.patch("/api/v1/leads/<lead_id>")
def leads_update(lead_id: UUID, body: LeadUpdate) -> Response[Envelope[LeadOut]]:
    return ok(update_lead(current_principal(), lead_id, body))


handler = http_handler(router, roles=("exhibitor",))
