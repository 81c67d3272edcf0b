"""GET /api/v1/admin/analytics/timeseries: one metric per hour, day or ISO week, bucketed in the caller's time zone."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.analytics import IntervalName, TimeseriesOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.analytics.reports import parse_metric, timeseries
from outreachpass.services.analytics.scope import resolve_scope

router = new_router()


@router.get("/api/v1/admin/analytics/timeseries")
def analytics_timeseries(
    metric: Annotated[str, Query(min_length=1, max_length=64, description="e.g. card_views, emails_opened, emails_opened_unique, wallet_added")],
    interval: Annotated[IntervalName, Query(description="Bucket size, in the time zone `tz`")] = "day",
    event_id: Annotated[UUID | None, Query(description="Only this event")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=64, description="ISO 8601 instant with offset, or a date")] = None,
    to: Annotated[str | None, Query(max_length=64, description="ISO 8601 instant with offset, or a date (inclusive)")] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA time zone (default: the event's time zone with event_id, else UTC)")] = None,
) -> Response[Envelope[TimeseriesOut]]:
    name = parse_metric(metric)
    scope = resolve_scope(current_principal(), event_id=event_id, start=from_, end=to, tz=tz)
    return ok(timeseries(scope, name, interval))


handler = http_handler(router, roles=("admin", "user"))
