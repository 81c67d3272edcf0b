"""PUT /api/v1/admin/email-settings: the tenant's sender name, address and reply-to. The address must
be one SES may send from (its domain verified): 400 SENDER_NOT_VERIFIED otherwise."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.email_settings import EmailSettingsOut, EmailSettingsPut
from outreachpass.models.envelope import Envelope
from outreachpass.services.email.sender_settings import put_settings

router = new_router()


@router.put(
    "/api/v1/admin/email-settings",
    responses={200: {"description": "The tenant's sender, as saved"},
               400: {"description": "SENDER_NOT_VERIFIED: no verified SES identity covers from_email (the field's reason says what to verify)"},
               503: {"description": "SERVICE_UNAVAILABLE: SES could not be asked whether the sender is verified; retry"}},
)
def email_settings_put(body: EmailSettingsPut) -> Response[Envelope[EmailSettingsOut]]:
    return ok(put_settings(current_principal(), body))


handler = http_handler(router, roles=("admin",))
