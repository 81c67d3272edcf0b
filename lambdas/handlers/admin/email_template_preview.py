"""POST /api/v1/admin/events/{event_id}/email-template/preview: the card e-mail of one attendee (or a
sample person), rendered with the saved template or the unsaved subject and body given, not sent."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.emails import EmailPreviewOut, EmailRenderRequest
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.templates import preview

router = new_router()


@router.post("/api/v1/admin/events/<event_id>/email-template/preview")
def email_template_preview(event_id: UUID, body: EmailRenderRequest) -> Response[Envelope[EmailPreviewOut]]:
    return ok(preview(current_principal(), event_id, body))


handler = http_handler(router, roles=("admin", "user"))
