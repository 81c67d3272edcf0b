"""The analytics reports through their real handlers, on small data sets counted by hand.

Every report is checked three ways where it matters: before any rollup (all raw: the tail),
after a rollup (rollups plus raw edges), and after late rows arrive (rollups plus tail).
"""

from __future__ import annotations

import csv
import gzip
import io
from urllib.parse import quote

import psycopg
import pytest

from outreachpass.services.rollup import roll_up_now
from tests.fixtures.analytics_world import AnalyticsWorld

A = "/api/v1/admin/analytics"
MARCH = "from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z"


def q(value: str) -> str:
    return quote(value, safe="")


def seed_funnel_world(world: AnalyticsWorld) -> None:
    """The data set the report tests count by hand (all in March 2025, UTC)."""
    w = world
    # e-mail: m1 delivered, opened twice, clicked; m2 delivered, opened by a machine; m3 bounced;
    # m4 delivered, clicked by a scanner, complained. SES's own open report of m1 is not counted.
    for m in ("m1", "m2", "m3", "m4"):
        w.email("2025-03-02T10:00Z", "sent", m)
    for m in ("m1", "m2", "m4"):
        w.email("2025-03-02T10:01Z", "delivered", m)
    w.email("2025-03-02T12:00Z", "opened", "m1", source="pixel")
    w.email("2025-03-02T13:00Z", "opened", "m1", source="pixel")
    w.email("2025-03-02T12:00Z", "opened", "m1", source="ses")
    w.email("2025-03-02T12:05Z", "clicked", "m1", source="redirect")
    w.email("2025-03-02T10:01:01Z", "opened", "m2", machine=True, source="pixel")
    w.email("2025-03-02T10:02Z", "bounced", "m3", source="ses")
    w.email("2025-03-02T10:01:30Z", "clicked", "m4", machine=True, source="redirect")
    w.email("2025-03-05T08:00Z", "complained", "m4", source="ses")
    # views: 4 by people (3 unique), 1 bot
    w.view("2025-03-02T09:00Z", source="qr_scan", device="mobile", browser="Chrome", os="Android")
    w.view("2025-03-02T09:10Z", source="qr_scan", device="mobile", browser="Chrome", os="Android", unique=False)
    w.view("2025-03-03T15:00Z", source="email_link", device="desktop", browser="Firefox", os="Windows")
    w.view("2025-03-04T20:00Z", source="direct_link", device="tablet", browser="Safari", os="iOS", event_index=1)
    w.view("2025-03-04T21:00Z", source="share", device="bot", browser=None, os=None)
    # wallet
    for _ in range(3):
        w.wallet("2025-03-02T11:00Z", "apple", "generated")
    w.wallet("2025-03-02T11:00Z", "apple", "added")
    w.wallet("2025-03-06T11:00Z", "apple", "added")
    w.wallet("2025-03-06T12:00Z", "google", "added")
    w.wallet("2025-03-06T12:00Z", "google", "added", bot=True)
    w.wallet("2025-03-07T12:00Z", "apple", "removed")
    # contact exports
    w.export("2025-03-02T09:01Z", "vcard_download")
    w.export("2025-03-03T15:01Z", "vcard_download")
    w.export("2025-03-04T20:01Z", "share")
    w.export("2025-03-04T20:02Z", "add_to_contacts", user_agent="=cmd|' /C calc'!A0")
    w.export("2025-03-04T21:01Z", "vcard_download", bot=True)


@pytest.fixture
def world(database, tenant_factory):
    w = AnalyticsWorld(database, tenant_factory())
    seed_funnel_world(w)
    return w


@pytest.fixture
def noise(database, tenant_factory):
    """Another tenant with the same data plus more: none of it may ever count for `world`."""
    other = AnalyticsWorld(database, tenant_factory())
    seed_funnel_world(other)
    for i in range(5):
        other.view(f"2025-03-02T0{i}:30Z")
        other.email("2025-03-02T10:00Z", "sent", f"x{i}")
    return other


