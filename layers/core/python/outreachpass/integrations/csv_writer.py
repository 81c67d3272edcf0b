"""CSV that is safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return / line feed, or
their full-width forms, which some spreadsheets fold to ASCII) is read as a formula by
Excel, LibreOffice and Google Sheets: a card name like `=HYPERLINK("https://evil", "x")`
or a user agent starting with `@SUM(...)` would run when an organiser opens the export
(CSV / formula injection, OWASP). Such text cells are prefixed with a single quote, which
the spreadsheet shows as plain text; leading spaces do not hide a formula either.

Only text is neutralised: numbers, booleans, dates and ids are written as themselves
(a negative number is a number, not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def safe_text(text: str) -> str:
    """The text, prefixed with ' when a spreadsheet would read it as a formula."""
    stripped = text.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def cell(value: Any, *, tz: tzinfo | None = None) -> str | int | float:
    """One value as a CSV cell: None -> empty, datetimes ISO 8601 (in tz), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz is not None else value).isoformat()
    return safe_text(str(value))


class CsvLines:
    """Rows to CSV text, one chunk at a time (RFC 4180 quoting, \\r\\n line ends)."""

    def __init__(self, *, tz: tzinfo | None = None):
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._tz = tz

    def header(self, names: Iterable[str]) -> str:
        return self._emit([safe_text(name) for name in names])

    def row(self, values: Iterable[Any]) -> str:
        return self._emit([cell(value, tz=self._tz) for value in values])

    def _emit(self, cells: list[Any]) -> str:
        self._writer.writerow(cells)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text
