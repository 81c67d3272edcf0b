"""Engagement reports of a tenant or one of its events, over [from, to), bucketed in a time zone.

Numbers (every count excludes bots unless it says so):
* e-mail: events of each type; `unique` = distinct messages with such an event in the
  range; opens and clicks classified `machine` (privacy proxies, link scanners) are the
  `bots`, `raw_total` = total + bots; opens and clicks SES reports itself are duplicates of
  ours and never counted;
* card views: views not from a bot; `unique` = the views V0200 marks unique (first view of
  a card by a visitor session in 30 minutes);
* wallet and contact exports: events not from a bot, by platform / event type / export type.

How they stay fast: the range is split (Cover) into whole UTC days that lie inside one
bucket (scan_daily), whole UTC hours that do (analytics_hourly), and the rest (edges, and
the hours a half-hour time zone splits) which is read raw; the rows not rolled up yet are
added (data/analytics.py). A local day in Asia/Kolkata starts at 18:30 UTC: its buckets
are 23 rollup hours plus two raw half hours, never a UTC day cut in two.

Distinct counts (unique messages) cannot be added up from rollups: they come from the raw
rows, so they stop where the retention job archived raw rows (`scope.archived_before`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from pydantic import TypeAdapter, ValidationError

from outreachpass.data import analytics as analytics_data
from outreachpass.data.analytics import Cover
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ValidationFailed
from outreachpass.models.common import TimeZoneName
from outreachpass.principal import Principal

Interval = Literal["hour", "day", "week"]

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=400)
MAX_HOURLY_RANGE = timedelta(days=31)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_YEAR, MAX_YEAR = 1971, 9998

EMAIL_STAGES = ("sent", "delivered", "opened", "clicked", "bounced", "complained")
VIEW_SOURCES = ("qr_scan", "direct_link", "email_link", "share")
VIEW_DEVICES = ("mobile", "desktop", "tablet", "unknown")
WALLET_PLATFORMS = ("apple", "google")
WALLET_EVENTS = ("generated", "downloaded", "added", "removed", "updated", "email_clicked")
EXPORT_TYPES = ("vcard_download", "add_to_contacts", "copy_email", "share")
EMAIL_TYPES = ("sent", "delivered", "delayed", "opened", "clicked", "bounced", "complained", "rejected", "failed")

# Metrics a time series can show. Additive ones come from the rollups; *_unique e-mail
# metrics are distinct messages per bucket, from the raw rows.
ADDITIVE_METRICS: tuple[str, ...] = (
    *(f"emails_{t}" for t in EMAIL_TYPES),
    *(f"emails_{t}_bot" for t in EMAIL_TYPES),
    "card_views", "card_views_unique", "card_views_bot",
    *(f"wallet_{t}" for t in WALLET_EVENTS),
    *(f"wallet_{t}_bot" for t in WALLET_EVENTS),
    "contact_exports", "contact_exports_bot",
)
DISTINCT_METRICS: dict[str, str] = {f"emails_{t}_unique": t for t in EMAIL_STAGES}
METRICS: tuple[str, ...] = tuple(sorted((*ADDITIVE_METRICS, *DISTINCT_METRICS)))

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
    # No `tz` was asked for: with an event, its time zone applies (see check_event), and the
    # range is resolved again in it (a date means that day in the event's zone).
    tz_defaulted: bool = False
    inputs: tuple[str | None, str | None, datetime | None, timedelta, str] | None = None

    def describe(self, archived_before: datetime | None = None) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "from": self.start.astimezone(self.tz),
            "to": self.end.astimezone(self.tz),
            "tz": self.tz.key,
            "archived_before": archived_before,
        }


# --- input ------------------------------------------------------------------------------------


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
    return _scope(principal.tenant_id, event_id, start, end, zone, now, max_range, max_range_field,
                  tz_defaulted=not tz)


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


def parse_metric(value: str) -> str:
    if value not in METRICS:
        raise ValidationFailed.field("metric", f"unknown metric '{value[:64]}'; one of: {', '.join(METRICS)}")
    return value


def _days(span: timedelta) -> str:
    return f"{span / DAY:.1f}".removesuffix(".0")


# --- buckets and covers ------------------------------------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day. Where midnight does not exist (a DST gap at 00:00),
    fold=0 reads it with the offset before the gap, which is the instant the day begins."""
    return datetime.combine(day, time(0), tzinfo=zone)


