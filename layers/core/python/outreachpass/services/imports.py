"""CSV import of attendees: start a job (presigned upload, or the CSV in the request), then the
import worker streams the file from S3 into PostgreSQL in one transaction.

The upload -> queue link. A presigned PUT puts the file at `imports/{tenant}/{job}/upload.csv`
in the uploads bucket; S3 itself tells the imports queue (an ObjectCreated notification on
prefix `imports/`, suffix `upload.csv`: lambdas/routes.py UPLOAD_TRIGGERS; moto delivers it the
same way locally). A CSV sent in the request body is stored at `.../body.csv` (outside that
filter) and the route sends the queue message itself. The worker accepts both messages.

Idempotency. An import is one database transaction: COPY into a temp staging table, set-based
merge into attendees and cards, job counters, job finished, audit. A worker that dies mid-file
rolls all of it back and the redelivered message does the whole file again; a message for a
finished job is a no-op; two deliveries of one job never run at once (the job row is locked
NOWAIT, the second one is retried later and then finds the job finished). Re-importing the same
file changes nothing: existing attendees are matched on (event, lower(email)) and only written
when a value changes.

Row rules (the same as POST /events/{id}/attendees, so an attendee is valid either way): an
e-mail is required (it is the key that makes re-imports idempotent); a new attendee needs a
first name (an existing one keeps its own, so a file of e-mails and phone numbers updates
phones); lengths and formats as models/attendees.py. A blank cell keeps the attendee's current
value (an import never erases data). Rows with the same e-mail are merged in file order.

Counts (they add up to total): created = new attendees; updated = existing attendees changed;
skipped = valid rows that changed nothing (attendee already up to date, or merged into an
earlier row with the same e-mail); failed = invalid rows, each reported in `errors` with its
spreadsheet row number, column and reason (the first MAX_STORED_ERRORS of them).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import events as events_data
from outreachpass.data import imports as imports_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data import users as users_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ServiceUnavailable, Unprocessable, ValidationFailed
from outreachpass.integrations import queues, storage
from outreachpass.integrations.csv_reader import CsvFormatError, Row, human_size, open_csv
from outreachpass.observability import correlation_id, logger, metrics
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.cards import card_changed
from outreachpass.services.jobs import upload_expires_at

# --- limits, in one place ------------------------------------------------------------------------
MAX_FILE_BYTES = 20 * 1024 * 1024  # an uploaded file
MAX_ROWS = 200_000  # data rows per file
MAX_BODY_BYTES = 1024 * 1024  # a CSV sent in the request body
UPLOAD_EXPIRES_S = 15 * 60  # the presigned URL's life
IMPORT_STATEMENT_TIMEOUT_S = 300
IMPORT_IDLE_TIMEOUT_S = 120
MAX_STORED_ERRORS = jobs_data.MAX_STORED_ERRORS

QUEUE = "imports"
BUCKET = "uploads"
UPLOAD_FILE = "upload.csv"  # the name the S3 notification filter matches (routes.UPLOAD_TRIGGERS)
BODY_FILE = "body.csv"
CSV_MEDIA_TYPES = ("text/csv", "application/csv", "application/vnd.ms-excel", "text/plain")

# Field limits of models/attendees.py (AttendeeCreate); tests hold the two in agreement.
MAX_NAME = 100
MAX_TEXT = 200
MAX_EMAIL = 254
MAX_URL = 2083
PHONE = re.compile(r"^[0-9+()./\- ]{3,40}$")
_KEY = re.compile(r"^imports/(?P<tenant>[0-9a-f-]{36})/(?P<job>[0-9a-f-]{36})/(?P<file>upload|body)\.csv$")


def upload_key(tenant_id: UUID, job_id: UUID, source: str = "upload") -> str:
    return f"imports/{tenant_id}/{job_id}/{UPLOAD_FILE if source == 'upload' else BODY_FILE}"


def parse_key(key: str) -> tuple[UUID, UUID] | None:
    """(tenant_id, job_id) of an import object key, None for any other key."""
    return storage.tenant_and_job(_KEY, key)


# --- starting an import (the API) ----------------------------------------------------------------


def start_import(principal: Principal, event_id: UUID, *, csv_body: bytes | None, filename: str | None) -> dict[str, Any]:
    """Create the import job. Without a body: returns a presigned PUT for the file (the upload
    starts the import). With a body: stores it and queues the import at once."""
    if csv_body is not None:
        _check_body(csv_body)
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
            kind="import",
            event_id=event_id,
            job_input={
                "source": source,
                "filename": filename,
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
            jobs_data.finish(conn, principal.tenant_id, job["job_id"], status="failed", error=_job_error("IMPORT_NOT_QUEUED", "The import could not be queued; start it again"))
        raise ServiceUnavailable("The import could not be queued, please retry shortly") from exc
    log.info("import job queued", extra={"job_id": str(job["job_id"]), "event_id": str(event_id), "bytes": len(csv_body)})
    return {"job": job, "upload": None}


def _check_body(body: bytes) -> None:
    """A CSV in the request is refused at once when it could never import (the worker would fail
    the job with the same reason, but the caller is right here)."""
    if not body.strip():
        raise ValidationFailed.field("body", "the CSV is empty")
    try:
        open_csv([body], max_bytes=MAX_BODY_BYTES)
    except CsvFormatError as exc:
        raise Unprocessable(exc.message, code=exc.code) from None


# --- the worker ----------------------------------------------------------------------------------


class ImportBusy(Exception):
    """Another delivery of the same job holds it right now: retry this message later."""


def run_import(tenant_id: UUID, job_id: UUID, *, key: str | None = None, final_attempt: bool = False) -> dict[str, Any] | None:
    """Import the job's file. Returns the job as it ends, or None when the message named no import
    job of this tenant (logged, nothing to retry). Raises ImportBusy or an unexpected error to have
    the message retried; file problems fail the job instead (retrying would not help)."""
    log = logger()
    log.append_keys(tenant_id=str(tenant_id), job_id=str(job_id))
    with tenant_tx(tenant_id) as conn:
        job = _claim(conn, tenant_id, job_id)
        if job is None or job["status"] in ("succeeded", "failed"):
            return job
        expected = upload_key(tenant_id, job_id, (job["input"] or {}).get("source", "upload"))
        if key is not None and key != expected:
            log.warning("an object for this job under an unexpected key: ignored", extra={"key": key, "expected": expected})
            return None
        jobs_data.mark_running(conn, tenant_id, job_id)
    log.append_keys(request_correlation_id=(job["input"] or {}).get("correlation_id"))

    try:
        with tenant_tx(tenant_id) as conn:
            imports_data.prepare_transaction(conn, statement_timeout_s=IMPORT_STATEMENT_TIMEOUT_S, idle_timeout_s=IMPORT_IDLE_TIMEOUT_S)
            job = _claim(conn, tenant_id, job_id)
            if job is None or job["status"] in ("succeeded", "failed"):
                return job
            outcome = import_file(conn, job, expected)
            job = jobs_data.add_progress(conn, tenant_id, job_id, errors=outcome.errors, **outcome.counts())
            job = jobs_data.finish(conn, tenant_id, job_id, status="succeeded")
            record_change(
                conn,
                _requester(tenant_id, job),
                action="attendee.import",
                entity_type="event",
                entity_id=job["event_id"],
                before=None,
                after={"job_id": job_id, **outcome.counts(), "cards_changed": outcome.cards_changed},
            )
    except CsvFormatError as exc:
        log.info("import refused", extra={"code": exc.code, "reason": exc.message})
        return _fail(tenant_id, job_id, exc.code, exc.message)
    except (ImportBusy, psycopg.errors.LockNotAvailable):
        log.info("another delivery of this job is importing it; retrying later")
        raise ImportBusy(str(job_id)) from None
    except Exception:
        if final_attempt:
            log.exception("import failed on its last attempt: the job fails, the message goes to the DLQ")
            _fail(tenant_id, job_id, "IMPORT_FAILED", f"The import failed on our side; quote {correlation_id()} when reporting it")
        raise
    log.info(
        "import succeeded",
        extra={"counts": outcome.counts(), "bytes": outcome.bytes_read, "encoding": outcome.encoding, "seconds": outcome.seconds},
    )
    _metric("ImportedRows", outcome.total - outcome.failed)
    return job


def _claim(conn: psycopg.Connection, tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    try:
        job = imports_data.lock_job(conn, tenant_id, job_id)
    except psycopg.errors.LockNotAvailable:
        raise ImportBusy(str(job_id)) from None
    log = logger()
    if job is None:
        log.warning("no such job in this tenant: message ignored")
        return None
    if job["kind"] != "import":
        log.warning("not an import job: message ignored", extra={"kind": job["kind"]})
        return None
    if job["status"] in ("succeeded", "failed"):
        log.info("job already finished: duplicate message ignored", extra={"status": job["status"]})
    return job


def _fail(tenant_id: UUID, job_id: UUID, code: str, message: str) -> dict[str, Any] | None:
    """The job failed as a whole (nothing was imported); a job finished meanwhile keeps its outcome."""
    with tenant_tx(tenant_id) as conn:
        return jobs_data.finish(conn, tenant_id, job_id, status="failed", error=_job_error(code, message))


def _job_error(code: str, message: str) -> str:
    """jobs.error holds "CODE: message" (services/jobs.py splits it for the API)."""
    return f"{code}: {message}"


def _requester(tenant_id: UUID, job: dict[str, Any]) -> Principal:
    requested = (job["input"] or {}).get("requested_by") or {}
    return Principal(tenant_id=tenant_id, role=requested.get("role") or "admin", subject=requested.get("sub") or "import-worker")


def _metric(name: str, value: float) -> None:
    try:
        from aws_lambda_powertools.metrics import MetricUnit

        metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)
    except Exception:  # metrics are best effort (no namespace outside Lambda, ...)
        logger().debug("metric not recorded", extra={"metric": name})


@dataclass
class ImportOutcome:
    total: int = 0
    failed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    cards_changed: int = 0
    bytes_read: int = 0
    encoding: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, for the log

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "created": self.created, "updated": self.updated, "skipped": self.skipped, "failed": self.failed}

    def row_failed(self, row: int, problems: list[tuple[str | None, str]]) -> None:
        self.failed += 1
        for column, reason in problems:
            if len(self.errors) < MAX_STORED_ERRORS:
                self.errors.append({"row": row, "column": column, "reason": reason})


def import_file(conn: psycopg.Connection, job: dict[str, Any], key: str) -> ImportOutcome:
    """Stream the job's CSV from S3 into the event's attendees and cards, in `conn`'s transaction."""
    tenant_id, event_id = job["tenant_id"], job["event_id"]
    try:
        stored = storage.get_stream(BUCKET, key, max_bytes=MAX_FILE_BYTES)
    except storage.ObjectTooLarge as exc:
        raise CsvFormatError("FILE_TOO_LARGE", f"The file is {human_size(exc.size)}; the limit is {human_size(MAX_FILE_BYTES)}: split it into smaller files") from None
    except storage.ObjectNotFound:
        raise CsvFormatError("UPLOAD_MISSING", "The uploaded file is gone (uploads are kept for 14 days): start a new import") from None
    return import_csv(conn, tenant_id, event_id, stored.chunks(), max_bytes=MAX_FILE_BYTES)


