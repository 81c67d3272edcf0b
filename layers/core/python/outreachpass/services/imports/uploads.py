"""Where an import's file lives and how large it may be (the limits the API documents)."""

from __future__ import annotations

import re
from uuid import UUID

from outreachpass.integrations import storage

MAX_FILE_BYTES = 256 * 1024 * 1024  # an uploaded file (a million rows of a typical export is ~130 MB)
MAX_ROWS = 1_000_000  # data rows per file
MAX_BODY_BYTES = 1024 * 1024  # a CSV sent in the request body
UPLOAD_EXPIRES_S = 15 * 60  # the presigned URL's life

QUEUE = "imports"
BUCKET = "uploads"
UPLOAD_FILE = "upload.csv"  # the name the S3 notification filter matches (routes.UPLOAD_TRIGGERS)
BODY_FILE = "body.csv"
CSV_MEDIA_TYPES = ("text/csv", "application/csv", "application/vnd.ms-excel", "text/plain")

_KEY = re.compile(r"^imports/(?P<tenant>[0-9a-f-]{36})/(?P<job>[0-9a-f-]{36})/(?P<file>upload|body)\.csv$")


def upload_key(tenant_id: UUID, job_id: UUID, source: str = "upload") -> str:
    return f"imports/{tenant_id}/{job_id}/{UPLOAD_FILE if source == 'upload' else BODY_FILE}"


def parse_key(key: str) -> tuple[UUID, UUID] | None:
    """(tenant_id, job_id) of an import object key, None for any other key."""
    return storage.tenant_and_job(_KEY, key)


def limits() -> dict[str, int]:
    return {"max_bytes": MAX_FILE_BYTES, "max_rows": MAX_ROWS, "max_body_bytes": MAX_BODY_BYTES}
