"""Shared field types for request models."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from outreachpass import sanitize

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class RequestModel(BaseModel):
    """Unknown fields are refused: a typo must not silently do nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone (e.g. Europe/Berlin)") from None
    if value not in _zones():
        raise ValueError("not an IANA time zone (e.g. Europe/Berlin)")
    return value


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


def _hostname(value: str) -> str:
    value = value.lower()
    if not HOSTNAME.match(value):
        raise ValueError("not a host name (e.g. cards.example.com)")
    return value


# What each pattern allows, in words: a validation error says this (the pattern itself goes to a
# separate `pattern` field of the error detail, for clients; people do not read regular expressions).
PATTERN_HINTS: dict[str, str] = {}


def described(pattern: str, allows: str) -> str:
    """Registers `allows` as the human wording of `pattern` and returns the pattern."""
    PATTERN_HINTS[pattern] = allows
    return pattern


# Text people type: a name or a label is one line without control characters (a CR or LF in an
# event's name used to break the mail header it became); free text may break lines. See sanitize.
SINGLE_LINE = described(sanitize.SINGLE_LINE, sanitize.SINGLE_LINE_RULE)
MULTI_LINE = described(sanitize.MULTI_LINE, "must not contain control characters (line breaks and tabs are fine)")


def one_line(max_length: int, min_length: int = 1) -> StringConstraints:
    """The constraints of a one-line text field (names, titles, labels): Annotated[str, one_line(200)]."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE)


Name = Annotated[str, one_line(200)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=described(SLUG_PATTERN, "use lower-case letters, digits and hyphens, starting with a letter or digit (e.g. summit-2027)"))]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_timezone)]
HostName = Annotated[str, StringConstraints(min_length=3, max_length=253), AfterValidator(_hostname)]
HexColour = Annotated[str, StringConstraints(pattern=described(HEX_COLOUR, "use a hex colour such as #0f766e"))]


def _lower(value: str) -> str:
    return value.lower()


def _email(value: str) -> str:
    from pydantic.networks import validate_email  # what EmailStr runs: email-validator, no deliverability check

    return validate_email(value)[1]


# pydantic's EmailStr (same check, error and JSON schema), except that email-validator is imported when the
# first address is validated, not when a model is built: its import compiles its regexes (about 40 ms of a
# cold start), which a function that never validates an address does not pay (make bench, issue 15).
Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]

# An e-mail address, validated and lower-cased (addresses are unique per tenant/event whatever their case).
LowerEmail = Annotated[Email, AfterValidator(_lower)]


def _staff_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        # test_environment: staff of test and staging tenants may use the reserved .test domain
        return validate_email(value, check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


# A staff (Cognito) account's address: validated, lower-cased; `.test` addresses are accepted.
StaffEmail = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_staff_email)]


# A BCP 47 language tag as the product stores it: language, optional script, optional region
# ("en", "de", "pt-BR", "zh-Hant-TW", "es-419"); written canonical whatever case it came in.
_LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")


def _language_tag(value: str) -> str:
    found = _LANGUAGE_TAG.match(value.strip())
    if not found:
        raise ValueError("not a language tag: use a BCP 47 tag such as en, de, pt-BR or zh-Hant-TW")
    language, script, region = found.groups()
    parts = [language.lower()]
    if script:
        parts.append(script.title())
    if region:
        parts.append(region.upper())
    return "-".join(parts)


LanguageTag = Annotated[str, StringConstraints(min_length=2, max_length=16), AfterValidator(_language_tag)]


MAX_BIO = 280
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _bio(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value):
        raise ValueError("no control characters (line breaks are fine)")
    return value


# A few words about a card's owner (the card page, the vCard's NOTE, the passes' back): at most 280
# characters, line breaks kept (CR LF and CR become LF), no other control characters.
Bio = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BIO), AfterValidator(_bio)]
