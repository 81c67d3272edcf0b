"""GET /api/v1/leads/{lead_id}: one lead of the caller's exhibitor (404 LEAD_NOT_FOUND for any other)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.leads import LeadOut
from outreachpass.services.leads import get_lead

router = new_router()


@router.get("/api/v1/leads/<lead_id>")
def leads_get(lead_id: UUID) -> Response[Envelope[LeadOut]]:
    return ok(get_lead(current_principal(), lead_id))


handler = http_handler(router, roles=("exhibitor",))
