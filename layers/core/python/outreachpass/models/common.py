"""Shared field types for request models."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

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
