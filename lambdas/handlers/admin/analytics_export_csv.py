"""GET /api/v1/admin/analytics/export.csv: the raw events behind a report, as CSV.

Small exports are the response (text/csv, attachment); past ~4 MB the CSV is written to S3
(gzip) and the answer is 303 See Other to a presigned download URL, with the same link in a
JSON body for clients that do not follow redirects.
"""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.analytics import ReportName
from outreachpass.services.analytics.export import export_csv
from outreachpass.services.analytics.scope import resolve_scope

router = new_router()

_RESPONSES: dict[int, OpenAPIResponse] = {
    200: {"description": "The CSV (text/csv, attachment)", "content": {"text/csv": {"schema": {"type": "string"}}}},
    303: {"description": "Too large to answer inline: `location` (and data.download_url) is a presigned URL of the gzip CSV"},
}


@router.get("/api/v1/admin/analytics/export.csv", responses=_RESPONSES)
def analytics_export_csv(  # type: ignore[no-untyped-def]  # unannotated: CSV or a 303, not an envelope
    report: Annotated[ReportName, Query(description="Whose events: email, views, wallet or exports")],
    event_id: Annotated[UUID | None, Query(description="Only this event")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=64, description="ISO 8601 instant with offset, or a date")] = None,
    to: Annotated[str | None, Query(max_length=64, description="ISO 8601 instant with offset, or a date (inclusive)")] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA time zone of the timestamps (default: the event's time zone with event_id, else UTC)")] = None,
):
    scope = resolve_scope(current_principal(), event_id=event_id, start=from_, end=to, tz=tz)
    export = export_csv(scope, report)
    if export.text is not None:
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", export.filename)
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=export.text,
            headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
        )
    link = {"download_url": export.download_url, "expires_at": export.expires_at, "rows": export.rows, "key": export.key}
    return ok(link, status=303, headers={"location": export.download_url or "", "cache-control": "no-store"})


handler = http_handler(router, roles=("admin", "user"))