def bucket_bounds(start: datetime, end: datetime, interval: Interval, zone: ZoneInfo) -> tuple[list[datetime], list[datetime]]:
    """The boundaries of the local buckets over [start, end) ([start, b1, ..., end], UTC) and each
    bucket's label: the local start of its hour / day / ISO week (the first may precede start)."""
    inner: list[datetime] = []
    if interval == "hour":
        labels = [_local_hour_start(start, zone)]
        step = timedelta(minutes=15)
        t = EPOCH + ((start - EPOCH) // step + 1) * step
        while t < end:
            local = t.astimezone(zone)
            if local.minute == 0 and local.second == 0:
                inner.append(t)
                labels.append(local)
            t += step
    else:
        first_day = start.astimezone(zone).date()
        if interval == "week":
            first_day -= timedelta(days=first_day.weekday())
        labels = [local_midnight(first_day, zone)]
        step_days = 7 if interval == "week" else 1
        day = first_day + timedelta(days=step_days)
        while True:
            boundary = local_midnight(day, zone)
            if boundary >= end:
                break
            if boundary > start:
                inner.append(boundary.astimezone(UTC))
                labels.append(boundary)
            day += timedelta(days=step_days)
    return [start, *inner, end], labels


def _local_hour_start(instant: datetime, zone: ZoneInfo) -> datetime:
    local = instant.astimezone(zone)
    return (instant - timedelta(minutes=local.minute, seconds=local.second, microseconds=local.microsecond)).astimezone(zone)


def cover(bounds: list[datetime], *, hours: bool) -> Cover:
    """Split [bounds[0], bounds[-1]) into rollup days, rollup hours (when `hours`) and raw parts,
    each rollup unit inside a single bucket."""
    days: list[tuple[datetime, datetime]] = []
    hrs: list[tuple[datetime, datetime]] = []
    raw: list[tuple[datetime, datetime]] = []
    for lo, hi in pairwise(bounds):
        d0, d1 = _ceil(lo, DAY), _floor(hi, DAY)
        rest = [(lo, d0), (d1, hi)] if d0 < d1 else [(lo, hi)]
        if d0 < d1:
            days.append((d0, d1))
        for a, b in rest:
            if a >= b:
                continue
            h0, h1 = _ceil(a, HOUR), _floor(b, HOUR)
            if hours and h0 < h1:
                hrs.append((h0, h1))
                raw.extend(piece for piece in ((a, h0), (h1, b)) if piece[0] < piece[1])
            else:
                raw.append((a, b))
    return Cover(
        bounds=bounds,
        days=[(lo.date(), hi.date()) for lo, hi in _merge(days)],
        hours=_merge(hrs),
        raw=_merge(raw),
    )


def _floor(t: datetime, unit: timedelta) -> datetime:
    return EPOCH + ((t - EPOCH) // unit) * unit


def _ceil(t: datetime, unit: timedelta) -> datetime:
    floor = _floor(t, unit)
    return floor if floor == t else floor + unit


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(intervals):
        if merged and merged[-1][1] >= lo:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


# --- reading ----------------------------------------------------------------------------------


class Cells:
    """Counts by (bucket, metric, dimension, value); bucket 1..n, 0 = all buckets."""

    def __init__(self, rows: Iterable[dict[str, Any]] = ()):
        self._cells: dict[tuple[int, str, str, str], int] = defaultdict(int)
        for row in rows:
            self.add(row["b"], row["metric"], row["dimension"], row["dimension_value"], row["n"])

    def add(self, bucket: int, metric: str, dimension: str, value: str, n: int) -> None:
        self._cells[(bucket, metric, dimension, value)] += n
        self._cells[(0, metric, dimension, value)] += n

    def get(self, metric: str, dimension: str = "", value: str = "", *, bucket: int = 0) -> int:
        return self._cells.get((bucket, metric, dimension, value), 0)

    def values(self, metric: str, dimension: str) -> dict[str, int]:
        return {v: n for (b, m, d, v), n in self._cells.items() if b == 0 and m == metric and d == dimension and n}


def _read(
    conn, scope: Scope, metrics: Iterable[str], *, dimensions: bool, bounds: list[datetime] | None = None
) -> Cells:
    plan = cover(bounds or [scope.start, scope.end], hours=not dimensions)
    return Cells(
        analytics_data.counts(
            conn, scope.tenant_id, event_id=scope.event_id, cover=plan, metrics=list(metrics), breakdowns=dimensions
        )
    )


def check_event(conn: psycopg.Connection, scope: Scope) -> Scope:
    """404 for an event of the scope that does not exist; returns the scope to report on: in the
    event's time zone when the caller named none (an organiser reads an event's days as they
    were lived there)."""
    if scope.event_id is None:
        return scope
    zone_name = analytics_data.event_time_zone(conn, scope.tenant_id, scope.event_id)
    if zone_name is None:
        raise NotFound("event", scope.event_id)
    if not scope.tz_defaulted or scope.inputs is None or zone_name == scope.tz.key:
        return scope
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):  # stored before zones were validated: keep UTC
        return scope
    start, end, now, max_range, max_range_field = scope.inputs
    return _scope(scope.tenant_id, scope.event_id, start, end, zone, now or datetime.now(UTC), max_range, max_range_field,
                  tz_defaulted=False)


def _breakdown(values: dict[str, int], fixed: Iterable[str] = ()) -> list[dict[str, Any]]:
    merged = {key: 0 for key in fixed}
    merged.update(values)
    return [{"value": key, "count": count} for key, count in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]


# --- the reports ------------------------------------------------------------------------------


def overview(scope: Scope) -> dict[str, Any]:
    metrics = ["emails_sent", "emails_delivered", "emails_opened", "emails_clicked", "card_views",
               "card_views_unique", "wallet_added", "contact_exports"]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        totals = analytics_data.scope_totals(conn, scope.tenant_id, scope.event_id)
        cells = _read(conn, scope, metrics, dimensions=True)
    wallet = {platform: cells.get("wallet_added", "platform", platform) for platform in WALLET_PLATFORMS}
    return {
        "scope": scope.describe(),
        "cards": totals["cards"],
        "attendees": totals["attendees"],
        "emails": {stage: cells.get(f"emails_{stage}") for stage in ("sent", "delivered", "opened", "clicked")},
        "card_views": cells.get("card_views"),
        "unique_viewers": cells.get("card_views_unique"),
        "wallet_added": {**wallet, "total": cells.get("wallet_added")},
        "contact_exports": cells.get("contact_exports"),
    }


def email_funnel(scope: Scope) -> dict[str, Any]:
    metrics = [f"emails_{stage}{suffix}" for stage in EMAIL_STAGES for suffix in ("", "_bot")]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, metrics, dimensions=False)
        distinct = analytics_data.distinct_messages(
            conn, scope.tenant_id, event_id=scope.event_id, bounds=[scope.start, scope.end], event_types=EMAIL_STAGES
        )
        archived = analytics_data.archived_before(conn, scope.tenant_id)
    unique = {row["event_type"]: row["n"] for row in distinct}
    stages = []
    for stage in EMAIL_STAGES:
        total, bots = cells.get(f"emails_{stage}"), cells.get(f"emails_{stage}_bot")
        stages.append({"stage": stage, "total": total, "unique": unique.get(stage, 0), "bots": bots, "raw_total": total + bots})
    by_stage = {s["stage"]: s["unique"] for s in stages}
    return {
        "scope": scope.describe(archived),
        "stages": stages,
        "rates": {
            "delivery_rate": _rate(by_stage["delivered"], by_stage["sent"]),
            "open_rate": _rate(by_stage["opened"], by_stage["delivered"]),
            "click_rate": _rate(by_stage["clicked"], by_stage["delivered"]),
            "click_to_open_rate": _rate(by_stage["clicked"], by_stage["opened"]),
            "bounce_rate": _rate(by_stage["bounced"], by_stage["sent"]),
            "complaint_rate": _rate(by_stage["complained"], by_stage["delivered"]),
        },
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def views(scope: Scope) -> dict[str, Any]:
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, ["card_views", "card_views_unique", "card_views_bot"], dimensions=True)
    total, bots = cells.get("card_views"), cells.get("card_views_bot")
    return {
        "scope": scope.describe(),
        "total": total,
        "unique": cells.get("card_views_unique"),
        "bots": bots,
        "raw_total": total + bots,
        "by_source": _breakdown(cells.values("card_views", "source"), VIEW_SOURCES),
        "by_device": _breakdown(cells.values("card_views", "device"), VIEW_DEVICES),
        "by_browser": _breakdown(cells.values("card_views", "browser")),
        "by_os": _breakdown(cells.values("card_views", "os")),
    }


