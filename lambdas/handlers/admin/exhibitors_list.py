"""GET /api/v1/admin/events/{event_id}/exhibitors: an event's exhibitors, newest first."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.exhibitors import ExhibitorOut
from outreachpass.services.exhibitors import list_exhibitors

router = new_router()


@router.get("/api/v1/admin/events/<event_id>/exhibitors")
def exhibitors_list(
    event_id: UUID,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[ExhibitorOut]]:
    items, next_cursor = list_exhibitors(current_principal(), event_id, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin", "user"))
