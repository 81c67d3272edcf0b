"""GET /api/v1/admin/feature-flags: every feature flag with its state for the tenant,
{flag: {enabled, source, updated_at}} (models.feature_flags lists them)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.feature_flags import FeatureFlags
from outreachpass.services.feature_flags import get_flags

router = new_router()


@router.get("/api/v1/admin/feature-flags")
def feature_flags_get() -> Response[Envelope[FeatureFlags]]:
    return ok(get_flags(current_principal()))


handler = http_handler(router, roles=("admin",))
