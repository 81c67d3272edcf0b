"""GET /api/v1/admin/events/{event_id}/attendees: an event's attendees, newest first; `?q=` matches
the start of the first name, last name, full name or e-mail address, in any case."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.attendees import AttendeeOut, AttendeeSort
from outreachpass.models.envelope import Page
from outreachpass.services.attendees import list_attendees

router = new_router()


@router.get("/api/v1/admin/events/<event_id>/attendees")
def attendees_list(
    event_id: UUID,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    sort: Annotated[AttendeeSort, Query(description="Order of the list: a key, descending with a leading '-' (default: newest first)")] = "-created_at",
) -> Response[Page[AttendeeOut]]:
    items, next_cursor = list_attendees(current_principal(), event_id, q=q, limit=limit, cursor=cursor, sort=sort)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin", "user"))