def wallet(scope: Scope) -> dict[str, Any]:
    metrics = [f"wallet_{t}{suffix}" for t in WALLET_EVENTS for suffix in ("", "_bot")]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, metrics, dimensions=True)
    return {
        "scope": scope.describe(),
        "by_platform": {
            platform: {t: cells.get(f"wallet_{t}", "platform", platform) for t in WALLET_EVENTS} for platform in WALLET_PLATFORMS
        },
        "totals": {t: cells.get(f"wallet_{t}") for t in WALLET_EVENTS},
        "bots": sum(cells.get(f"wallet_{t}_bot") for t in WALLET_EVENTS),
    }


def exports(scope: Scope) -> dict[str, Any]:
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, ["contact_exports", "contact_exports_bot"], dimensions=True)
    total, bots = cells.get("contact_exports"), cells.get("contact_exports_bot")
    return {
        "scope": scope.describe(),
        "total": total,
        "by_type": {t: cells.get("contact_exports", "type", t) for t in EXPORT_TYPES},
        "bots": bots,
        "raw_total": total + bots,
    }


def timeseries(scope: Scope, metric: str, interval: Interval) -> dict[str, Any]:
    if interval == "hour" and scope.end - scope.start > MAX_HOURLY_RANGE:
        raise ValidationFailed.field(
            "interval", f"hourly series cover at most {MAX_HOURLY_RANGE.days} days; ask for interval=day or a shorter range"
        )
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        bounds, labels = bucket_bounds(scope.start, scope.end, interval, scope.tz)
        archived = None
        if metric in DISTINCT_METRICS:
            rows = analytics_data.distinct_messages(
                conn, scope.tenant_id, event_id=scope.event_id, bounds=bounds, event_types=[DISTINCT_METRICS[metric]]
            )
            values = {row["b"]: row["n"] for row in rows}
            archived = analytics_data.archived_before(conn, scope.tenant_id)
        else:
            cells = _read(conn, scope, [metric], dimensions=False, bounds=bounds)
            values = {b: cells.get(metric, bucket=b) for b in range(1, len(bounds))}
    points = [{"start": label, "value": values.get(i, 0)} for i, label in enumerate(labels, start=1)]
    return {
        "scope": scope.describe(archived),
        "metric": metric,
        "interval": interval,
        "points": points,
        "total": sum(p["value"] for p in points) if metric not in DISTINCT_METRICS else None,
    }
