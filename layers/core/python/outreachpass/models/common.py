"""Shared field types for request models."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints

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


Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=SLUG_PATTERN)]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_timezone)]
HostName = Annotated[str, StringConstraints(min_length=3, max_length=253), AfterValidator(_hostname)]
HexColour = Annotated[str, StringConstraints(pattern=HEX_COLOUR)]


def _lower(value: str) -> str:
    return value.lower()


# An e-mail address, validated and lower-cased (addresses are unique per tenant/event whatever their case).
LowerEmail = Annotated[EmailStr, AfterValidator(_lower)]


def _staff_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        # test_environment: staff of test and staging tenants may use the reserved .test domain
        return validate_email(value, check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


# A staff (Cognito) account's address: validated, lower-cased; `.test` addresses are accepted.
StaffEmail = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_staff_email)]
