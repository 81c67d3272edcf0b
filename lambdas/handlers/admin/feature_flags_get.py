"""GET /api/v1/admin/feature-flags: the tenant's flags, {flag_key: {enabled, value, updated_at}}."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.feature_flags import FlagOut
from outreachpass.services.feature_flags import get_flags

router = new_router()


@router.get("/api/v1/admin/feature-flags")
def feature_flags_get() -> Response[Envelope[dict[str, FlagOut]]]:
    return ok(get_flags(current_principal()))


handler = http_handler(router, roles=("admin",))
