"""GET /api/v1/admin/analytics/exports: contact exports by type."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.analytics import ExportsOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.analytics.reports import exports
from outreachpass.services.analytics.scope import resolve_scope

router = new_router()


@router.get("/api/v1/admin/analytics/exports")
def analytics_exports(
    event_id: Annotated[UUID | None, Query(description="Only this event")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=64, description="ISO 8601 instant with offset, or a date")] = None,
    to: Annotated[str | None, Query(max_length=64, description="ISO 8601 instant with offset, or a date (inclusive)")] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA time zone (default: the event's time zone with event_id, else UTC)")] = None,
) -> Response[Envelope[ExportsOut]]:
    scope = resolve_scope(current_principal(), event_id=event_id, start=from_, end=to, tz=tz)
    return ok(exports(scope))


handler = http_handler(router, roles=("admin", "user"))
