"""POST /api/v1/admin/events/{event_id}/imports/preview: what a CSV would import as, before any job.

The body is the beginning of the file (up to 64 KiB, Content-Type text/csv; `partial=true` when it
is only the beginning, so its last line may be cut), or all of a small file. The answer: the
file's encoding and delimiter, its headers and the field each would import into, the warnings
the job would carry, and the first rows as they would import with each row's problems. Send a
`mapping` (JSON, as for the import) to see the rows with other columns. Nothing is stored.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body
from outreachpass.errors import ValidationFailed
from outreachpass.models.envelope import Envelope
from outreachpass.models.imports import MAPPING_DESCRIPTION, ImportPreview
from outreachpass.services.imports.mapping import parse_mapping
from outreachpass.services.imports.preview import MAX_SAMPLE_BYTES, PREVIEW_ROWS, preview_import
from outreachpass.services.imports.uploads import CSV_MEDIA_TYPES

router = new_router()


@router.post(
    "/api/v1/admin/events/<event_id>/imports/preview",
    description=(
        "Send the first 64 KiB of a CSV (Content-Type: text/csv; partial=true when it is only the beginning) to see "
        "its detected columns, the field each would import into, and the first rows with their problems. "
        "Start the import with the mapping you settle on."
    ),
)
def imports_preview(
    event_id: UUID,
    mapping: Annotated[str | None, Query(max_length=2000, description=f"JSON object (up to 2,000 characters; a longer one goes in the JSON body). {MAPPING_DESCRIPTION}")] = None,
    partial: Annotated[bool, Query(description="The body is the beginning of a larger file: its last line is left out")] = False,
    rows: Annotated[int, Query(ge=1, le=100, description="How many rows to show")] = PREVIEW_ROWS,
) -> Response[Envelope[ImportPreview]]:
    sample = decoded_body(router.current_event.raw_event)
    if not sample.strip():
        raise ValidationFailed.field("body", "send the beginning of the CSV file: its header row and a few rows")
    columns = parse_mapping(mapping)
    return ok(preview_import(current_principal(), event_id, sample, mapping=columns, partial=partial, rows=rows))


handler = http_handler(router, roles=("admin", "user"), max_body_bytes=MAX_SAMPLE_BYTES, accepts=CSV_MEDIA_TYPES)