def get(call_route, claims, path):
    response = call_route("GET", path, claims=claims)
    assert response.status == 200, response
    return response.json["data"]


EXPECTED_OVERVIEW = {
    "cards": 4,
    "attendees": 4,
    "emails": {"sent": 4, "delivered": 3, "opened": 2, "clicked": 1},
    "card_views": 4,
    "unique_viewers": 3,
    "wallet_added": {"apple": 2, "google": 1, "total": 3},
    "contact_exports": 4,
    "leads": 0,
}


def without_scope(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "scope"}


def test_overview_counts_match_the_hand_count_before_and_after_the_rollup(call_route, claims_for, world, noise):
    claims = claims_for(world.tenant_id, "user")
    before = get(call_route, claims, f"{A}/overview?{MARCH}")
    assert without_scope(before) == EXPECTED_OVERVIEW
    assert before["scope"] == {
        "event_id": None, "from": "2025-03-01T00:00:00Z", "to": "2025-04-01T00:00:00Z", "tz": "UTC", "archived_before": None,
    }

    roll_up_now(world.tenant_id)
    roll_up_now(noise.tenant_id)
    after = get(call_route, claims, f"{A}/overview?{MARCH}")
    assert without_scope(after) == EXPECTED_OVERVIEW


def test_one_event_and_range_edges(call_route, claims_for, world):
    claims = claims_for(world.tenant_id, "user")
    event = f"event_id={world.events[1]}"
    for _ in range(2):  # raw, then rolled up
        views = get(call_route, claims, f"{A}/views?{MARCH}&{event}")
        assert (views["total"], views["unique"], views["bots"]) == (1, 1, 0)
        assert views["by_source"][0] == {"value": "direct_link", "count": 1}
        overview = get(call_route, claims, f"{A}/overview?{MARCH}&{event}")
        assert overview["cards"] == 2 and overview["card_views"] == 1 and overview["emails"]["sent"] == 0
        # 09:05 on the 2nd to 20:30 on the 4th: v2, v3, v4 (v1 at 09:00 and the bot at 21:00 are outside);
        # the 3rd is a whole day (rollup), the 2nd and 4th are edges (raw)
        edges = get(call_route, claims, f"{A}/views?from=2025-03-02T09:05:00Z&to=2025-03-04T20:30:00Z")
        assert (edges["total"], edges["unique"], edges["bots"]) == (3, 2, 0)
        # the same instants written with offsets
        offset = get(call_route, claims, f"{A}/views?from={q('2025-03-02T14:35:00+05:30')}&to={q('2025-03-04T15:30:00-05:00')}")
        assert offset["total"] == 3
        roll_up_now(world.tenant_id)


def test_email_funnel(call_route, claims_for, world, noise):
    claims = claims_for(world.tenant_id, "admin")
    for _ in range(2):
        data = get(call_route, claims, f"{A}/email?{MARCH}")
        stages = {s["stage"]: (s["total"], s["unique"], s["bots"], s["raw_total"]) for s in data["stages"]}
        assert stages == {
            "sent": (4, 4, 0, 4),
            "delivered": (3, 3, 0, 3),
            "opened": (2, 1, 1, 3),
            "clicked": (1, 1, 1, 2),
            "bounced": (1, 1, 0, 1),
            "complained": (1, 1, 0, 1),
        }
        assert [s["stage"] for s in data["stages"]] == ["sent", "delivered", "opened", "clicked", "bounced", "complained"]
        assert data["rates"] == {
            "delivery_rate": 0.75, "open_rate": 0.3333, "click_rate": 0.3333, "click_to_open_rate": 1.0,
            "bounce_rate": 0.25, "complaint_rate": 0.3333,
        }
        roll_up_now(world.tenant_id)


