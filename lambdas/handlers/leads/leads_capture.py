"""POST /api/v1/leads: capture a lead by scanning an attendee's card (exhibitor users).

201 with the new lead; 200 with the existing one when this exhibitor already captured the card
or when `client_id` was sent before (an offline queue replayed); 404 CARD_NOT_FOUND for a card
that is not of the exhibitor's event; 400 for a scan that is not a card."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.leads import LeadCapture, LeadOut
from outreachpass.services.leads import capture_lead

router = new_router()


@router.post(
    "/api/v1/leads",
    status_code=201,
    description="Idempotent per card and per `client_id`: a repeated scan or replay answers 200 with the lead as it is.",
    responses={
        200: {"description": "Already captured (the same card, or the same client_id): the lead as it is",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope_LeadOut_"}}}},
        201: {"description": "Captured: the new lead",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope_LeadOut_"}}}},
    },
)
def leads_capture(body: LeadCapture) -> Response[Envelope[LeadOut]]:
    lead, new = capture_lead(current_principal(), body)
    if new:
        return created(lead, location=f"/api/v1/leads/{lead['lead_id']}")
    return ok(lead)


handler = http_handler(router, roles=("exhibitor",))
