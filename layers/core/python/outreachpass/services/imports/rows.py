"""One CSV row's rules, the same as POST /events/{id}/attendees (models/attendees.py), so an
attendee is valid whichever way it came in; tests hold the two in agreement.

An e-mail is required (it is the key that makes re-imports idempotent); lengths and formats as
the attendee model. A missing first name is only a problem for a new attendee (an existing one
keeps its own): the importer checks that against the database. Messages say what is wrong
with the value and what would be right, never a pattern.
"""

from __future__ import annotations

import re
from typing import Any

from outreachpass.integrations.csv_reader import Row
from outreachpass.sanitize import SINGLE_LINE, SINGLE_LINE_RULE

MAX_NAME = 100
MAX_TEXT = 200
MAX_EMAIL = 254
MAX_URL = 2083
PHONE = re.compile(r"^[0-9+()./\- ]{3,40}$")
_ONE_LINE = re.compile(SINGLE_LINE)  # the API's rule for names and labels (models.common.one_line)

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
        elif value is not None and not _ONE_LINE.fullmatch(value):
            problems.append((column, SINGLE_LINE_RULE))
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
