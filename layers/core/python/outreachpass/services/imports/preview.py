"""What a file would import as, before any job exists: the console sends the first KBs of the file
(or all of a small one) and shows the detected columns and the first rows, with the problems
each would be refused for; the person adjusts the mapping and starts the import with it.

Nothing is stored. It reads the same way the import does (integrations/csv_reader, the same
row rules and repeated-e-mail rule), so what the preview shows is what the import does, except
what needs the event's attendees: a row without a first name is only refused for a new attendee,
which the import decides (`needs_first_name` says which rows that is for).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from outreachpass.data import events as events_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, Unprocessable
from outreachpass.integrations.csv_reader import COLUMNS, SNIFF_BYTES, CsvFormatError, detect_encoding, open_csv
from outreachpass.principal import Principal
from outreachpass.services.imports import mapping as column_mapping
from outreachpass.services.imports.rows import validate_row
from outreachpass.services.imports.uploads import limits

MAX_SAMPLE_BYTES = 64 * 1024
PREVIEW_ROWS = 20


def preview_import(
    principal: Principal,
    event_id: UUID,
    sample: bytes,
    *,
    mapping: Mapping[str, str | None] | None = None,
    partial: bool = False,
    rows: int = PREVIEW_ROWS,
) -> dict[str, Any]:
    """The file's dialect, its columns (header -> field), the warnings the job would carry and
    the first `rows` rows as they would import. `partial`: the sample is the beginning of a larger
    file, so its last line may be cut and is left out."""
    checked = column_mapping.check_mapping(mapping)
    with tenant_tx(principal.tenant_id) as conn:
        if events_data.get(conn, principal.tenant_id, event_id) is None:
            raise NotFound("event", event_id)
    if partial:
        sample = _whole_lines(sample)
    try:
        csv_file = open_csv([sample], max_bytes=MAX_SAMPLE_BYTES, mapping=checked)
        shown = _rows(csv_file, rows)
    except CsvFormatError as exc:
        raise Unprocessable(exc.message, code=exc.code) from None
    labels = {column: csv_file.label(column) for column in COLUMNS}
    return {
        "encoding": csv_file.encoding,
        "delimiter": csv_file.delimiter,
        "header": csv_file.header,
        "mapping": column_mapping.detected_mapping(csv_file),
        "fields": [{"field": name, "label": label} for name, label in column_mapping.FIELD_LABELS.items()],
        "warnings": column_mapping.warnings(csv_file),
        "rows": [
            {**entry, "problems": [{"field": f, "column": labels.get(f) if f else None, "reason": r} for f, r in entry["problems"]]}
            for entry in shown
        ],
        "limits": limits(),
    }


def _rows(csv_file: Any, limit: int) -> list[dict[str, Any]]:
    first_row_of: dict[str, int] = {}
    shown: list[dict[str, Any]] = []
    for row in csv_file.rows():
        if len(shown) >= limit:
            break
        values, problems = validate_row(row)
        if not problems:
            first = first_row_of.setdefault(str(values[0]), row.number)  # a valid row has its e-mail
            if first != row.number:
                problems = [("email", f"the same e-mail as row {first}: only the first row of an e-mail is imported")]
        shown.append({
            "row": row.number,
            "values": dict(zip(COLUMNS, values if not problems else row.values, strict=True)),
            "needs_first_name": not problems and values[1] is None,
            "problems": problems,
        })
    return shown


def _whole_lines(sample: bytes) -> bytes:
    """The sample without its last line, which a cut at a byte count may have split (a line
    break inside quotes is rare in a header and a few rows; a row cut there shows its problem)."""
    try:
        encoding = detect_encoding(sample[:SNIFF_BYTES])
    except CsvFormatError:
        return sample  # reading it says what is wrong
    if encoding in ("utf-16", "utf-32"):  # the BOM says which byte order
        little = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF32_LE))
        encoding = f"{encoding}-{'le' if little else 'be'}"
    newline = "\n".encode(encoding.replace("-sig", ""))
    end = sample.rfind(newline)
    return sample[: end + len(newline)] if end > 0 else sample
