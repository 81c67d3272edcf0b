"""POST /api/v1/admin/events/{event_id}/imports: start a CSV import of attendees.

Two ways in:
- no body, or JSON `{"filename": "..."}`: 202 with the job and a presigned PUT URL; uploading
  the file to it (up to 20 MiB) starts the import (an S3 notification queues it);
- the CSV itself as the body (Content-Type text/csv, up to 1 MiB): 202 with the job, already
  queued.
Either way, poll GET /api/v1/admin/jobs/{job_id} for the outcome.

The body is read here rather than declared as a model parameter: Powertools would parse any
body as JSON, and this route also takes CSV.
"""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.errors import ValidationFailed
from outreachpass.models.envelope import Envelope
from outreachpass.models.imports import ImportCreate, ImportStarted
from outreachpass.services.imports import CSV_MEDIA_TYPES, MAX_BODY_BYTES, MAX_FILE_BYTES, MAX_ROWS, start_import

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/imports",
    status_code=202,
    description=(
        "Send no body (or JSON {\"filename\": ...}) to get a presigned upload URL for a CSV of up to 20 MiB, "
        "or send the CSV itself (Content-Type: text/csv, up to 1 MiB). Columns: email, first_name, last_name, "
        "phone, org_name, title, linkedin_url (common spellings accepted). Poll the job for the outcome."
    ),
)
def imports_create(event_id: UUID) -> Response[Envelope[ImportStarted]]:
    event = router.current_event
    media_type = (event.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    body = decoded_body(event.raw_event)
    filename = event.headers.get("x-filename") or None
    csv_body: bytes | None = None
    if media_type in CSV_MEDIA_TYPES:
        csv_body = body
    elif body.strip():
        filename = parse_json(body, ImportCreate).filename or filename
    if filename is not None and len(filename) > 255:
        raise ValidationFailed.field("filename", "at most 255 characters")
    started = start_import(current_principal(), event_id, csv_body=csv_body, filename=filename)
    started["limits"] = {"max_bytes": MAX_FILE_BYTES, "max_rows": MAX_ROWS, "max_body_bytes": MAX_BODY_BYTES}
    return ok(started, status=202, headers={"location": f"/api/v1/admin/jobs/{started['job']['job_id']}"})


handler = http_handler(
    router, roles=("admin", "user"), max_body_bytes=MAX_BODY_BYTES, accepts=("application/json", *CSV_MEDIA_TYPES)
)
