"""The retention job: expiry rules in bounded batches, and old analytics archived to S3 (rollups kept)."""

from __future__ import annotations

import gzip
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from outreachpass.data import retention as retention_data
from outreachpass.services.retention import run_retention
from outreachpass.services.rollup import roll_up_now
from tests.fixtures.analytics_world import AnalyticsWorld

NOW = datetime.now(UTC).replace(microsecond=0)
A = "/api/v1/admin/analytics"


def later() -> float:
    return time.monotonic() + 120


@pytest.fixture
def world(app_env, local_stack, database, tenant_factory):
    return AnalyticsWorld(database, tenant_factory(), events=1, cards_per_event=1)


def archive_objects(local_stack, tenant_id) -> dict[str, list[dict]]:
    s3 = local_stack.boto("s3")
    bucket = local_stack.resources.buckets["archive"]
    found = {}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"analytics/tenant_id={tenant_id}/")
    for item in listed.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found[item["Key"]] = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    return found


def raw_ids(database, table, id_column, tenant_id) -> list[int]:
    with psycopg.connect(database.admin_url) as conn:
        return [r[0] for r in conn.execute(f"SELECT {id_column} FROM {table} WHERE tenant_id = %s ORDER BY 1", (tenant_id,))]


# --- expiry ---------------------------------------------------------------------------------------


def test_expiry_rules_in_small_batches(world, database):
    tenant = world.tenant_id
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        def job(status, days):
            return conn.execute(
                """INSERT INTO jobs (tenant_id, kind, status, started_at, finished_at)
                   VALUES (%s, 'emails', %s, %s, %s) RETURNING job_id""",
                (tenant, status, NOW - timedelta(days=days + 1), NOW - timedelta(days=days)),
            ).fetchone()[0]

        keep = {job("succeeded", 6), job("failed", 29), job("running", 90)}
        gone = {job("succeeded", 8), job("succeeded", 9), job("failed", 31), job("failed", 45)}
        for i, days in enumerate((8, 9, 10, 2)):
            conn.execute(
                """INSERT INTO message_contexts (message_id, tenant_id, recipient_email, expires_at, created_at)
                   VALUES (%s, %s, 'a@example.test', %s, %s)""",
                (f"ctx-{tag}-{i}", tenant, NOW - timedelta(days=days - 7), NOW - timedelta(days=days)),
            )
        for years, label in ((3, "old"), (2.1, "old2"), (1.5, "recent")):
            conn.execute(
                "INSERT INTO audit_log (tenant_id, action, entity_type, entity_id, occurred_at) VALUES (%s, 'x.y', 'x', %s, %s)",
                (tenant, label, NOW - timedelta(days=365 * years)),
            )

    report = run_retention(deadline=later(), now=NOW, tenant_ids=[], purge_batch=2)
    assert report.complete is True
    assert report.purged["jobs"] >= 4 and report.purged["message_contexts"] >= 3 and report.purged["audit_log"] >= 2
    with psycopg.connect(database.admin_url) as conn:
        jobs = {r[0] for r in conn.execute("SELECT job_id FROM jobs WHERE tenant_id = %s", (tenant,))}
        contexts = [r[0] for r in conn.execute("SELECT message_id FROM message_contexts WHERE tenant_id = %s", (tenant,))]
        audit = [r[0] for r in conn.execute("SELECT entity_id FROM audit_log WHERE tenant_id = %s", (tenant,))]
    assert jobs == keep and not (jobs & gone)
    assert contexts == [f"ctx-{tag}-3"]  # expires in 5 days
    assert audit == ["recent"]

    # idempotent: a second run finds nothing of ours to delete
    assert run_retention(deadline=later(), now=NOW, tenant_ids=[], purge_batch=2).complete is True
    with psycopg.connect(database.admin_url) as conn:
        assert {r[0] for r in conn.execute("SELECT job_id FROM jobs WHERE tenant_id = %s", (tenant,))} == keep


def test_a_run_past_its_deadline_does_nothing(world):
    report = run_retention(deadline=time.monotonic() - 1, now=NOW, tenant_ids=[world.tenant_id])
    assert report.complete is False
    assert report.purged == {} and report.archived_rows == 0


# --- archive --------------------------------------------------------------------------------------


