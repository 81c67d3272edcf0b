"""Starting an import (the API side): an `import` job with a presigned upload, or the CSV sent in
the request stored and queued at once. The job-starting routes all answer the same shape:
{"job", "upload"} (models/jobs.JobStarted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from uuid import UUID

from outreachpass.data import events as events_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data import users as users_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ServiceUnavailable, Unprocessable, ValidationFailed
from outreachpass.integrations import queues, storage
from outreachpass.integrations.csv_reader import CsvFormatError, open_csv
from outreachpass.observability import correlation_id, logger
from outreachpass.principal import Principal
from outreachpass.services.imports.mapping import check_mapping
from outreachpass.services.imports.uploads import (
    BUCKET,
    MAX_BODY_BYTES,
    MAX_FILE_BYTES,
    QUEUE,
    UPLOAD_EXPIRES_S,
    upload_key,
)
from outreachpass.services.job_runs import job_error
from outreachpass.services.jobs import upload_expires_at

KIND = "import"


def start_import(
    principal: Principal,
    event_id: UUID,
    *,
    csv_body: bytes | None,
    filename: str | None,
    mapping: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """Create the import job. Without a body: returns a presigned PUT for the file (the upload
    starts the import). With a body: stores it and queues the import at once."""
    checked_mapping = check_mapping(mapping)
    if csv_body is not None:
        _check_body(csv_body, checked_mapping)
    source = "upload" if csv_body is None else "body"
    with tenant_tx(principal.tenant_id) as conn:
        event = events_data.get(conn, principal.tenant_id, event_id)
        if event is None:
            raise NotFound("event", event_id)
        if event["status"] == "archived":
            raise Unprocessable(f"Event {event_id} is archived: attendees cannot be imported into it", code="EVENT_ARCHIVED")
        job = jobs_data.insert(
            conn,
            principal.tenant_id,
            kind=KIND,
            event_id=event_id,
            job_input={
                "source": source,
                "filename": filename,
                **({"mapping": checked_mapping} if checked_mapping is not None else {}),
                **({"upload_expires_at": upload_expires_at(UPLOAD_EXPIRES_S)} if source == "upload" else {}),
                "requested_by": {"sub": principal.subject, "role": principal.role},
                "correlation_id": correlation_id(),
            },
            created_by=users_data.user_id_for_subject(conn, principal.tenant_id, principal.subject),
        )
    key = upload_key(principal.tenant_id, job["job_id"], source)
    log = logger()
    if csv_body is None:
        upload = storage.presign_put(BUCKET, key, expires_s=UPLOAD_EXPIRES_S)
        log.info("import job created, waiting for the upload", extra={"job_id": str(job["job_id"]), "event_id": str(event_id)})
        # The content type is not signed (Windows browsers label .csv application/vnd.ms-excel);
        # the header is a recommendation for clients that would otherwise send a form type.
        return {"job": job, "upload": {**asdict(upload), "max_bytes": MAX_FILE_BYTES, "headers": {"content-type": "text/csv"}}}
    try:
        storage.put_bytes(BUCKET, key, csv_body, content_type="text/csv")
        queues.send(QUEUE, {"type": "import", "tenant_id": principal.tenant_id, "job_id": job["job_id"]})
    except Exception as exc:
        log.exception("could not queue the import", extra={"job_id": str(job["job_id"])})
        with tenant_tx(principal.tenant_id) as conn:
            job_id = job["job_id"]
            jobs_data.finish(conn, principal.tenant_id, job_id, status="failed", error=job_error("IMPORT_NOT_QUEUED", "The import could not be queued; start it again"))
        raise ServiceUnavailable("The import could not be queued, please retry shortly") from exc
    log.info("import job queued", extra={"job_id": str(job["job_id"]), "event_id": str(event_id), "bytes": len(csv_body)})
    return {"job": job, "upload": None}


def _check_body(body: bytes, mapping: Mapping[str, str | None] | None) -> None:
    """A CSV in the request is refused at once when it could never import (the worker would fail
    the job with the same reason, but the caller is right here)."""
    if not body.strip():
        raise ValidationFailed.field("body", "the CSV is empty: send a header row and at least one attendee")
    try:
        open_csv([body], max_bytes=MAX_BODY_BYTES, mapping=mapping)
    except CsvFormatError as exc:
        raise Unprocessable(exc.message, code=exc.code) from None
