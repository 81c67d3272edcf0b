"""GET /api/v1/admin/brands/{brand_id}."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.brands import BrandOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.brands import get_brand

router = new_router()


@router.get("/api/v1/admin/brands/<brand_id>")
def brands_get(brand_id: UUID) -> Response[Envelope[BrandOut]]:
    return ok(get_brand(current_principal(), brand_id))


handler = http_handler(router, roles=("admin",))
