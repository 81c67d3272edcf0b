"""POST /api/v1/admin/events/{event_id}/imports: start a CSV import of attendees.

Two ways in:
- no body, or JSON `{"filename": ..., "mapping": {...}}`: 202 with the job and a presigned PUT URL;
  uploading the file to it (up to 256 MiB, a million rows) starts the import (an S3 notification
  queues it);
- the CSV itself as the body (Content-Type text/csv, up to 1 MiB): 202 with the job, already
  queued; a column mapping goes in the `mapping` query parameter (JSON).
Either way, poll GET /api/v1/admin/jobs/{job_id} for the outcome.

The body is read here rather than declared as a model parameter: Powertools would parse any
body as JSON, and this route also takes CSV.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.errors import ValidationFailed
from outreachpass.models.envelope import Envelope
from outreachpass.models.imports import MAPPING_DESCRIPTION, ImportCreate
from outreachpass.models.jobs import JobStarted
from outreachpass.services.imports.mapping import check_mapping, parse_mapping
from outreachpass.services.imports.start import start_import
from outreachpass.services.imports.uploads import CSV_MEDIA_TYPES, MAX_BODY_BYTES

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/imports",
    status_code=202,
    description=(
        "Send no body (or JSON {\"filename\": ..., \"mapping\": ...}) to get a presigned upload URL for a CSV of up to "
        "256 MiB and 1,000,000 rows, or send the CSV itself (Content-Type: text/csv, up to 1 MiB). Columns: email, "
        "first_name, last_name, phone, org_name, title, linkedin_url in their common spellings, or any headers mapped "
        "to them. Poll the job (Location) for the outcome; its errors.csv lists every refused row."
    ),
)
def imports_create(
    event_id: UUID,
    mapping: Annotated[str | None, Query(max_length=2000, description=f"JSON object (up to 2,000 characters; a longer one goes in the JSON body). {MAPPING_DESCRIPTION}")] = None,
) -> Response[Envelope[JobStarted]]:
    event = router.current_event
    media_type = (event.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    body = decoded_body(event.raw_event)
    filename = event.headers.get("x-filename") or None
    columns = parse_mapping(mapping)
    csv_body: bytes | None = None
    if media_type in CSV_MEDIA_TYPES:
        csv_body = body
    elif body.strip():
        request = parse_json(body, ImportCreate)
        filename = request.filename or filename
        if request.mapping is not None:
            if columns is not None:
                raise ValidationFailed.field("mapping", "give the mapping in the body or in the query, not both")
            columns = check_mapping(request.mapping)
    if filename is not None and len(filename) > 255:
        raise ValidationFailed.field("filename", "at most 255 characters")
    started = start_import(current_principal(), event_id, csv_body=csv_body, filename=filename, mapping=columns)
    return ok(started, status=202, headers={"location": f"/api/v1/admin/jobs/{started['job']['job_id']}"})


handler = http_handler(
    router, roles=("admin", "user"), max_body_bytes=MAX_BODY_BYTES, accepts=("application/json", *CSV_MEDIA_TYPES)
)