def test_views_wallet_and_exports_breakdowns(call_route, claims_for, world, noise):
    claims = claims_for(world.tenant_id, "user")
    for _ in range(2):
        views = get(call_route, claims, f"{A}/views?{MARCH}")
        assert (views["total"], views["unique"], views["bots"], views["raw_total"]) == (4, 3, 1, 5)
        assert views["by_source"] == [
            {"value": "qr_scan", "count": 2}, {"value": "direct_link", "count": 1},
            {"value": "email_link", "count": 1}, {"value": "share", "count": 0},
        ]
        assert views["by_device"] == [
            {"value": "mobile", "count": 2}, {"value": "desktop", "count": 1},
            {"value": "tablet", "count": 1}, {"value": "unknown", "count": 0},
        ]
        assert views["by_browser"] == [{"value": "Chrome", "count": 2}, {"value": "Firefox", "count": 1}, {"value": "Safari", "count": 1}]
        assert views["by_os"] == [{"value": "Android", "count": 2}, {"value": "Windows", "count": 1}, {"value": "iOS", "count": 1}]

        wallet = get(call_route, claims, f"{A}/wallet?{MARCH}")
        zero = {"generated": 0, "downloaded": 0, "added": 0, "removed": 0, "updated": 0, "email_clicked": 0}
        assert wallet["by_platform"] == {
            "apple": {**zero, "generated": 3, "added": 2, "removed": 1},
            "google": {**zero, "added": 1},
        }
        assert wallet["totals"] == {**zero, "generated": 3, "added": 3, "removed": 1}
        assert wallet["bots"] == 1

        exports = get(call_route, claims, f"{A}/exports?{MARCH}")
        assert without_scope(exports) == {
            "total": 4,
            "by_type": {"vcard_download": 2, "add_to_contacts": 1, "copy_email": 0, "share": 1},
            "bots": 1,
            "raw_total": 5,
        }
        roll_up_now(world.tenant_id)


def test_late_rows_after_a_rollup_count_once(call_route, claims_for, world):
    claims = claims_for(world.tenant_id, "admin")
    roll_up_now(world.tenant_id)
    # arrives now, but happened on March 3rd (a day the rollup already holds)
    world.view("2025-03-03T16:00Z", source="share", device="desktop", browser="Edge", os="Windows")
    world.email("2025-03-03T16:00Z", "opened", "m3", source="pixel")
    views = get(call_route, claims, f"{A}/views?{MARCH}")
    assert (views["total"], views["unique"]) == (5, 4)
    assert {b["value"]: b["count"] for b in views["by_source"]}["share"] == 1
    assert get(call_route, claims, f"{A}/overview?{MARCH}")["emails"]["opened"] == 3
    series = get(call_route, claims, f"{A}/timeseries?metric=card_views&interval=day&{MARCH}")
    assert series["points"][2] == {"start": "2025-03-03T00:00:00Z", "value": 2}

    roll_up_now(world.tenant_id)
    roll_up_now(world.tenant_id)  # a second run finds nothing new
    views = get(call_route, claims, f"{A}/views?{MARCH}")
    assert (views["total"], views["unique"]) == (5, 4)
    assert get(call_route, claims, f"{A}/overview?{MARCH}")["emails"]["opened"] == 3
    assert get(call_route, claims, f"{A}/timeseries?metric=card_views&interval=day&{MARCH}")["points"][2]["value"] == 2


def test_a_click_reclassified_as_machine_after_the_rollup_moves_to_bots(call_route, claims_for, world, database):
    claims = claims_for(world.tenant_id, "admin")
    roll_up_now(world.tenant_id)
    click = world.email("2025-03-02T12:06Z", "clicked", "m1", source="redirect")
    roll_up_now(world.tenant_id)  # counted as a human click
    funnel = get(call_route, claims, f"{A}/email?{MARCH}")
    assert {s["stage"]: (s["total"], s["bots"]) for s in funnel["stages"]}["clicked"] == (2, 1)

    # the e-mail engineer's burst rule re-classifies it later, as the application role
    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(world.tenant_id),))
        conn.execute("UPDATE email_events SET classification = 'machine' WHERE email_event_id = %s", (click,))
    for _ in range(2):  # before the next rollup (retraction in the tail), then after it
        funnel = get(call_route, claims, f"{A}/email?{MARCH}")
        assert {s["stage"]: (s["total"], s["unique"], s["bots"]) for s in funnel["stages"]}["clicked"] == (1, 1, 2)
        series = get(call_route, claims, f"{A}/timeseries?metric=emails_clicked&interval=day&{MARCH}")
        assert series["total"] == 1
        roll_up_now(world.tenant_id)


