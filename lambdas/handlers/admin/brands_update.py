"""PATCH /api/v1/admin/brands/{brand_id}: update display name, domain, theme (merged) or features."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.brands import BrandOut, BrandUpdate
from outreachpass.models.envelope import Envelope
from outreachpass.services.brands import update_brand

router = new_router()


@router.patch("/api/v1/admin/brands/<brand_id>")
def brands_update(brand_id: UUID, body: BrandUpdate) -> Response[Envelope[BrandOut]]:
    return ok(update_brand(current_principal(), brand_id, body))


handler = http_handler(router, roles=("admin",))
