"""GET /api/v1/leads/summary: the caller's exhibitor (name, event) and its lead counts by rating."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.leads import LeadsSummaryOut
from outreachpass.services.leads import summary

router = new_router()


@router.get("/api/v1/leads/summary")
def leads_summary() -> Response[Envelope[LeadsSummaryOut]]:
    return ok(summary(current_principal()))


handler = http_handler(router, roles=("exhibitor",))
