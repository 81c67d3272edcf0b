"""Local buckets and the rollup cover: pure functions, checked on odd time zones and at random."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from outreachpass.errors import ValidationFailed
from outreachpass.services.analytics.buckets import bucket_bounds, cover
from outreachpass.services.analytics.scope import parse_instant, parse_time_zone

Z = ZoneInfo


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_chatham_hours_start_at_a_quarter_past_utc():
    # Pacific/Chatham is UTC+13:45 in (southern) summer
    bounds, labels = bucket_bounds(utc("2025-01-10T00:00Z"), utc("2025-01-10T03:00Z"), "hour", Z("Pacific/Chatham"))
    assert bounds[1:-1] == [utc("2025-01-10T00:15Z"), utc("2025-01-10T01:15Z"), utc("2025-01-10T02:15Z")]
    assert [label.isoformat() for label in labels] == [
        "2025-01-10T13:00:00+13:45", "2025-01-10T14:00:00+13:45", "2025-01-10T15:00:00+13:45", "2025-01-10T16:00:00+13:45",
    ]


def test_lord_howe_days_across_its_half_hour_dst_change():
    # Australia/Lord_Howe: +10:30, then +11:00 from 2025-10-05 02:00 local (a 23.5-hour day)
    zone = Z("Australia/Lord_Howe")
    start, end = parse_instant("2025-10-04", "from", zone), parse_instant("2025-10-06", "to", zone, end_of_day=True)
    bounds, labels = bucket_bounds(start, end, "day", zone)
    assert [label.isoformat() for label in labels] == [
        "2025-10-04T00:00:00+10:30", "2025-10-05T00:00:00+10:30", "2025-10-06T00:00:00+11:00",
    ]
    assert [b - a for a, b in pairwise(bounds)] == [timedelta(hours=24), timedelta(hours=23, minutes=30), timedelta(hours=24)]


def test_a_day_that_starts_after_a_midnight_gap():
    # America/Santiago springs forward at 24:00: 2024-09-08 has no 00:00, it begins at 01:00 (-03:00)
    zone = Z("America/Santiago")
    bounds, labels = bucket_bounds(utc("2024-09-07T12:00Z"), utc("2024-09-09T12:00Z"), "day", zone)
    assert bounds[1] == utc("2024-09-08T04:00Z")  # the instant the day begins
    assert bounds[1].astimezone(zone).isoformat() == "2024-09-08T01:00:00-03:00"
    assert len(labels) == len(bounds) - 1 == 3


def test_weeks_start_on_monday_local():
    bounds, labels = bucket_bounds(utc("2025-03-05T00:00Z"), utc("2025-03-20T00:00Z"), "week", Z("Asia/Kolkata"))
    assert [label.date().isoformat() for label in labels] == ["2025-03-03", "2025-03-10", "2025-03-17"]
    assert all(label.weekday() == 0 for label in labels)
    assert bounds[1] == utc("2025-03-09T18:30Z")


ZONES = ("UTC", "Asia/Kolkata", "America/St_Johns", "America/New_York", "Pacific/Chatham", "Australia/Lord_Howe",
         "Asia/Kathmandu", "Europe/London")


@pytest.mark.parametrize("seed", range(40))
def test_the_cover_partitions_the_range_and_keeps_each_rollup_unit_in_one_bucket(seed):
    rng = random.Random(seed)
    zone = Z(rng.choice(ZONES))
    interval = rng.choice(("hour", "day", "week"))
    start = utc("2025-01-01T00:00Z") + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
    span = timedelta(minutes=rng.randrange(1, 60 * 24 * (10 if interval == "hour" else 120)))
    bounds, labels = bucket_bounds(start, start + span, interval, zone)
    assert len(labels) == len(bounds) - 1
    assert bounds == sorted(set(bounds))
    plan = cover(bounds, hours=rng.random() < 0.7)

    day_pieces = [(datetime.combine(lo, datetime.min.time(), UTC), datetime.combine(hi, datetime.min.time(), UTC))
                  for lo, hi in plan.days]
    pieces = sorted(day_pieces + plan.hours + plan.raw)
    assert pieces[0][0] == bounds[0] and pieces[-1][1] == bounds[-1]
    for (_, a_hi), (b_lo, _) in pairwise(pieces):
        assert a_hi == b_lo  # no gap, no overlap

    def bucket(t: datetime) -> int:
        return max(i for i, b in enumerate(bounds) if b <= t)

    for unit, intervals in ((timedelta(days=1), day_pieces), (timedelta(hours=1), plan.hours)):
        for lo, hi in intervals:
            t = lo
            while t < hi:  # a rollup unit never straddles a bucket boundary
                assert bucket(t) == bucket(t + unit - timedelta(microseconds=1))
                t += unit


@pytest.mark.parametrize("value", ["", "Mars/Olympus", "../../etc/passwd", "utc+5", "A" * 65])
def test_unknown_time_zones_are_refused(value):
    if value == "":
        assert parse_time_zone(value).key == "UTC"
        return
    with pytest.raises(ValidationFailed) as refused:
        parse_time_zone(value)
    assert refused.value.details[0].field == "tz"