def old(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_old_analytics_go_to_s3_by_tenant_and_month_and_the_rollups_stay(world, database, local_stack, call_route, claims_for):
    older = old(420).replace(day=10, hour=12, minute=0, second=0)  # two different months, both over a year old
    newer = (older + timedelta(days=31)).replace(day=12)
    for at in (older, older + timedelta(hours=1), newer):
        world.view(at)
    world.email(older, "sent", "m-old")
    world.email(older, "opened", "m-old", source="pixel")
    world.view(old(30))  # recent: stays
    roll_up_now(world.tenant_id)
    overview_query = f"{A}/email?from={older.date()}&to={(newer + timedelta(days=1)).date()}"
    claims = claims_for(world.tenant_id, "admin")
    before = call_route("GET", overview_query, claims=claims).json["data"]
    assert before["stages"][0]["unique"] == 1 and before["scope"]["archived_before"] is None

    report = run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id], archive_batch_rows=2)
    assert report.complete is True
    assert report.archived_rows == 5

    objects = archive_objects(local_stack, world.tenant_id)
    months = {key.split("/")[3] for key in objects}
    assert months == {f"month={older:%Y-%m}", f"month={newer:%Y-%m}"}
    views = [row for key, rows in objects.items() if "source=card_view_events" in key for row in rows]
    emails = [row for key, rows in objects.items() if "source=email_events" in key for row in rows]
    assert len(views) == 3 and len(emails) == 2
    assert {r["event_type"] for r in emails} == {"sent", "opened"}
    assert all(key.endswith(".jsonl.gz") for key in objects)
    assert len([k for k in objects if f"month={older:%Y-%m}" in k and "card_view_events" in k]) == 1  # 2 rows, batch of 2
    assert "ingest_xid" not in views[0]

    assert len(raw_ids(database, "card_view_events", "view_event_id", world.tenant_id)) == 1  # the recent one
    assert raw_ids(database, "email_events", "email_event_id", world.tenant_id) == []

    # the rollups keep the totals; distinct counts say where the raw rows stop
    after = call_route("GET", overview_query, claims=claims).json["data"]
    assert after["stages"][0]["total"] == 1 and after["stages"][0]["unique"] == 0
    assert after["scope"]["archived_before"] is not None
    views_report = call_route("GET", f"{A}/views?from={older.date()}&to={(newer + timedelta(days=1)).date()}", claims=claims)
    assert views_report.json["data"]["total"] == 3

    again = run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id], archive_batch_rows=2)
    assert again.archived_rows == 0 and again.archived_objects == 0
    assert archive_objects(local_stack, world.tenant_id).keys() == objects.keys()


def test_rows_not_rolled_up_yet_are_not_archived(world, database, local_stack):
    world.view(old(400))
    report = run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id])
    assert report.archived_rows == 0
    assert len(raw_ids(database, "card_view_events", "view_event_id", world.tenant_id)) == 1
    roll_up_now(world.tenant_id)
    report = run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id])
    assert report.archived_rows == 1


def test_a_run_that_dies_after_the_upload_is_redone_under_the_same_key(world, database, local_stack, monkeypatch):
    for i in range(3):
        world.view(old(400) + timedelta(minutes=i))
    roll_up_now(world.tenant_id)

    real_delete = retention_data.delete_archived

    def crash(*args, **kwargs):
        raise RuntimeError("the function timed out here")

    monkeypatch.setattr(retention_data, "delete_archived", crash)
    with pytest.raises(RuntimeError):
        run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id])
    first = archive_objects(local_stack, world.tenant_id)
    assert len(first) == 1 and len(next(iter(first.values()))) == 3
    assert len(raw_ids(database, "card_view_events", "view_event_id", world.tenant_id)) == 3

    monkeypatch.setattr(retention_data, "delete_archived", real_delete)
    report = run_retention(deadline=later(), now=NOW, tenant_ids=[world.tenant_id])
    assert report.archived_rows == 3
    assert archive_objects(local_stack, world.tenant_id).keys() == first.keys()  # same key, no second copy
    assert raw_ids(database, "card_view_events", "view_event_id", world.tenant_id) == []
    with psycopg.connect(database.admin_url) as conn:
        batches = conn.execute(
            "SELECT status, row_count FROM analytics_archive_batches WHERE tenant_id = %s", (world.tenant_id,)
        ).fetchall()
    assert batches == [("done", 3)]


def test_the_scheduled_handler(world, local_stack):
    from handlers.jobs import retention

    class Context:
        aws_request_id = "retention-test"
        function_name = "retention"
        memory_limit_in_mb = 1024
        invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:retention"

        def get_remaining_time_in_millis(self):
            return 240_000

    result = retention.handler({"id": "evt"}, Context())
    assert result["complete"] is True
    assert set(result["purged"]) == {"message_contexts", "jobs", "audit_log"}
