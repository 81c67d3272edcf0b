"""The import proper: a CSV stream into an event's attendees and cards, inside the caller's one
transaction (the worker's; tests and the benchmark call it too).

Two threads share the work. This one reads and validates rows, CHUNK_ROWS at a time; a second
one COPYs each chunk into the staging table and applies it (data/imports.py) while this one reads
the next, so Python's work and PostgreSQL's overlap instead of adding up. Only the connection's
own thread uses it at a time: this thread hands a chunk over and touches the connection again
only once the last chunk is applied. At most two chunks are in memory, so a file of any size
streams in the same memory: the set of e-mails seen so far, which the repeated-e-mail rule needs,
is the database's (a temp table), not this process's (kept here, a million e-mails took ~400 MB
with the allocator's fragmentation).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from outreachpass.data import imports as imports_data
from outreachpass.data.conn import Conn
from outreachpass.data.jobs import MAX_STORED_ERRORS
from outreachpass.integrations.csv_reader import COLUMNS, CsvFile, CsvFormatError, open_csv
from outreachpass.services.cards import cards_changed
from outreachpass.services.imports import mapping as column_mapping
from outreachpass.services.imports.rows import validate_row

CHUNK_ROWS = 25_000
NAMELESS = "first_name"


@dataclass
class ImportOutcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    cards_changed: int = 0
    bytes_read: int = 0
    encoding: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_STORED_ERRORS, by row
    warnings: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # where the time went, for the log

    def counts(self) -> dict[str, int]:
        """The job's counters: total = succeeded + skipped + failed, succeeded = created + updated."""
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "succeeded": self.created + self.updated,
            "failed": self.failed,
        }


@dataclass
class _Chunk:
    staged: list[tuple[Any, ...]]  # imports_data.STAGED_COLUMNS rows
    errors: list[dict[str, Any]]  # this chunk's refused rows as the job shows them (up to the job's limit)


def import_csv(
    conn: Conn,
    tenant_id: UUID,
    event_id: UUID,
    chunks: Iterable[bytes],
    *,
    max_bytes: int,
    max_rows: int,
    job_id: UUID | None = None,
    mapping: Mapping[str, str | None] | None = None,
) -> ImportOutcome:
    """Import the CSV given as byte chunks; raises CsvFormatError for a file that cannot be
    imported at all (nothing is written then: the caller's transaction rolls back)."""
    started = time.perf_counter()
    csv_file = open_csv(chunks, max_bytes=max_bytes, mapping=mapping)
    outcome = ImportOutcome(encoding=csv_file.encoding, warnings=column_mapping.warnings(csv_file))
    known = imports_data.stage(conn, tenant_id, event_id)
    applier = _ChunkApplier(
        conn, tenant_id, event_id, job_id, _nameless(csv_file.label(NAMELESS)), (csv_file.label("email"), REPEATED), known, outcome
    )
    try:
        for chunk in _read_chunks(csv_file, outcome, max_rows=max_rows):
            applier.submit(chunk)
    finally:
        applier.close()
    outcome.bytes_read = csv_file.bytes_read
    if outcome.total == 0:
        raise CsvFormatError("CSV_NO_ROWS", "The file has a header but no attendee rows")
    imports_data.check_card_links(conn)
    outcome.seconds = {"total": round(time.perf_counter() - started, 3), "database": round(applier.busy_s, 3)}
    return outcome


def _read_chunks(csv_file: CsvFile, outcome: ImportOutcome, *, max_rows: int) -> Iterator[_Chunk]:
    """The file's rows validated, as staging rows, CHUNK_ROWS at a time (a repeated e-mail is the
    database's to find: the set of e-mails seen would be this process's largest object)."""
    labels = {column: csv_file.label(column) for column in COLUMNS}
    staged: list[tuple[Any, ...]] = []
    errors: list[dict[str, Any]] = []
    no_values = (None,) * len(COLUMNS)
    for row in csv_file.rows():
        outcome.total += 1
        if outcome.total > max_rows:
            raise CsvFormatError("FILE_TOO_MANY_ROWS", f"The file has more than {max_rows:,} rows: split it into smaller files")
        values, problems = validate_row(row)
        if problems:
            outcome.failed += 1
            for number, (column, reason) in enumerate(problems):
                label = labels.get(column) if column else None
                staged.append((row.number, *no_values, row.number * 16 + number, column, label, reason))
                errors.append({"row": row.number, "field": column, "column": label, "reason": reason})
        else:
            staged.append((row.number, *values, None, None, None, None))
        if len(staged) >= CHUNK_ROWS:
            yield _Chunk(staged, errors)
            staged, errors = [], []
    if staged:
        yield _Chunk(staged, errors)


