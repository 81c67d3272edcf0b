"""vCard 3.0 writer (RFC 2426, with RFC 6350's clarified escaping and folding rules).

3.0 is what iOS Contacts and Android import most reliably. What this writer guarantees:
  * N and FN always present (3.0 requires both), N as family;given;;; ;
  * text values escaped: backslash, comma, semicolon, and newlines as \\n (structured values
    such as N and ORG escape each component, then join them with ';');
  * URI values (URL, UID) are not text-escaped (RFC 2426 §5: a uri value has no escapes), but
    parsers disagree on whether a comma in them separates values, so commas, semicolons and backslashes are
    percent-encoded (the same URI for any web server) and whitespace is removed;
  * PHOTO as an embedded base64 JPEG (ENCODING=b;TYPE=JPEG);
  * REV as a UTC timestamp (RFC 2426 §3.6.4 makes REV a date-time): the caller passes the
    moment the card's vcard_rev last changed; the counter itself travels as X-OUTREACHPASS-REV;
  * lines end in CRLF and are folded at 75 octets, never inside a UTF-8 character; a
    continuation line starts with one space;
  * control characters other than newlines are dropped.

Pure functions: no I/O, no settings.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
MEDIA_TYPE = "text/vcard; charset=utf-8"
PRODID = "-//OutreachPass//Digital Card//EN"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Link:
    url: str
    label: str | None = None  # shown by Apple Contacts (X-ABLabel); others ignore it


@dataclass(frozen=True)
class Contact:
    uid: str  # stable identity, e.g. urn:uuid:<card id>
    formatted_name: str
    family_name: str = ""
    given_name: str = ""
    org: str | None = None
    title: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    note: str | None = None
    photo_jpeg: bytes | None = None
    revised_at: datetime | None = None
    extensions: tuple[tuple[str, str], ...] = field(default=())  # ("X-NAME", "text value")


def escape_text(value: str) -> str:
    """A TEXT value: \\ , ; escaped, any newline as \\n, other control characters dropped."""
    value = _CONTROL.sub("", value.replace("\t", " "))
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return _NEWLINES.sub("\\\\n", value)


def structured(*components: str | None) -> str:
    """A structured value (N, ORG): each component escaped, joined with ';'."""
    return ";".join(escape_text(component or "") for component in components)


def clean_uri(value: str) -> str:
    value = re.sub(r"[\s\x00-\x1f\x7f]+", "", value)
    return value.replace("\\", "%5C").replace(",", "%2C").replace(";", "%3B")


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 6350 §3.2), never splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_LINE_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
            limit = MAX_LINE_OCTETS - 1  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def render(contact: Contact) -> str:
    """The vCard as text (CRLF line ends, folded); encode as UTF-8 to send it."""
    lines: list[str] = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:{PRODID}"]
    lines.append(f"N:{structured(contact.family_name, contact.given_name, '', '', '')}")
    lines.append(f"FN:{escape_text(contact.formatted_name)}")
    if contact.org:
        lines.append(f"ORG:{structured(contact.org)}")
    if contact.title:
        lines.append(f"TITLE:{escape_text(contact.title)}")
    lines.extend(f"EMAIL;TYPE=INTERNET:{escape_text(email)}" for email in contact.emails if email)
    lines.extend(f"TEL;TYPE=CELL:{escape_text(phone)}" for phone in contact.phones if phone)
    lines.extend(_links(contact.links))
    if contact.note:
        lines.append(f"NOTE:{escape_text(contact.note)}")
    if contact.photo_jpeg:
        lines.append("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.b64encode(contact.photo_jpeg).decode("ascii"))
    if contact.revised_at is not None:
        lines.append(f"REV:{contact.revised_at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append(f"UID:{clean_uri(contact.uid)}")
    for name, value in contact.extensions:
        lines.append(f"{name}:{escape_text(value)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + CRLF for line in lines)


def _links(links: Iterable[Link]) -> list[str]:
    out: list[str] = []
    for index, link in enumerate((link for link in links if clean_uri(link.url)), start=1):
        if link.label:
            out.append(f"item{index}.URL:{clean_uri(link.url)}")
            out.append(f"item{index}.X-ABLabel:{escape_text(link.label)}")
        else:
            out.append(f"URL:{clean_uri(link.url)}")
    return out


def filename_for(name: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 original) file names for Content-Disposition, both ending in .vcf."""
    original = re.sub(r"[\x00-\x1f\x7f/\\\"<>:|?*]+", "", name).strip().strip(".") or "contact"
    ascii_name = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or "contact"
    return f"{ascii_name[:80]}.vcf", f"{original[:80]}.vcf"


def content_disposition(name: str) -> str:
    """attachment; filename="Ada-Lovelace.vcf"; filename*=UTF-8''Ada%20Lovelace.vcf (RFC 6266)."""
    ascii_name, utf8_name = filename_for(name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"
