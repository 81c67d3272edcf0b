"""DELETE /api/v1/leads/{lead_id}: forget a lead (scanning the card again captures it anew). 204."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router
from outreachpass.services.leads import delete_lead

router = new_router()


@router.delete("/api/v1/leads/<lead_id>", status_code=204)
def leads_delete(lead_id: UUID):  # type: ignore[no-untyped-def]  # 204: no body to describe
    delete_lead(current_principal(), lead_id)
    return Response(status_code=204, body="")


handler = http_handler(router, roles=("exhibitor",))
