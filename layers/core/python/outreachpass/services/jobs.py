"""Jobs as the API shows them: status, counts, item errors, and why a failed job failed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import jobs as jobs_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound
from outreachpass.principal import Principal


def get_job(principal: Principal, job_id: UUID) -> dict[str, Any]:
    """A job of the caller's tenant (another tenant's job does not exist for it)."""
    with tenant_tx(principal.tenant_id) as conn:
        job = jobs_data.get(conn, principal.tenant_id, job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job
