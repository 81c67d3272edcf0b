"""The synthetic analytics generator (bench, local demo): exact row counts, realistic mixes, and
numbers the reports agree with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from ops.synthetic_analytics import create_tenant, generate, main, seed_demo_analytics
from outreachpass.services.rollup import roll_up_now
from tests.fixtures.analytics_world import AnalyticsWorld

A = "/api/v1/admin/analytics"


def count(conn, table, tenant_id, where="true"):
    return conn.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s AND {where}", (tenant_id,)).fetchone()[0]


def test_generate_writes_exactly_the_rows_asked_for(app_env, database, call_route, claims_for):
    end = datetime.now(UTC)
    with psycopg.connect(database.admin_url) as conn:
        with conn.transaction():
            tenant_id = create_tenant(conn, "Synthetic test")
            made = generate(conn, tenant_id, total=5000, end=end, days=120, seed=3)
        assert made.total == 5000
        assert made.rows == {
            "email_events": count(conn, "email_events", tenant_id),
            "card_view_events": count(conn, "card_view_events", tenant_id),
            "wallet_pass_events": count(conn, "wallet_pass_events", tenant_id),
            "contact_export_events": count(conn, "contact_export_events", tenant_id),
        }
        assert all(n > 0 for n in made.rows.values())
        assert count(conn, "events", tenant_id) == made.events >= 2
        assert count(conn, "cards", tenant_id) == count(conn, "attendees", tenant_id, "card_id IS NOT NULL") == made.attendees
        assert count(conn, "card_view_events", tenant_id, "device_type = 'bot'") > 0
        assert count(conn, "email_events", tenant_id, "classification = 'machine'") > 0
        assert count(conn, "email_events", tenant_id, "event_type = 'clicked' AND classification = 'human'") > 0
        assert conn.execute(
            "SELECT count(DISTINCT source_type) FROM card_view_events WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()[0] == 4
        oldest, newest = conn.execute(
            "SELECT min(occurred_at), max(occurred_at) FROM card_view_events WHERE tenant_id = %s", (tenant_id,)
        ).fetchone()
        assert end - timedelta(days=120) <= oldest and newest <= end
        raw_views = count(conn, "card_view_events", tenant_id, "device_type <> 'bot'")

    roll_up_now(tenant_id)
    query = f"from={(end - timedelta(days=121)).date()}&to={(end + timedelta(days=1)).date()}"
    views = call_route("GET", f"{A}/views?{query}", claims=claims_for(tenant_id, "admin")).json["data"]
    assert views["total"] == raw_views
    assert views["total"] + views["bots"] == made.rows["card_view_events"]


def test_the_demo_seed_uses_the_demo_event_and_runs_once(app_env, database, tenant_factory):
    world = AnalyticsWorld(database, tenant_factory(), events=1, cards_per_event=4)
    made = seed_demo_analytics(database.admin_url, world.tenant_id, world.event, total=2000)
    assert made is not None and made.total == 2000 and made.events == 1 and made.attendees == 0
    assert seed_demo_analytics(database.admin_url, world.tenant_id, world.event, total=2000) is None
    with psycopg.connect(database.admin_url) as conn:
        assert count(conn, "events", world.tenant_id) == 1
        assert conn.execute(
            "SELECT count(DISTINCT card_id) FROM card_view_events WHERE tenant_id = %s", (world.tenant_id,)
        ).fetchone()[0] == 4


def test_the_command(database, capsys):
    assert main(["--tenant", "new", "--events", "300", "--days", "30", "--database-url", database.admin_url]) == 0
    out = capsys.readouterr().out
    assert "300 analytics rows" in out