REPEATED = "the same e-mail as row %s: only the first row of an e-mail is imported (merge the two rows, or give this one its own address)"


def _nameless(column: str | None) -> tuple[str | None, str]:
    """(column, reason) of a row refused for having no first name (checked against the event)."""
    if column:
        return column, f"required for a new attendee: the '{column}' cell is empty"
    return None, "required for a new attendee, and the file has no first name column: add one, or map a column to first_name"


class _ChunkApplier:
    """Applies chunks on a second thread, one at a time, in order; `submit` waits for the chunk
    before the one it hands over, so the reader is at most one chunk ahead."""

    def __init__(self, conn: Conn, tenant_id: UUID, event_id: UUID, job_id: UUID | None,
                 nameless: tuple[str | None, str], repeated: tuple[str | None, str], known: int, outcome: ImportOutcome):
        self._conn = conn
        self._tenant_id = tenant_id
        self._event_id = event_id
        self._job_id = job_id
        self._nameless = nameless
        self._repeated = repeated
        self._known = known
        self._millisecond = int(time.time() * 1000)
        self._new_so_far = 0  # new attendees of earlier chunks: their ids come first
        self._outcome = outcome
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-db")
        self._pending: Future[tuple[_Chunk, imports_data.ChunkResult]] | None = None
        self._first = True
        self.busy_s = 0.0

    def submit(self, chunk: _Chunk) -> None:
        self._wait()
        self._pending = self._pool.submit(self._apply, chunk)

    def close(self) -> None:
        """Wait for the chunk in flight (its error, if any, is raised unless another is already)."""
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)

    def _wait(self) -> None:
        """The chunk in flight applied, and counted here (on the reader's thread: the counters are its)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self._account(*pending.result())

    def _apply(self, chunk: _Chunk) -> tuple[_Chunk, imports_data.ChunkResult]:
        started = time.perf_counter()
        conn = self._conn
        if not self._first:
            imports_data.clear(conn)
        self._first = False
        with imports_data.copy_rows(conn) as write:
            for staged in chunk.staged:
                write(staged)
        result = imports_data.apply(conn, self._tenant_id, self._event_id, self._job_id, nameless=self._nameless, repeated=self._repeated, known=self._known,
                                    id_base=(self._millisecond, self._new_so_far))
        self._new_so_far += result.created
        cards_changed(conn, self._tenant_id, result.changed_card_ids)
        self.busy_s += time.perf_counter() - started
        return chunk, result

    def _account(self, chunk: _Chunk, result: imports_data.ChunkResult) -> None:
        outcome = self._outcome
        outcome.created += result.created
        outcome.updated += result.updated
        outcome.skipped += result.unchanged
        outcome.failed += len(result.nameless_rows) + len(result.repeated_rows)
        outcome.cards_changed += len(result.changed_card_ids)
        room = MAX_STORED_ERRORS - len(outcome.errors)
        if room <= 0:
            return
        errors = chunk.errors
        if result.nameless_rows or result.repeated_rows:
            column, reason = self._nameless
            refused = [{"row": row, "field": NAMELESS, "column": column, "reason": reason} for row in result.nameless_rows]
            column, template = self._repeated
            refused += [{"row": row, "field": "email", "column": column, "reason": template % first} for row, first in result.repeated_rows]
            errors = sorted(errors + refused, key=lambda error: error["row"])
        outcome.errors.extend(errors[:room])

