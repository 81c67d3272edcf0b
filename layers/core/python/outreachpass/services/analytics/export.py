"""The raw events behind a report, as CSV.

Rows stream from a server-side cursor into CSV text. Up to INLINE_MAX_BYTES the CSV is the
response itself; beyond that (API Gateway answers at most ~6 MB) the rest goes on into a
gzip file in /tmp, which is uploaded to the uploads bucket (prefix analytics-exports/,
expired by the bucket's lifecycle) and the caller gets a presigned download URL. Every
text cell is neutralised against formula injection (integrations/csv_writer.py). IP
addresses are never exported.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from outreachpass.config import settings
from outreachpass.data import analytics as analytics_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Unprocessable
from outreachpass.integrations.aws import client, presigner
from outreachpass.integrations.csv_writer import CsvLines
from outreachpass.observability import logger
from outreachpass.services.analytics.reports import check_event
from outreachpass.services.analytics.scope import Scope

REPORT_SOURCES = {
    "email": "email_events",
    "views": "card_view_events",
    "wallet": "wallet_pass_events",
    "exports": "contact_export_events",
}
INLINE_MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 1_000_000
EXPORT_BUCKET = "uploads"
EXPORT_PREFIX = "analytics-exports/"
LINK_EXPIRES = timedelta(minutes=15)


@dataclass
class CsvExport:
    filename: str
    rows: int
    text: str | None = None  # the CSV, when it fits in the response
    key: str | None = None  # else the S3 object
    download_url: str | None = None
    expires_at: datetime | None = None


def export_csv(scope: Scope, report: str, *, inline_max_bytes: int | None = None, max_rows: int | None = None) -> CsvExport:
    source = REPORT_SOURCES[report]
    inline_max_bytes = inline_max_bytes or INLINE_MAX_BYTES
    max_rows = max_rows or MAX_ROWS
    spill: Any = None
    rows = 0
    try:
        with tenant_tx(scope.tenant_id) as conn:
            scope = check_event(conn, scope)  # in the event's time zone unless one was asked for
            filename = f"outreachpass-{report}-{scope.start.astimezone(scope.tz):%Y%m%d}-{scope.end.astimezone(scope.tz):%Y%m%d}.csv"
            lines = CsvLines(tz=scope.tz)
            inline = io.StringIO()
            inline.write(lines.header(analytics_data.export_columns(source)))
            size = inline.tell()
            for row in analytics_data.export_rows(
                conn, scope.tenant_id, source, event_id=scope.event_id, start=scope.start, end=scope.end
            ):
                rows += 1
                if rows > max_rows:
                    raise Unprocessable(
                        f"The export has more than {max_rows:,} rows: narrow the range or choose an event",
                        code="EXPORT_TOO_LARGE",
                    )
                text = lines.row(row)
                if spill is None:
                    inline.write(text)
                    size += len(text)
                    if size > inline_max_bytes:
                        spill = _spill_file()
                        spill.write(inline.getvalue().encode("utf-8"))
                        inline = io.StringIO()
                else:
                    spill.write(text.encode("utf-8"))
        if spill is None:
            return CsvExport(filename=filename, rows=rows, text=inline.getvalue())
        return _upload(scope, report, filename, rows, spill)
    finally:
        if spill is not None:
            spill.close()


def _spill_file() -> Any:
    raw = tempfile.TemporaryFile(dir=os.environ.get("TMPDIR") or None)  # noqa: SIM115 (closed by the caller)
    return _GzipSpill(raw)


class _GzipSpill:
    """A gzip stream into a temporary file that can be rewound for the upload."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.gzip = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6)

    def write(self, data: bytes) -> None:
        self.gzip.write(data)

    def finish(self) -> Any:
        self.gzip.close()
        self.raw.seek(0)
        return self.raw

    def close(self) -> None:
        self.gzip.close()
        self.raw.close()


def _upload(scope: Scope, report: str, filename: str, rows: int, spill: _GzipSpill) -> CsvExport:
    key = f"{EXPORT_PREFIX}{scope.tenant_id}/{datetime.now(UTC):%Y/%m/%d}/{uuid.uuid4().hex}/{filename}.gz"
    bucket = settings().bucket(EXPORT_BUCKET)
    client("s3").upload_fileobj(
        spill.finish(),
        bucket,
        key,
        ExtraArgs={
            "ContentType": "text/csv; charset=utf-8",
            "ContentEncoding": "gzip",
            "ContentDisposition": f'attachment; filename="{filename}"',
        },
    )
    expires_at = (datetime.now(UTC) + LINK_EXPIRES).replace(microsecond=0)
    url = presigner().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(LINK_EXPIRES.total_seconds())
    )
    logger().info("analytics export uploaded", extra={"report": report, "rows": rows, "key": key})
    return CsvExport(filename=filename, rows=rows, key=key, download_url=url, expires_at=expires_at)
