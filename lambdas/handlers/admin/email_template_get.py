"""GET /api/v1/admin/events/{event_id}/email-template: the event's card e-mail subject and body,
with the placeholders they may use; without a template of its own, the built-in wording (is_default)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.emails import EmailTemplateOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.templates import get_template

router = new_router()


@router.get("/api/v1/admin/events/<event_id>/email-template")
def email_template_get(event_id: UUID) -> Response[Envelope[EmailTemplateOut]]:
    return ok(get_template(current_principal(), event_id))


handler = http_handler(router, roles=("admin", "user"))
