"""PUT /api/v1/admin/feature-flags: set the tenant's feature flags, {flag: {"enabled": bool}}; a flag left
out goes back to its default (on); an unknown flag is a 400 naming it."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.feature_flags import FeatureFlags, FeatureFlagsReplace
from outreachpass.services.feature_flags import replace_flags

router = new_router()


@router.put("/api/v1/admin/feature-flags")
def feature_flags_put(body: FeatureFlagsReplace) -> Response[Envelope[FeatureFlags]]:
    return ok(replace_flags(current_principal(), body))


handler = http_handler(router, roles=("admin",))
