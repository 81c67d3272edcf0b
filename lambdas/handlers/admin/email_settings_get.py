"""GET /api/v1/admin/email-settings: who the tenant's card e-mails come from (null: the platform's default)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.email_settings import EmailSettingsOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.sender_settings import get_settings

router = new_router()


@router.get("/api/v1/admin/email-settings")
def email_settings_get() -> Response[Envelope[EmailSettingsOut]]:
    return ok(get_settings(current_principal()))


handler = http_handler(router, roles=("admin",))
