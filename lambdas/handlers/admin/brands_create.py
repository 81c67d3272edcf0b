"""POST /api/v1/admin/brands: create a brand (admin)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router
from outreachpass.models.brands import BrandCreate, BrandOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.brands import create_brand

router = new_router()


@router.post("/api/v1/admin/brands", status_code=201)
def brands_create(body: BrandCreate) -> Response[Envelope[BrandOut]]:
    brand = create_brand(current_principal(), body)
    return created(brand, location=f"/api/v1/admin/brands/{brand.brand_id}")


handler = http_handler(router, roles=("admin",))
