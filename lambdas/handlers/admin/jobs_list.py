"""GET /api/v1/admin/jobs: the tenant's jobs (imports, passes, emails, images), newest first,
optionally of one event and of one kind; paged like the other lists. A lost job id is found here."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.jobs import JobKind, JobSummary
from outreachpass.services.jobs import list_jobs

router = new_router()


@router.get("/api/v1/admin/jobs", description="Each job without its item errors: GET /jobs/{job_id} has them.")
def jobs_list(
    event_id: Annotated[UUID | None, Query(description="Only this event's jobs")] = None,
    kind: Annotated[JobKind | None, Query(description="Only jobs of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[JobSummary]]:
    items, next_cursor = list_jobs(current_principal(), event_id=event_id, kind=kind, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin", "user"))
