"""CSV import request and response shapes (the job comes back as models.jobs.JobStarted)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from outreachpass.models.common import RequestModel, one_line

ImportField = Literal["email", "first_name", "last_name", "full_name", "phone", "org_name", "title", "linkedin_url"]
MAPPING_DESCRIPTION = (
    "The file's column headers (as in its first row) -> the attendee field each gives, or null to leave the column out. "
    "Headers it does not name are recognised by their usual spellings (\"E-mail\", \"First Name\", \"Company\", ...); "
    "POST .../imports/preview shows what was recognised."
)


class ImportCreate(RequestModel):
    """POST /events/{event_id}/imports with a JSON body (or none): ask for an upload URL.
    To send the CSV itself instead, POST it with Content-Type: text/csv (up to 1 MiB), with the
    mapping, if any, in the `mapping` query parameter."""

    filename: Annotated[str, one_line(255)] | None = Field(
        default=None, description="The file's name, kept with the job for the user's reference"
    )
    mapping: dict[str, ImportField | None] | None = Field(default=None, description=MAPPING_DESCRIPTION)


class ImportLimits(BaseModel):
    max_bytes: int = Field(description="An uploaded file, in bytes")
    max_rows: int = Field(description="Data rows in one file")
    max_body_bytes: int = Field(description="A CSV sent as the request body, in bytes")


class ColumnProblem(BaseModel):
    field: str | None = Field(description="The attendee field at fault; null for the row as a whole")
    column: str | None = Field(description="The file's header for that field")
    reason: str


class PreviewRow(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    values: dict[str, str | None] = Field(description="The row's attendee fields as they would be imported (as in the file when refused)")
    needs_first_name: bool = Field(description="Valid, but without a first name: imported only if the attendee exists already")
    problems: list[ColumnProblem] = Field(description="Why the import would refuse the row (empty: it would import)")


class PreviewWarning(BaseModel):
    code: str
    message: str
    column: str | None = None


class FieldChoice(BaseModel):
    field: str
    label: str


class ImportPreview(BaseModel):
    encoding: str = Field(description="How the file's text is encoded (utf-8, utf-8-sig, utf-16, cp1252)")
    delimiter: str
    header: list[str] = Field(description="The file's column headers, in order")
    mapping: dict[str, ImportField | None] = Field(description="Each header -> the field it would import into, null when left out")
    fields: list[FieldChoice] = Field(description="The fields a column can be mapped to")
    warnings: list[PreviewWarning] = Field(description="What the import job would warn about (columns it would leave out)")
    rows: list[PreviewRow] = Field(description="The first rows as they would import")
    limits: ImportLimits
