"""Job shapes: GET /jobs/{job_id}, and the job inside the responses that start one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from outreachpass.models.common import RequestModel

JobKind = Literal["import", "passes", "emails", "images"]
JobStatus = Literal["scheduled", "queued", "running", "succeeded", "failed", "cancelled"]


class JobCounts(BaseModel):
    """total = items to process. Imports: created + updated + skipped + failed = total rows.
    Other kinds: succeeded + failed items."""

    total: int
    created: int
    updated: int
    skipped: int
    succeeded: int
    failed: int
    suppressed: int = Field(description="E-mails: of the skipped, those whose address is on the suppression list")


class JobItemError(BaseModel):
    """One failed item: an import row (spreadsheet row number, column, reason), or another
    kind's item (its own keys, e.g. card_id)."""

    model_config = ConfigDict(extra="allow")

    row: int | None = None
    column: str | None = None
    reason: str


class JobFailure(BaseModel):
    """Why the job as a whole failed (e.g. CSV_MALFORMED, FILE_TOO_LARGE, IMAGE_NOT_ALLOWED)."""

    code: str
    message: str


class JobOut(BaseModel):
    job_id: UUID
    kind: JobKind
    status: JobStatus
    event_id: UUID | None
    counts: JobCounts
    errors: list[JobItemError] = Field(description="Item errors, the first 1000; counts.failed counts them all")
    error: JobFailure | None
    scheduled_for: datetime | None = Field(description="A scheduled job's start (status scheduled until then; cancellable)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        """Accepts a jobs row as data/jobs.py returns it (flat counters, error as "CODE: message")."""
        if isinstance(value, dict) and "counts" not in value and "total" in value:
            value = dict(value)
            value["counts"] = {name: value.get(name, 0) for name in JobCounts.model_fields}
            value["error"] = parse_job_error(value.get("error"))
        return value


def parse_job_error(error: str | dict[str, Any] | None) -> dict[str, str] | None:
    """jobs.error is "CODE: message" by convention (a plain message gets JOB_FAILED)."""
    if error is None or isinstance(error, dict):
        return error
    code, separator, message = error.partition(": ")
    if separator and code and code.replace("_", "").isalnum() and code.isupper():
        return {"code": code, "message": message}
    return {"code": "JOB_FAILED", "message": error}


class JobCancel(RequestModel):
    """POST .../jobs/{job_id}/cancel takes no fields: an empty body or {} (anything else is a 400)."""