def test_another_tenants_event_is_not_found(call_route, claims_for, world, noise):
    response = call_route("GET", f"{A}/overview?event_id={noise.event}", claims=claims_for(world.tenant_id, "admin"))
    assert response.status == 404
    assert response.json["error"]["code"] == "EVENT_NOT_FOUND"


def test_a_tenant_without_data_sees_zeros(call_route, claims_for, tenant_factory, noise):
    data = get(call_route, claims_for(tenant_factory(), "admin"), f"{A}/overview?{MARCH}")
    assert without_scope(data) == {
        "cards": 0, "attendees": 0, "emails": {"sent": 0, "delivered": 0, "opened": 0, "clicked": 0},
        "card_views": 0, "unique_viewers": 0, "wallet_added": {"apple": 0, "google": 0, "total": 0}, "contact_exports": 0,
        "leads": 0,
    }


# --- time series and time zones -----------------------------------------------------------------


@pytest.fixture
def blank(database, tenant_factory):
    return AnalyticsWorld(database, tenant_factory(), events=1, cards_per_event=1)


def series(call_route, world, query):
    from tests.conftest import ensure_user

    sub = f"series-admin-{world.tenant_id}"
    ensure_user(world.database.admin_url, world.tenant_id, sub, "admin")
    claims = {"sub": sub, "custom:tenant_id": str(world.tenant_id), "custom:role": "admin"}
    data = get(call_route, claims, f"{A}/timeseries?{query}")
    return [(p["start"], p["value"]) for p in data["points"]], data


def both_ways(call_route, world, query):
    """The series before and after a rollup (they must agree), returned once."""
    raw, _ = series(call_route, world, query)
    roll_up_now(world.tenant_id)
    rolled, data = series(call_route, world, query)
    assert raw == rolled
    return rolled, data


def test_daily_buckets_in_kolkata_follow_the_local_day(call_route, blank):
    # Asia/Kolkata is UTC+05:30: its day starts at 18:30 UTC, in the middle of a UTC hour
    for at in ("2025-03-01T18:29:59Z", "2025-03-01T18:30:00Z", "2025-03-02T18:29:00Z", "2025-03-02T18:45:00Z"):
        blank.view(at)
    points, data = both_ways(call_route, blank, "metric=card_views&interval=day&tz=Asia/Kolkata&from=2025-03-01&to=2025-03-03")
    assert points == [
        ("2025-03-01T00:00:00+05:30", 1),
        ("2025-03-02T00:00:00+05:30", 2),
        ("2025-03-03T00:00:00+05:30", 1),
    ]
    assert data["total"] == 4
    assert data["scope"]["from"] == "2025-03-01T00:00:00+05:30" and data["scope"]["to"] == "2025-03-04T00:00:00+05:30"


def test_daily_buckets_in_st_johns_across_its_dst_change(call_route, blank):
    # America/St_Johns: UTC-03:30, and UTC-02:30 from 2025-03-09 02:00 local (a 23-hour day)
    for at in ("2025-03-09T03:29:00Z",   # 2025-03-08 23:59 NST
               "2025-03-09T03:30:00Z",   # 2025-03-09 00:00 NST
               "2025-03-10T02:29:00Z",   # 2025-03-09 23:59 NDT
               "2025-03-10T02:30:00Z"):  # 2025-03-10 00:00 NDT
        blank.view(at)
    points, _ = both_ways(call_route, blank, "metric=card_views&interval=day&tz=America/St_Johns&from=2025-03-08&to=2025-03-10")
    assert points == [
        ("2025-03-08T00:00:00-03:30", 1),
        ("2025-03-09T00:00:00-03:30", 2),
        ("2025-03-10T00:00:00-02:30", 1),
    ]


