"""Job shapes: GET /jobs, GET /jobs/{job_id}, and the body of every route that starts one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from outreachpass.models.bounded_json import StoredSnapshot
from outreachpass.models.common import RequestModel

JobKind = Literal["import", "passes", "emails", "images"]
JobStatus = Literal["scheduled", "queued", "running", "succeeded", "succeeded_with_errors", "failed", "cancelled"]
STATUS_DESCRIPTION = (
    "scheduled: an e-mail job waiting for its send time (scheduled_for; cancellable); queued: waiting (for its upload, "
    "or for a worker); running; succeeded: every item done as asked; succeeded_with_errors: finished, but some items "
    "failed (counts.failed, errors; for an import, the refused rows); failed: the job as a whole failed (error says "
    "why), or every item failed; cancelled: a scheduled job cancelled before it started"
)
# What a job's input may show to the tenant (who asked and the request's correlation id stay inside).
_PRIVATE_INPUT = ("requested_by", "correlation_id", "upload_expires_at")


class JobCounts(BaseModel):
    """Every item counts once: total = succeeded + skipped + failed. An import's items are its
    rows: succeeded = created + updated (rows that made or changed an attendee), skipped = rows
    whose attendee already was what the row says. Other kinds leave created and updated at 0."""

    total: int
    created: int
    updated: int
    skipped: int
    succeeded: int
    failed: int
    suppressed: int = Field(description="E-mails: of the skipped, those whose address is on the suppression list")


class JobItemError(BaseModel):
    """One failed item: an import row (spreadsheet row number, the attendee field, the file's
    column header for it, the reason), or another kind's item (its own keys, e.g. card_id)."""

    model_config = ConfigDict(extra="allow")

    row: int | None = None
    field: str | None = None
    column: str | None = None
    reason: str


class JobWarning(BaseModel):
    """Something the job did not do as asked without failing an item, e.g. COLUMN_IGNORED (a CSV
    column that matches no attendee field) or MAPPED_COLUMN_MISSING."""

    code: str
    message: str
    column: str | None = None


class JobFailure(BaseModel):
    """Why the job as a whole failed (e.g. CSV_MALFORMED, FILE_TOO_LARGE, NO_ROWS_IMPORTED, DEAD_LETTERED)."""

    code: str
    message: str


class JobSummary(BaseModel):
    job_id: UUID
    kind: JobKind
    status: JobStatus = Field(description=STATUS_DESCRIPTION)
    event_id: UUID | None
    counts: JobCounts
    warnings: list[JobWarning] = Field(default_factory=list)
    error: JobFailure | None
    input: StoredSnapshot = Field(default_factory=dict, description="What the job was asked to do (file name, column mapping, audience, platforms, ...)")
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
            value["status"] = shown_status(value["status"], value["counts"]["failed"])
            value["input"] = {k: v for k, v in (value.get("input") or {}).items() if k not in _PRIVATE_INPUT}
        return value


class JobOut(JobSummary):
    errors: list[JobItemError] = Field(description="Item errors, the first 1000; counts.failed counts them all "
                                                   "(GET /jobs/{job_id}/errors pages through every one)")


class UploadOut(BaseModel):
    """Where to send the file: PUT the bytes to `url` with `headers` (method PUT), or POST a
    multipart form with `fields` and then the file as the `file` part (method POST)."""

    method: Literal["PUT", "POST"]
    url: str
    key: str
    expires_at: datetime
    max_bytes: int | None
    headers: dict[str, str]
    fields: dict[str, str]


class JobStarted(BaseModel):
    """What every route that starts a job answers (202, Location: the job): the job, and for a
    job that waits for a file, where to upload it."""

    job: JobOut
    upload: UploadOut | None = Field(description="Where to upload the job's file; null when the job needs none (it is queued)")


def shown_status(status: str, failed: int) -> str:
    """A finished job with failed items succeeded with errors: the status says so, not only the counts."""
    return "succeeded_with_errors" if status == "succeeded" and failed > 0 else status


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
