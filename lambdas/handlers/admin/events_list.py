"""GET /api/v1/admin/events: the tenant's events, newest first, optionally by status."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.events import EventOut, EventStatus
from outreachpass.services.events import list_events

router = new_router()


@router.get("/api/v1/admin/events")
def events_list(
    status: Annotated[EventStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[EventOut]]:
    items, next_cursor = list_events(current_principal(), status=status, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin", "user", "exhibitor"))
