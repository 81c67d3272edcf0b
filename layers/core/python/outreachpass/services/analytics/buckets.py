"""Local buckets (hours, days, ISO weeks in a time zone) and how a range is covered by rollup
days, rollup hours and raw parts, each rollup unit inside a single bucket. Pure time arithmetic:
no database, no input parsing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from outreachpass.data.analytics import Cover

Interval = Literal["hour", "day", "week"]

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
