"""Text from outside (request headers, query strings, names), made safe to record and to put in
a header: the one place that says what a control character is (IP addresses: outreachpass.ipaddr).

PostgreSQL refuses NUL in text and jsonb (a NUL in a User-Agent used to fail the card page
with a 500); a CR or LF in a mail header makes the email package raise (a brand named with
a line break used to jam the whole send job). So:

* what a public route records (user agent, referrer, ?src=, ...) goes through `clean_text`:
  control characters become a space, the result is trimmed and cut to a length, never raised;
* what becomes a header (a subject, a From display name) goes through `clean_text` too;
* names that people type are refused at input when they hold one (models.common, with
  `SINGLE_LINE` and `MULTI_LINE`, the same characters as patterns).

Control characters: C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F), the Unicode line and
paragraph separators (U+2028, U+2029) and lone surrogates (which cannot be encoded as UTF-8).
"""

from __future__ import annotations

import re

_CONTROL_RUN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")

# The same characters as regular-expression patterns for validation (pydantic and JSON Schema
# syntax): one line without any; or text where line breaks and tabs are allowed.
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
SINGLE_LINE_RULE = "must be one line, without control characters"  # what a value breaking it is told
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def clean_text(value: object, max_length: int | None = None) -> str | None:
    """`value` as one line without control characters (each run becomes a space), trimmed and
    cut to max_length; None when nothing is left. Never raises."""
    if value is None:
        return None
    text = _CONTROL_RUN.sub(" ", value if isinstance(value, str) else str(value)).strip()
    if max_length is not None:
        text = text[:max_length].rstrip()
    return text or None


def has_control_characters(value: str) -> bool:
    return _CONTROL_RUN.search(value) is not None
