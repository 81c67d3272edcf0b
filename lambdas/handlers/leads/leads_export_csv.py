"""GET /api/v1/leads/export.csv: every lead of the caller's exhibitor as CSV for a spreadsheet
(UTF-8 with a BOM, formula-safe cells, times in the event's time zone), as an attachment."""

from __future__ import annotations

import re

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from outreachpass.api import current_principal, http_handler, new_router
from outreachpass.services.leads import export_csv

router = new_router()

_RESPONSES: dict[int, OpenAPIResponse] = {200: {"description": "The CSV (text/csv, attachment)", "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/api/v1/leads/export.csv", responses=_RESPONSES)
def leads_export_csv():  # type: ignore[no-untyped-def]  # unannotated: CSV, not an envelope
    export = export_csv(current_principal())
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", export.filename)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=export.text,
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


handler = http_handler(router, roles=("exhibitor",))
