"""GET /api/v1/admin/analytics/leads: leads captured per exhibitor (tenant or ?event_id=) over a range."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.analytics import LeadsOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.analytics.reports import exhibitor_leads
from outreachpass.services.analytics.scope import resolve_scope

router = new_router()


@router.get("/api/v1/admin/analytics/leads")
def analytics_leads(
    event_id: Annotated[UUID | None, Query(description="Only this event's exhibitors")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=64, description="ISO 8601 instant with offset, or a date")] = None,
    to: Annotated[str | None, Query(max_length=64, description="ISO 8601 instant with offset, or a date (inclusive)")] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA time zone (default: the event's time zone with event_id, else UTC)")] = None,
) -> Response[Envelope[LeadsOut]]:
    scope = resolve_scope(current_principal(), event_id=event_id, start=from_, end=to, tz=tz)
    return ok(exhibitor_leads(scope))


handler = http_handler(router, roles=("admin", "user"))
