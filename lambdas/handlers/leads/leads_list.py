"""GET /api/v1/leads: the caller's exhibitor's leads, newest first; `?q=` finds text anywhere in
the name, organisation, title, e-mail, phone, notes or tags, in any case."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.leads import LeadOut
from outreachpass.services.leads import list_leads

router = new_router()


@router.get("/api/v1/leads")
def leads_list(
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[LeadOut]]:
    items, next_cursor = list_leads(current_principal(), q=q, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("exhibitor",))
