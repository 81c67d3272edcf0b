"""GET /api/v1/admin/jobs/{job_id}: a job's status, counts, item errors and failure reason."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.jobs import JobOut
from outreachpass.services.jobs import get_job

router = new_router()


@router.get("/api/v1/admin/jobs/<job_id>")
def jobs_get(job_id: UUID) -> Response[Envelope[JobOut]]:
    return ok(get_job(current_principal(), job_id))


handler = http_handler(router, roles=("admin", "user"))
