"""POST /api/v1/admin/events/{event_id}/passes: generate wallet passes for all or some of an
event's cards, as a job (202; follow it at /api/v1/admin/jobs/{job_id}).

Body (all optional): `card_ids` or `attendee_ids` (default: every live card of the event),
`platforms` (default: those of ["apple", "google"] the feature flags leave on), `force`
(regenerate passes already current). Unknown ids are a 400 naming them; an unknown event a 404;
a platform switched off by a feature flag (asked for, or all of them off) a 409 FEATURE_DISABLED.
"""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.jobs import JobStarted
from outreachpass.models.wallet import PassesGenerate
from outreachpass.services.wallet.pass_jobs import start_pass_job

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/passes",
    status_code=202,
    summary="Generate wallet passes (job)",
    # (No `responses` here: it would replace the documented 202.)
    description="Starts a pass-generation job for the event's cards on the chosen platforms; answers 202 with the job "
    "(Location: the job), like every job-starting route. 409 FEATURE_DISABLED: a platform asked for (or every platform) "
    "is switched off by the feature flags apple_wallet / google_wallet.",
)
def passes_generate(event_id: UUID, body: PassesGenerate) -> Response[Envelope[JobStarted]]:
    job = start_pass_job(current_principal(), event_id, body)
    return ok({"job": job, "upload": None}, status=202, headers={"location": f"/api/v1/admin/jobs/{job['job_id']}"})


handler = http_handler(router, roles=("admin", "user"))