def test_hourly_buckets_across_new_yorks_dst_changes(call_route, blank):
    # spring forward: 2025-03-09 02:00 EST -> 03:00 EDT (no 02:00 hour)
    blank.view("2025-03-09T06:59:00Z")  # 01:59 EST
    blank.view("2025-03-09T07:00:00Z")  # 03:00 EDT
    points, _ = both_ways(call_route, blank, f"metric=card_views&interval=hour&tz=America/New_York&from={q('2025-03-09T00:00:00-05:00')}&to={q('2025-03-09T05:00:00-04:00')}")
    assert points == [
        ("2025-03-09T00:00:00-05:00", 0),
        ("2025-03-09T01:00:00-05:00", 1),
        ("2025-03-09T03:00:00-04:00", 1),
        ("2025-03-09T04:00:00-04:00", 0),
    ]
    # fall back: 2025-11-02 01:00 happens twice (EDT, then EST): two buckets
    blank.view("2025-11-02T05:30:00Z")  # 01:30 EDT
    blank.view("2025-11-02T06:30:00Z")  # 01:30 EST
    blank.view("2025-11-02T06:45:00Z")  # 01:45 EST
    points, _ = both_ways(call_route, blank, "metric=card_views&interval=hour&tz=America/New_York&from=2025-11-02T04:00:00Z&to=2025-11-02T08:00:00Z")
    assert points == [
        ("2025-11-02T00:00:00-04:00", 0),
        ("2025-11-02T01:00:00-04:00", 1),
        ("2025-11-02T01:00:00-05:00", 2),
        ("2025-11-02T02:00:00-05:00", 0),
    ]
    days, _ = both_ways(call_route, blank, "metric=card_views&interval=day&tz=America/New_York&from=2025-11-01&to=2025-11-02")
    assert days == [("2025-11-01T00:00:00-04:00", 0), ("2025-11-02T00:00:00-04:00", 3)]  # a 25-hour day


def test_half_hour_hourly_buckets_and_iso_weeks(call_route, blank):
    blank.view("2025-03-03T10:29:00Z")  # 15:59 IST (Monday)
    blank.view("2025-03-03T10:30:00Z")  # 16:00 IST
    blank.view("2025-03-09T18:29:00Z")  # Sunday 23:59 IST
    blank.view("2025-03-09T18:30:00Z")  # Monday 2025-03-10 00:00 IST
    hours, _ = both_ways(call_route, blank, f"metric=card_views&interval=hour&tz=Asia/Kolkata&from={q('2025-03-03T15:00:00+05:30')}&to={q('2025-03-03T17:00:00+05:30')}")
    assert hours == [("2025-03-03T15:00:00+05:30", 1), ("2025-03-03T16:00:00+05:30", 1)]
    weeks, data = both_ways(call_route, blank, "metric=card_views&interval=week&tz=Asia/Kolkata&from=2025-03-05&to=2025-03-12")
    # the first week starts on Monday the 3rd, but only counts from the 5th (the two views of the 3rd are out)
    assert weeks == [("2025-03-03T00:00:00+05:30", 1), ("2025-03-10T00:00:00+05:30", 1)]
    assert data["scope"]["from"] == "2025-03-05T00:00:00+05:30"  # the first bucket starts before `from`


def test_distinct_series_count_messages_per_bucket(call_route, world):
    points, data = series(call_route, world, "metric=emails_opened_unique&interval=day&from=2025-03-02&to=2025-03-03")
    assert points == [("2025-03-02T00:00:00Z", 1), ("2025-03-03T00:00:00Z", 0)]
    assert data["total"] is None


