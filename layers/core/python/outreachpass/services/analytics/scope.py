"""The scope of a report: the caller's tenant, an optional event, and a validated [from, to) in
an IANA time zone (ISO 8601 instants with an offset, or local dates)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from outreachpass.errors import ValidationFailed
from outreachpass.models.common import TimeZoneName
from outreachpass.principal import Principal
from outreachpass.services.analytics.buckets import DAY, local_midnight

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=400)
MAX_HOURLY_RANGE = timedelta(days=31)
MIN_YEAR, MAX_YEAR = 1971, 9998

_TZ = TypeAdapter(TimeZoneName)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "+05:30" arrives as " 05:30" when a client forgets to encode "+" in the query string
_SPACE_OFFSET = re.compile(r"^(.*\d)\s(\d{2}(?::?\d{2})?)$")


@dataclass(frozen=True)
class Scope:
    tenant_id: UUID
    event_id: UUID | None
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    tz: ZoneInfo
    # No `tz` was asked for: with an event, its time zone applies (reports.check_event), and the
    # range is resolved again in it (a date means that day in the event's zone).
    tz_defaulted: bool = False
    inputs: tuple[str | None, str | None, datetime, timedelta, str] | None = None

    def in_zone(self, zone: ZoneInfo) -> Scope:
        """The same request resolved in `zone` (only for a scope whose zone was defaulted)."""
        if not self.tz_defaulted or self.inputs is None or zone.key == self.tz.key:
            return self
        start, end, now, max_range, max_range_field = self.inputs
        return _scope(self.tenant_id, self.event_id, start, end, zone, now, max_range, max_range_field, tz_defaulted=False)

    def describe(self, archived_before: datetime | None = None) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "from": self.start.astimezone(self.tz),
            "to": self.end.astimezone(self.tz),
            "tz": self.tz.key,
            "archived_before": archived_before,
        }


def resolve_scope(
    principal: Principal,
    *,
    event_id: UUID | None,
    start: str | None,
    end: str | None,
    tz: str | None,
    now: datetime | None = None,
    max_range: timedelta = MAX_RANGE,
    max_range_field: str = "from",
) -> Scope:
    """Validated range: `from`/`to` are ISO 8601 instants with an offset (or Z), or dates
    (`from` = that day's start, `to` = the end of that day, in `tz`); defaults: the last
    30 days up to now. 400 for a bad time zone, an instant without offset, to <= from, or a
    range over the limit."""
    zone = parse_time_zone(tz)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return _scope(principal.tenant_id, event_id, start, end, zone, now, max_range, max_range_field, tz_defaulted=not tz)


def _scope(
    tenant_id: UUID, event_id: UUID | None, start: str | None, end: str | None, zone: ZoneInfo, now: datetime,
    max_range: timedelta, max_range_field: str, *, tz_defaulted: bool,
) -> Scope:
    given_start = parse_instant(start, "from", zone) if start else None
    end_at = parse_instant(end, "to", zone, end_of_day=True) if end else now
    start_at = given_start if given_start is not None else end_at - DEFAULT_RANGE
    if end_at <= start_at:
        raise ValidationFailed.field("to", "must be after from")
    if end_at - start_at > max_range:
        raise ValidationFailed.field(
            max_range_field, f"the range is {_days(end_at - start_at)} days; the limit is {max_range.days} days"
        )
    return Scope(tenant_id=tenant_id, event_id=event_id, start=start_at, end=end_at, tz=zone,
                 tz_defaulted=tz_defaulted, inputs=(start, end, now, max_range, max_range_field))


def parse_time_zone(value: str | None) -> ZoneInfo:
    if value is None or value == "":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(_TZ.validate_python(value))
    except ValidationError:
        raise ValidationFailed.field("tz", "not an IANA time zone (e.g. Europe/Berlin, Asia/Kolkata)") from None


def parse_instant(value: str, field: str, zone: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    text = value.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed.field(field, "not a valid date") from None
        if not (MIN_YEAR <= day.year <= MAX_YEAR):
            raise ValidationFailed.field(field, f"must be between {MIN_YEAR} and {MAX_YEAR}")
        if end_of_day:
            day += DAY
        return local_midnight(day, zone).astimezone(UTC)
    spaced = _SPACE_OFFSET.match(text)
    if spaced and "T" in text:
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field(field, "not an ISO 8601 date-time (e.g. 2025-03-01T00:00:00+01:00)") from None
    if parsed.tzinfo is None:
        raise ValidationFailed.field(field, "needs a UTC offset (e.g. +01:00 or Z; encode + as %2B in a URL)")
    if not (MIN_YEAR <= parsed.year <= MAX_YEAR):  # checked before converting: year 1 at +01:00 overflows
        raise ValidationFailed.field(field, f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return parsed.astimezone(UTC)


def _days(span: timedelta) -> str:
    return f"{span / DAY:.1f}".removesuffix(".0")
