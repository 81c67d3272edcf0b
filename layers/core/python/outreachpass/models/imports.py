"""CSV import request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from outreachpass.models.common import RequestModel, one_line
from outreachpass.models.jobs import JobOut


class ImportCreate(RequestModel):
    """POST /events/{event_id}/imports with a JSON body (or none): ask for an upload URL.
    To send the CSV itself instead, POST it with Content-Type: text/csv (up to 1 MiB)."""

    filename: Annotated[str, one_line(255)] | None = Field(
        default=None, description="The file's name, kept with the job for the user's reference"
    )


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


class ImportLimits(BaseModel):
    max_bytes: int
    max_rows: int
    max_body_bytes: int


class ImportStarted(BaseModel):
    job: JobOut
    upload: UploadOut | None = Field(description="Null when the CSV came in the request body: the import is queued")
    limits: ImportLimits