def test_every_metric_answers(call_route, world, claims_for):
    from outreachpass.services.analytics.reports import METRICS

    claims = claims_for(world.tenant_id, "user")
    for metric in METRICS:
        response = call_route("GET", f"{A}/timeseries?metric={metric}&{MARCH}", claims=claims)
        assert response.status == 200, (metric, response)
        assert len(response.json["data"]["points"]) == 31


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tz=Mars/Olympus", "tz"),
        ("tz=../etc/passwd", "tz"),
        ("from=2025-03-05T00:00:00Z&to=2025-03-05T00:00:00Z", "to"),
        ("from=2025-03-05T00:00:00Z&to=2025-03-01T00:00:00Z", "to"),
        ("from=2023-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "from"),
        ("from=2025-03-05T00:00:00&to=2025-03-06T00:00:00Z", "from"),
        ("from=yesterday", "from"),
        ("to=2025-02-30", "to"),
        ("from=0001-01-01T00:00:00%2B01:00&to=0001-01-02T00:00:00Z", "from"),
        ("from=9999-12-30&to=9999-12-31", "from"),
        ("event_id=not-a-uuid", "event_id"),
    ],
)
def test_bad_ranges_and_zones_answer_400(call_route, claims_for, tenant_factory, query, field):
    response = call_route("GET", f"{A}/overview?{query}", claims=claims_for(tenant_factory(), "admin"))
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in response.json["error"]["details"]] == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("metric=card_viewz", "metric"),
        ("metric=card_views&interval=minute", "interval"),
        ("metric=card_views&interval=hour&from=2025-01-01&to=2025-03-01", "interval"),
        ("interval=day", "metric"),
    ],
)
def test_bad_series_answer_400(call_route, claims_for, tenant_factory, query, field):
    response = call_route("GET", f"{A}/timeseries?{query}", claims=claims_for(tenant_factory(), "admin"))
    assert response.status == 400, response
    assert [d["field"] for d in response.json["error"]["details"]] == [field]


def test_an_unencoded_plus_in_the_offset_is_understood(call_route, claims_for, world):
    # "+05:30" unencoded arrives as " 05:30"
    data = get(call_route, claims_for(world.tenant_id, "admin"), f"{A}/views?from=2025-03-02T14:35:00+05:30&to=2025-03-05T00:00:00Z")
    assert data["scope"]["from"] == "2025-03-02T09:05:00Z"


def test_reports_need_a_token(call_route):
    response = call_route("GET", f"{A}/overview")
    assert response.status == 401


def test_default_range_is_the_last_30_days(call_route, claims_for, blank):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    blank.view(now - timedelta(days=29))
    blank.view(now - timedelta(days=31))
    claims = claims_for(blank.tenant_id, "admin")
    assert get(call_route, claims, f"{A}/views")["total"] == 1
    roll_up_now(blank.tenant_id)
    assert get(call_route, claims, f"{A}/views")["total"] == 1
    assert len(get(call_route, claims, f"{A}/timeseries?metric=card_views")["points"]) == 31


# --- CSV export ---------------------------------------------------------------------------------


