"""POST /api/v1/admin/jobs/{job_id}/cancel: cancel a scheduled job before it starts (status
cancelled; nothing is sent). A job that started (queued, running) or ended is 409 JOB_NOT_CANCELLABLE;
cancelling a cancelled job answers it again."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.models.envelope import Envelope
from outreachpass.models.jobs import JobCancel, JobOut
from outreachpass.services.email.scheduling import cancel_job

router = new_router()


@router.post(
    "/api/v1/admin/jobs/<job_id>/cancel",
    responses={200: {"description": "The job, cancelled (also when it was cancelled already)"}, 409: {"description": "JOB_NOT_CANCELLABLE: the job is not scheduled (it started or ended)"}},
)
def jobs_cancel(job_id: UUID) -> Response[Envelope[JobOut]]:
    # No body is needed; one that is sent must be an empty object (read here: it is optional).
    parse_json(decoded_body(router.current_event.raw_event), JobCancel)
    return ok(cancel_job(current_principal(), job_id))


handler = http_handler(router, roles=("admin", "user"))
