"""GET /api/v1/admin/suppressions: the tenant's suppression list, newest first; `q` matches any part
of the address, `reason` filters."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.suppressions import SuppressionOut, SuppressionReason
from outreachpass.services.email.suppressions import list_suppressions

router = new_router()


@router.get("/api/v1/admin/suppressions")
def suppressions_list(
    q: Annotated[str | None, Query(min_length=1, max_length=254)] = None,
    reason: Annotated[SuppressionReason | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[SuppressionOut]]:
    items, next_cursor = list_suppressions(current_principal(), q=q, reason=reason, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin",))
