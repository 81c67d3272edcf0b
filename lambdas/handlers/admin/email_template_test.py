"""POST /api/v1/admin/events/{event_id}/email-template/test: mail the card e-mail, rendered as the
preview renders it, to the caller's own address ("[Test]" subject, untracked)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.emails import EmailRenderRequest, EmailTestOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.templates import send_test

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/email-template/test",
    responses={200: {"description": "Sent to the caller's own address"},
               409: {"description": "ADDRESS_SUPPRESSED: the caller's own address is on the suppression list"},
               422: {"description": "EMAIL_REJECTED: SES refused the message (its reason in the message)"},
               503: {"description": "SES did not take the message now (SERVICE_UNAVAILABLE); retry"}},
)
def email_template_test(event_id: UUID, body: EmailRenderRequest) -> Response[Envelope[EmailTestOut]]:
    return ok(send_test(current_principal(), event_id, body))


handler = http_handler(router, roles=("admin", "user"))
