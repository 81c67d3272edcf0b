"""GET /api/v1/admin/brands: the tenant's brands, newest first, cursor-paginated."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.brands import BrandOut
from outreachpass.models.envelope import Page
from outreachpass.services.brands import list_brands

router = new_router()


@router.get("/api/v1/admin/brands")
def brands_list(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[BrandOut]]:
    items, next_cursor = list_brands(current_principal(), limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin",))
