"""POST /api/v1/admin/events/{event_id}/emails: email attendees their card (a job).

202 with the job (GET /api/v1/admin/jobs/{job_id} follows it): the worker sends in batches,
skips suppressed addresses and attendees without one, and counts every outcome.
"""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.emails import EmailSendRequest
from outreachpass.models.envelope import Envelope
from outreachpass.models.jobs import JobStarted
from outreachpass.services.email.send_request import request_send

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/emails",
    status_code=202,
    responses={202: {"description": "The job (data.job, Location: the job, like every job-starting route): queued, or "
                                    "scheduled with send_at"},
               409: {"description": "EMAIL_SEND_IN_PROGRESS: an e-mail job of this event is sending now (a scheduled one does not count)"},
               422: {"description": "EVENT_ARCHIVED: the event is archived"}},
)
def emails_send(event_id: UUID, body: EmailSendRequest) -> Response[Envelope[JobStarted]]:
    job = request_send(current_principal(), event_id, body)
    return ok({"job": job, "upload": None}, status=202, headers={"location": f"/api/v1/admin/jobs/{job['job_id']}"})


handler = http_handler(router, roles=("admin", "user"))
