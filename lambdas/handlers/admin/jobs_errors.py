"""GET /api/v1/admin/jobs/{job_id}/errors: every failed item of a job, in order, paged (up to a
thousand a page). For an import: each refused row's spreadsheet row number, the attendee field,
the file's column for it and the reason, however many there are (the job itself keeps the first
thousand); the console shows them and offers them as a download."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.models.envelope import Page
from outreachpass.models.jobs import JobItemError
from outreachpass.services.jobs import item_errors

router = new_router()
MAX_PAGE = 1000


@router.get("/api/v1/admin/jobs/<job_id>/errors")
def jobs_errors(
    job_id: UUID,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[JobItemError]]:
    items, next_cursor = item_errors(current_principal(), job_id, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin", "user"))
