"""Job progress under concurrency: counters never lose an increment, a finished job keeps its outcome."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg.rows import dict_row

from outreachpass.data import jobs


def test_counters_add_up_across_concurrent_workers_and_finish_is_sticky(database, tenant_factory):
    tenant_id = tenant_factory()

    def in_tenant(fn):
        with psycopg.connect(database.app_url, row_factory=dict_row) as conn, conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
            return fn(conn)

    job = in_tenant(lambda c: jobs.insert(c, tenant_id, kind="emails", event_id=None, job_input={"all": True}, created_by=None, total=200))
    assert (job["status"], job["total"]) == ("queued", 200)
    assert in_tenant(lambda c: jobs.mark_running(c, tenant_id, job["job_id"]))["status"] == "running"

    def work(i: int) -> None:
        in_tenant(lambda c: jobs.add_progress(c, tenant_id, job["job_id"], succeeded=1, errors=[{"row": i, "reason": "x"}] if i % 50 == 0 else []))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(200)))

    done = in_tenant(lambda c: jobs.finish(c, tenant_id, job["job_id"], status="succeeded"))
    assert done["succeeded"] == 200
    assert sorted(error["row"] for error in done["errors"]) == [0, 50, 100, 150]
    assert done["status"] == "succeeded" and done["finished_at"] is not None
    again = in_tenant(lambda c: jobs.finish(c, tenant_id, job["job_id"], status="failed", error="late"))
    assert (again["status"], again["error"]) == ("succeeded", None)

    other_tenant = tenant_factory()
    with psycopg.connect(database.app_url, row_factory=dict_row) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(other_tenant),))
        assert jobs.get(conn, other_tenant, job["job_id"]) is None
        assert jobs.get(conn, tenant_id, job["job_id"]) is None  # RLS hides it even with the right id
