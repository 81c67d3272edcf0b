"""POST /api/v1/admin/suppressions: put an address on the tenant's suppression list (201), with its
reason (manual by default) and a note; an address already there answers 200 with its entry unchanged."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.suppressions import SuppressionCreate, SuppressionOut
from outreachpass.services.email.suppressions import add_suppression

router = new_router()


@router.post("/api/v1/admin/suppressions", status_code=201,
             responses={201: {"description": "Added to the list"},
                        200: {"description": "The address was on the list already: its entry, unchanged"}})
def suppressions_add(body: SuppressionCreate) -> Response[Envelope[SuppressionOut]]:
    entry, added = add_suppression(current_principal(), body)
    return ok(entry, status=201 if added else 200)


handler = http_handler(router, roles=("admin",))