def import_csv(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, chunks, *, max_bytes: int) -> ImportOutcome:
    """The import proper, for any byte stream (tests and the benchmark call it too)."""
    started = time.perf_counter()
    csv_file = open_csv(chunks, max_bytes=max_bytes)
    outcome = ImportOutcome(encoding=csv_file.encoding)
    imports_data.stage(conn)
    seen: set[str] = set()
    repeated: set[str] = set()  # e-mails of more than one row: only these need merging
    with imports_data.copy_rows(conn) as write:
        for row in csv_file.rows():
            outcome.total += 1
            if outcome.total > MAX_ROWS:
                raise CsvFormatError("FILE_TOO_MANY_ROWS", f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
            values, problems = validate_row(row)
            if problems:
                outcome.row_failed(row.number, problems)
                continue
            email = values[0]
            if email in seen:
                repeated.add(email)
            else:
                seen.add(email)
            write((row.number, *values))
    outcome.bytes_read = csv_file.bytes_read
    if outcome.total == 0:
        raise CsvFormatError("CSV_NO_ROWS", "The file has a header but no attendee rows")
    del seen
    copied = time.perf_counter()
    applied = imports_data.apply(conn, tenant_id, event_id, repeated_emails=repeated, error_limit=MAX_STORED_ERRORS)
    merged = time.perf_counter()
    if applied.nameless:
        outcome.failed += applied.nameless
        outcome.errors = sorted(
            outcome.errors + [{"row": row, "column": "first_name", "reason": "required for a new attendee"} for row in applied.nameless_rows],
            key=lambda error: error["row"],
        )[:MAX_STORED_ERRORS]
    for card_id in applied.changed_card_ids:
        card_changed(conn, tenant_id, {"card_id": card_id})
    outcome.created = applied.created
    outcome.updated = applied.updated
    outcome.skipped = applied.unchanged + applied.duplicates
    outcome.cards_changed = len(applied.changed_card_ids)
    done = time.perf_counter()
    outcome.seconds = {"read_validate_copy": round(copied - started, 3), "merge": round(merged - copied, 3), "cards_changed": round(done - merged, 3)}
    return outcome


# --- one row -------------------------------------------------------------------------------------

_EMAIL_FAST = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_RESERVED_TLDS = frozenset(("arpa", "invalid", "local", "localhost", "onion", "test"))  # email-validator refuses these
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# URLs pydantic's HttpUrl returns unchanged: lower-case host with a TLD, a path of plain segments
# (no dot segments, no escapes, no query). The common LinkedIn profile URL skips the parser.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SEGMENT = r"[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*"
_PLAIN_URL = re.compile(rf"https?://(?:{_LABEL}\.)+[a-z]{{2,63}}/(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?")
_url_adapter: Any = None


def normalize_email(value: str) -> str | None:
    """The lower-cased address, or None when it is not one. Plain ASCII addresses take a fast
    path (a strict subset of what email-validator accepts, as POST /attendees does); anything
    else goes to email-validator itself. tests/unit/test_csv_reader.py holds the two equal."""
    lowered = value.lower()
    if len(lowered) <= MAX_EMAIL and _EMAIL_FAST.fullmatch(lowered):
        local, _, domain = lowered.rpartition("@")
        if len(local) <= 64 and "--" not in domain and domain.rsplit(".", 1)[1] not in _RESERVED_TLDS:
            return lowered
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def normalize_url(value: str) -> str | None:
    """A web address as pydantic's HttpUrl renders it; "linkedin.com/in/x" gets https://."""
    global _url_adapter
    if _url_adapter is None:
        from pydantic import HttpUrl, TypeAdapter

        _url_adapter = TypeAdapter(HttpUrl)
    candidate = value if _HAS_SCHEME.match(value) else f"https://{value}"
    if len(candidate) <= MAX_URL and _PLAIN_URL.fullmatch(candidate) and "--" not in candidate.split("/", 3)[2]:
        return candidate
    try:
        return str(_url_adapter.validate_python(candidate))
    except ValueError:
        return None


def validate_row(row: Row) -> tuple[tuple[str | None, ...], list[tuple[str | None, str]]]:
    """The row's values normalized (COLUMNS order), and its problems as (column, reason)."""
    email, first_name, last_name, phone, org_name, title, linkedin = row.values
    problems: list[tuple[str | None, str]] = []
    if email is None:
        problems.append(("email", "required"))
    elif len(email) > MAX_EMAIL:
        problems.append(("email", f"too long ({len(email)} characters, at most {MAX_EMAIL})"))
    else:
        normalized = normalize_email(email)
        if normalized is None:
            problems.append(("email", f"not a valid e-mail address: '{_shown(email)}'"))
        email = normalized
    # A missing first name is only a problem for a new attendee: imports_data.apply checks it.
    for column, value, limit in (("first_name", first_name, MAX_NAME), ("last_name", last_name, MAX_NAME),
                                 ("org_name", org_name, MAX_TEXT), ("title", title, MAX_TEXT)):
        if value is not None and len(value) > limit:
            problems.append((column, f"too long ({len(value)} characters, at most {limit})"))
    if phone is not None and not PHONE.match(phone):
        reason = f"too long ({len(phone)} characters, at most 40)" if len(phone) > 40 else (
            f"not a phone number: '{_shown(phone)}' (digits, spaces and + ( ) . / - only)")
        problems.append(("phone", reason))
    if linkedin is not None:
        if len(linkedin) > MAX_URL:
            problems.append(("linkedin_url", f"too long ({len(linkedin)} characters, at most {MAX_URL})"))
        else:
            url = normalize_url(linkedin)
            if url is None:
                problems.append(("linkedin_url", f"not a web address: '{_shown(linkedin)}'"))
            linkedin = url
    if row.extra_cells:
        problems.append((None, f"the row has {row.extra_cells} more value(s) than the header has columns: "
                               "quote values that contain the delimiter"))
    return (email, first_name, last_name, phone, org_name, title, linkedin), problems


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
