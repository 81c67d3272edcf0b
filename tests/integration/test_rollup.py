"""The analytics rollup: every raw row counted exactly once, whatever the order of commits."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from outreachpass.services.rollup import RollupReport, roll_up_tenant, run_rollup
from tests.fixtures.analytics_world import AnalyticsWorld


@pytest.fixture
def world(app_env, database, tenant_factory):
    return AnalyticsWorld(database, tenant_factory(), events=2, cards_per_event=1)


def rollup_totals(database, tenant_id) -> dict[tuple[str, str, str], int]:
    """(metric, day, dimension:value) -> count, from scan_daily."""
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute(
            "SELECT metric, day::text, dimension || ':' || dimension_value, count FROM scan_daily WHERE tenant_id = %s",
            (tenant_id,),
        ).fetchall()
    return {(m, d, k): n for m, d, k, n in rows if n}


def hourly_totals(database, tenant_id) -> dict[tuple[str, str], int]:
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute(
            "SELECT metric, to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'), count FROM analytics_hourly WHERE tenant_id = %s",
            (tenant_id,),
        ).fetchall()
    return {(m, h): n for m, h, n in rows if n}


def raw_view_totals(database, tenant_id) -> dict[tuple[str, str, str], int]:
    """What scan_daily should hold for card views, computed from the raw rows directly."""
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute(
            """
            SELECT CASE WHEN device_type = 'bot' THEN 'card_views_bot' ELSE 'card_views' END, (occurred_at AT TIME ZONE 'UTC')::date::text, count(*)
            FROM card_view_events WHERE tenant_id = %s GROUP BY 1, 2
            UNION ALL
            SELECT 'card_views_unique', (occurred_at AT TIME ZONE 'UTC')::date::text, count(*)
            FROM card_view_events WHERE tenant_id = %s AND is_unique AND device_type <> 'bot' GROUP BY 1, 2
            """,
            (tenant_id, tenant_id),
        ).fetchall()
    return {(m, d, ":"): n for m, d, n in rows}


def view_part(totals):
    return {k: v for k, v in totals.items() if k[0].startswith("card_views") and k[2] == ":"}


def state(database, tenant_id, source="card_view_events"):
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute(
            "SELECT watermark_xid::text, watermark_id, rows_counted FROM analytics_rollup_state WHERE tenant_id = %s AND source = %s",
            (tenant_id, source),
        ).fetchone()


def roll(tenant_id, **kwargs) -> RollupReport:
    report = RollupReport()
    assert roll_up_tenant(tenant_id, report, deadline=time.monotonic() + 60, **kwargs)
    return report


def test_small_chunks_and_many_runs_count_every_row_once(world, database):
    start = datetime(2025, 5, 1, tzinfo=UTC)
    for i in range(23):
        world.view(start + timedelta(hours=7 * i), device="bot" if i % 5 == 0 else "mobile", unique=i % 3 != 0)
    report = roll(world.tenant_id, chunk_rows=5)
    assert report.rows == 23
    assert report.chunks >= 5
    assert view_part(rollup_totals(database, world.tenant_id)) == raw_view_totals(database, world.tenant_id)
    assert state(database, world.tenant_id)[2] == 23

    for i in range(4):  # more rows, more runs: nothing counted twice
        world.view(start + timedelta(days=1, minutes=i))
    roll(world.tenant_id, chunk_rows=3)
    roll(world.tenant_id, chunk_rows=3)
    assert view_part(rollup_totals(database, world.tenant_id)) == raw_view_totals(database, world.tenant_id)
    assert state(database, world.tenant_id)[2] == 27
    assert sum(v for (m, _h), v in hourly_totals(database, world.tenant_id).items() if m in ("card_views", "card_views_bot")) == 27


def test_a_row_committed_after_a_later_one_is_not_skipped(world, database):
    """Ids are handed out at insert, visible at commit: a slow transaction holds a smaller id
    than rows committed after it. The rollup must not move past it while it is running."""
    slow = psycopg.connect(database.admin_url)
    try:
        slow.execute("BEGIN")
        slow_id = world.view("2025-05-02T10:00Z", conn=slow)  # smaller id, not committed yet
        fast_id = world.view("2025-05-02T11:00Z")  # larger id, committed
        assert fast_id > slow_id

        roll(world.tenant_id)
        # the slow transaction is still running: nothing at or above it was counted
        assert rollup_totals(database, world.tenant_id).get(("card_views", "2025-05-02", ":"), 0) == 0
        slow.execute("COMMIT")
    finally:
        slow.close()

    roll(world.tenant_id)
    roll(world.tenant_id)
    assert rollup_totals(database, world.tenant_id)[("card_views", "2025-05-02", ":")] == 2
    assert state(database, world.tenant_id)[2] == 2


def test_a_bulk_load_in_one_transaction_is_chunked_by_id(world, database):
    with world.connect() as conn, conn.transaction():  # one transaction: every row has the same ingest_xid
        for i in range(12):
            world.view(f"2025-05-03T{i:02d}:15Z", conn=conn)
    report = roll(world.tenant_id, chunk_rows=5)
    assert report.rows == 12
    assert rollup_totals(database, world.tenant_id)[("card_views", "2025-05-03", ":")] == 12
    assert hourly_totals(database, world.tenant_id)[("card_views", "2025-05-03 11")] == 1


def test_breakdowns_and_events_are_rolled_up_per_day(world, database):
    world.view("2025-05-04T10:00Z", source="qr_scan", device="mobile", browser="Chrome", os="Android")
    world.view("2025-05-04T11:00Z", source="share", device="desktop", browser=None, os="", event_index=1)
    world.wallet("2025-05-04T12:00Z", "google", "added")
    world.export("2025-05-04T12:00Z", "copy_email")
    world.email("2025-05-04T12:00Z", "opened", "m1", source="ses")  # not counted
    roll(world.tenant_id)
    totals = rollup_totals(database, world.tenant_id)
    day = "2025-05-04"
    assert totals[("card_views", day, "source:qr_scan")] == 1
    assert totals[("card_views", day, "source:share")] == 1
    assert totals[("card_views", day, "browser:Other")] == 1
    assert totals[("card_views", day, "os:Other")] == 1
    assert totals[("wallet_added", day, "platform:google")] == 1
    assert totals[("contact_exports", day, "type:copy_email")] == 1
    assert not any(k[0].startswith("emails_") for k in totals)
    with psycopg.connect(database.admin_url) as conn:
        per_event = conn.execute(
            "SELECT event_id, count FROM scan_daily WHERE tenant_id = %s AND metric = 'card_views' AND dimension = ''",
            (world.tenant_id,),
        ).fetchall()
        source_type = conn.execute(
            "SELECT source_type FROM scan_daily WHERE tenant_id = %s AND dimension = 'source' AND dimension_value = 'share'",
            (world.tenant_id,),
        ).fetchone()[0]
    assert sorted(n for _e, n in per_event) == [1, 1]
    assert {e for e, _n in per_event} == set(world.events)
    assert source_type == "share"  # V0002's source_type column keeps its meaning


def test_changing_a_counted_row_retracts_its_old_version(world, database):
    click = world.email("2025-05-05T10:00Z", "clicked", "m1", source="redirect")
    pending = world.email("2025-05-05T10:01Z", "clicked", "m2", source="redirect")
    roll(world.tenant_id)
    late = world.email("2025-05-05T10:02Z", "clicked", "m3", source="redirect")  # not rolled up yet
    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(world.tenant_id),))
        changed = conn.execute(
            "UPDATE email_events SET classification = 'machine' WHERE email_event_id = ANY(%s)", ([click, late],)
        ).rowcount
        assert changed == 2
    with psycopg.connect(database.admin_url) as conn:
        retractions = conn.execute(
            "SELECT row_id FROM analytics_retractions WHERE tenant_id = %s", (world.tenant_id,)
        ).fetchall()
    assert retractions == [(click,)]  # `late` was never counted: nothing to take back

    report = roll(world.tenant_id)
    assert report.retractions == 1
    totals = rollup_totals(database, world.tenant_id)
    assert totals[("emails_clicked", "2025-05-05", ":")] == 1  # m2
    assert totals[("emails_clicked_bot", "2025-05-05", ":")] == 2  # m1 and m3
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM analytics_retractions WHERE tenant_id = %s", (world.tenant_id,)).fetchone()[0] == 0
    _ = pending


def test_a_run_skips_a_table_another_run_is_counting(world, database):
    world.view("2025-05-06T10:00Z")
    world.export("2025-05-06T10:00Z", "share")
    roll(world.tenant_id)  # creates the state rows
    world.view("2025-05-06T11:00Z")
    world.export("2025-05-06T11:00Z", "share")
    with psycopg.connect(database.admin_url) as other:
        other.execute(
            "SELECT 1 FROM analytics_rollup_state WHERE tenant_id = %s AND source = 'card_view_events' FOR UPDATE",
            (world.tenant_id,),
        )
        report = roll(world.tenant_id)
        assert report.skipped_locked == 1
        assert report.rows == 1  # the export; the view waits for the other run
    roll(world.tenant_id)
    assert rollup_totals(database, world.tenant_id)[("card_views", "2025-05-06", ":")] == 2


def test_the_job_stops_at_its_deadline_and_continues_next_time(world, database, tenant_factory):
    other = AnalyticsWorld(database, tenant_factory(), events=1, cards_per_event=1)
    world.view("2025-05-07T10:00Z")
    other.view("2025-05-07T10:00Z")
    report = run_rollup(deadline=time.monotonic() - 1, tenant_ids=[world.tenant_id, other.tenant_id])
    assert report.complete is False
    assert report.rows == 0
    report = run_rollup(deadline=time.monotonic() + 60, tenant_ids=[world.tenant_id, other.tenant_id])
    assert report.complete is True
    assert report.rows == 2
    for w in (world, other):
        assert rollup_totals(database, w.tenant_id)[("card_views", "2025-05-07", ":")] == 1


def test_a_big_tenant_does_not_starve_the_others(world, database, tenant_factory):
    small = AnalyticsWorld(database, tenant_factory(), events=1, cards_per_event=1)
    with world.connect() as conn, conn.transaction():
        for i in range(30):
            world.view(f"2025-05-08T10:{i:02d}Z", conn=conn)
    small.view("2025-05-08T10:00Z")
    report = run_rollup(deadline=time.monotonic() + 60, tenant_ids=[world.tenant_id, small.tenant_id],
                        chunk_rows=4, turn_chunks=2)
    assert report.complete and report.rows == 31
    assert rollup_totals(database, small.tenant_id)[("card_views", "2025-05-08", ":")] == 1
    assert rollup_totals(database, world.tenant_id)[("card_views", "2025-05-08", ":")] == 30


def test_the_scheduled_handler_reports_what_it_did(world, database):
    from handlers.jobs import analytics_rollup

    world.view("2025-05-09T10:00Z")

    class Context:
        aws_request_id = "rollup-test"
        function_name = "analytics_rollup"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:analytics_rollup"

        def get_remaining_time_in_millis(self):
            return 120_000

    result = analytics_rollup.handler({"id": "evt"}, Context())
    assert result["complete"] is True
    assert result["rows"] >= 1
    assert rollup_totals(database, world.tenant_id)[("card_views", "2025-05-09", ":")] == 1


def test_a_change_before_the_first_rollup_creates_the_state_and_retracts_nothing(world, database):
    click = world.email("2025-05-10T10:00Z", "clicked", "m1", source="redirect")
    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(world.tenant_id),))
        conn.execute("UPDATE email_events SET classification = 'machine' WHERE email_event_id = %s", (click,))
    assert state(database, world.tenant_id, "email_events") == ("0", 0, 0)  # made by the trigger, nothing counted
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM analytics_retractions WHERE tenant_id = %s", (world.tenant_id,)).fetchone()[0] == 0
    roll(world.tenant_id)
    totals = rollup_totals(database, world.tenant_id)
    assert totals[("emails_clicked_bot", "2025-05-10", ":")] == 1
    assert ("emails_clicked", "2025-05-10", ":") not in totals