def test_csv_export_inline_is_formula_safe(call_route, claims_for, world, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET display_name = %s WHERE card_id = %s", ('=HYPERLINK("http://evil","x")', world.card()))
    refused = call_route("GET", f"{A}/export.csv?report=exports&{MARCH}", claims=claims_for(world.tenant_id, "exhibitor"))
    assert (refused.status, refused.json["error"]["code"]) == (403, "FORBIDDEN")  # a sponsor's staff exports nothing of the tenant
    response = call_route("GET", f"{A}/export.csv?report=exports&{MARCH}&tz=Europe/Berlin", claims=claims_for(world.tenant_id, "user"))
    assert response.status == 200, response
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="outreachpass-exports-20250301-20250401.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5  # bots included, with their device type
    assert rows[0]["occurred_at"] == "2025-03-02T10:01:00+01:00"
    assert {r["card_name"] for r in rows} == {"'=HYPERLINK(\"http://evil\",\"x\")"}
    assert [r["user_agent"] for r in rows if r["export_type"] == "add_to_contacts"] == ["'=cmd|' /C calc'!A0"]
    assert "ip_address" not in rows[0]


def test_csv_export_of_a_large_range_goes_to_s3(call_route, claims_for, world, local_stack, monkeypatch):
    from outreachpass.services.analytics import export as analytics_export

    monkeypatch.setattr(analytics_export, "INLINE_MAX_BYTES", 300)
    response = call_route("GET", f"{A}/export.csv?report=views&{MARCH}", claims=claims_for(world.tenant_id, "admin"))
    assert response.status == 303, response
    link = response.json["data"]
    assert response.headers["location"] == link["download_url"]
    assert link["rows"] == 5
    assert link["key"].startswith(f"analytics-exports/{world.tenant_id}/")
    s3 = local_stack.boto("s3")
    body = s3.get_object(Bucket=local_stack.resources.buckets["uploads"], Key=link["key"])["Body"].read()
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(body).decode())))
    assert [r["source_type"] for r in rows] == ["qr_scan", "qr_scan", "email_link", "direct_link", "share"]


def test_csv_export_needs_a_known_report(call_route, claims_for, world):
    response = call_route("GET", f"{A}/export.csv?report=passwords", claims=claims_for(world.tenant_id, "admin"))
    assert response.status == 400
    assert response.json["error"]["details"][0]["field"] == "report"


def test_csv_export_of_another_tenant_has_none_of_its_rows(call_route, claims_for, world, noise):
    response = call_route("GET", f"{A}/export.csv?report=email&{MARCH}", claims=claims_for(world.tenant_id, "admin"))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 15  # every stored e-mail event, machine and SES-reported ones included
    assert not any(r["message_id"].startswith("x") for r in rows)


def test_an_events_reports_default_to_its_time_zone(call_route, blank):
    """Asked about an event without a `tz`, the reports read its days as they were lived there;
    a `tz` given still wins, and without an event the default stays UTC."""
    with blank.connect() as conn:
        conn.execute("UPDATE events SET timezone = 'Asia/Kolkata' WHERE event_id = %s", (blank.events[0],))
    for at in ("2025-03-01T18:29:59Z", "2025-03-01T18:30:00Z"):  # 23:59:59 and 00:00 in Kolkata
        blank.view(at)
    event = blank.events[0]
    points, data = series(call_route, blank, f"metric=card_views&interval=day&event_id={event}&from=2025-03-01&to=2025-03-02")
    assert data["scope"]["tz"] == "Asia/Kolkata"
    assert points == [("2025-03-01T00:00:00+05:30", 1), ("2025-03-02T00:00:00+05:30", 1)]
    assert data["scope"]["from"] == "2025-03-01T00:00:00+05:30"

    points, data = series(call_route, blank, f"metric=card_views&interval=day&event_id={event}&tz=UTC&from=2025-03-01&to=2025-03-02")
    assert data["scope"]["tz"] == "UTC" and points == [("2025-03-01T00:00:00Z", 2), ("2025-03-02T00:00:00Z", 0)]
    _, data = series(call_route, blank, "metric=card_views&interval=day&from=2025-03-01&to=2025-03-02")
    assert data["scope"]["tz"] == "UTC"

    from tests.conftest import ensure_user

    ensure_user(blank.database.admin_url, blank.tenant_id, f"tz-admin-{blank.tenant_id}", "admin")
    claims = {"sub": f"tz-admin-{blank.tenant_id}", "custom:tenant_id": str(blank.tenant_id), "custom:role": "admin"}
    overview = call_route("GET", f"{A}/overview?event_id={event}&from=2025-03-01&to=2025-03-01", claims=claims)
    assert overview.status == 200 and overview.json["data"]["scope"]["tz"] == "Asia/Kolkata"
    assert overview.json["data"]["card_views"] == 1  # only the view before Kolkata's midnight
