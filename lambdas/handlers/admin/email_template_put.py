"""PUT /api/v1/admin/events/{event_id}/email-template: the event's own subject and body (placeholders
checked: an unknown one is a 400 naming it). Sends started from now on use it."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.emails import EmailTemplateOut, EmailTemplatePut
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.templates import put_template

router = new_router()


@router.put("/api/v1/admin/events/<event_id>/email-template")
def email_template_put(event_id: UUID, body: EmailTemplatePut) -> Response[Envelope[EmailTemplateOut]]:
    return ok(put_template(current_principal(), event_id, body))


handler = http_handler(router, roles=("admin", "user"))
