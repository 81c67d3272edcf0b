"""Analytics at scale: BENCH_ANALYTICS_EVENTS raw rows (default 10,000,000) across
BENCH_ANALYTICS_TENANTS tenants (default 50, Zipf-like sizes: the largest has ~10x the
smallest), in a dedicated database of an embedded PostgreSQL 16 kept in
BENCH_ANALYTICS_DIR (default .local/bench-analytics), so a second run reuses the data.

Reported:
- generation: the synthetic data (ops/synthetic_analytics.py, COPY, one transaction per
  tenant) and the VACUUM ANALYZE after it;
- rollup: the scheduled job's work (services/rollup.py, as the application role under RLS)
  over every tenant, from nothing;
- queries through the real Lambda handlers in-process (routing, JWT claims check, pydantic
  validation of the response, one tenant_tx), BENCH_ANALYTICS_ITERATIONS (default 60) each
  after warm-up, p50 and p95, for the largest and the median tenant: the overview (default
  range, the last 30 days) and a 90-day daily time series (UTC, Asia/Kolkata whose days
  split UTC hours, America/New_York), plus the e-mail funnel and views reports. Before the
  queries, a fresh tail of rows is added after the rollup (what arrives between two runs
  of the job), so the numbers include reading it.

    python -m bench analytics            (BENCH_ANALYTICS_RESET=1 regenerates the data)

Named like that (or BENCH_ANALYTICS_EVENTS set), it runs at full size. Within a plain
`make bench` (every benchmark) it runs a quick 200,000-row version in its own folder, so
the suite stays minutes long on a shared machine; the table says so. Two runs on the same
folder never overlap (a file lock): the second waits.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from bench import ROOT, Result, add_code_paths, percentile, staff_claims

FULL = "BENCH_ANALYTICS_EVENTS" in os.environ or any(arg.removeprefix("bench_") == "analytics" for arg in sys.argv[1:])
EVENTS = int(os.environ.get("BENCH_ANALYTICS_EVENTS", "10000000" if FULL else "200000"))
TENANTS = int(os.environ.get("BENCH_ANALYTICS_TENANTS", "50" if FULL else "10"))
ITERATIONS = int(os.environ.get("BENCH_ANALYTICS_ITERATIONS", "60" if FULL else "30"))
DATA_DIR = Path(os.environ.get("BENCH_ANALYTICS_DIR", ROOT / ".local" / ("bench-analytics" if FULL else "bench-analytics-quick")))
RESET = os.environ.get("BENCH_ANALYTICS_RESET") == "1"
TAIL_ROWS = 5_000  # per measured tenant: a few minutes of a busy tenant's traffic
DATABASE = "outreachpass_bench"
APP_PASSWORD = "bench-analytics-app"  # a local benchmark database only
TARGET = "p95 < 50 ms"
BENCH = "analytics"
# The embedded server's settings for a bulk load on a throw-away database.
SERVER_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "shared_buffers": "2GB",
    "max_wal_size": "2GB", "checkpoint_timeout": "30min", "maintenance_work_mem": "1GB", "work_mem": "32MB",
    "effective_cache_size": "8GB", "random_page_cost": "1.1", "jit": "off",
}


def log(message: str) -> None:
    print(f"  [analytics] {message}", file=sys.stderr, flush=True)


def tenant_sizes(total: int, tenants: int) -> list[int]:
    weights = [1 / (i + 5) for i in range(tenants)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


# --- the server and the data --------------------------------------------------------------------


def start_server() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        import psycopg

        pgdata = DATA_DIR / "pgdata"
        fresh = not (pgdata / "PG_VERSION").exists()
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        if fresh:
            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                for key, value in SERVER_SETTINGS.items():
                    conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
            server.cleanup()  # restart with the settings (shared_buffers needs it)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        return server


def database_urls(server: Any) -> tuple[str, str]:
    from local.database import with_credentials, with_database

    admin = with_database(server.get_uri(), DATABASE)
    return admin, with_credentials(admin, "outreachpass_app", APP_PASSWORD)


def prepare(server: Any) -> dict[str, Any]:
    """The data set, generated and rolled up once; its description (sizes, timings)."""
    import psycopg
    from psycopg import sql

    from outreachpass.db.migrate.runner import apply_migrations

    marker = DATA_DIR / "dataset.json"
    wanted = {"events": EVENTS, "tenants": TENANTS}
    if marker.exists() and not RESET:
        described = json.loads(marker.read_text())
        if {k: described.get(k) for k in wanted} == wanted:
            log(f"reusing the data set in {DATA_DIR} (BENCH_ANALYTICS_RESET=1 regenerates it)")
            apply_migrations(database_urls(server)[0], app_password=APP_PASSWORD)  # newer ones, if any
            return described
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    admin_url, app_url = database_urls(server)
    apply_migrations(admin_url, app_password=APP_PASSWORD)

    described: dict[str, Any] = {**wanted, "tenant_sizes": {}}
    described["generate_s"] = generate(admin_url, described)
    started = time.perf_counter()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    described["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
    log(f"VACUUM ANALYZE in {described['vacuum_analyze_s']} s")
    described["rollup"] = roll_up(app_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE scan_daily, analytics_hourly, analytics_rollup_state")
        described["sizes_mb"] = {
            row[0]: round(row[1] / 2**20)
            for row in conn.execute(
                """SELECT relname, pg_total_relation_size(oid) FROM pg_class
                   WHERE relname IN ('email_events', 'card_view_events', 'wallet_pass_events', 'contact_export_events',
                                     'scan_daily', 'analytics_hourly') ORDER BY 1"""
            )
        }
        described["rollup_rows"] = dict(conn.execute(
            "SELECT 'scan_daily', count(*) FROM scan_daily UNION ALL SELECT 'analytics_hourly', count(*) FROM analytics_hourly"
        ).fetchall())
    marker.write_text(json.dumps(described, indent=2) + "\n")
    return described


def generate(admin_url: str, described: dict[str, Any]) -> float:
    import psycopg

    from ops.synthetic_analytics import create_tenant, generate

    sizes = tenant_sizes(EVENTS, TENANTS)
    started = time.perf_counter()
    done = 0
    for index, size in enumerate(sizes):
        with psycopg.connect(admin_url) as conn, conn.transaction():
            tenant_id = create_tenant(conn, f"Bench tenant {index + 1:02d}")
            generate(conn, tenant_id, total=size, seed=index, bulk=True)
        described["tenant_sizes"][str(tenant_id)] = size
        done += size
        elapsed = time.perf_counter() - started
        log(f"tenant {index + 1}/{len(sizes)}: {size:,} rows; {done:,} in {elapsed:.0f} s ({done / elapsed:,.0f} rows/s)")
    return round(time.perf_counter() - started, 1)


def use_database(app_url: str) -> None:
    """The handlers' environment: the application role on the bench database."""
    os.environ.update(
        DATABASE_URL=app_url, STAGE="bench", POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    from outreachpass.config import reset_settings
    from outreachpass.db.connection import reset_database

    reset_settings()
    reset_database()


def roll_up(app_url: str) -> dict[str, Any]:
    use_database(app_url)
    from outreachpass.services.rollup import run_rollup

    started = time.perf_counter()
    report = run_rollup(deadline=time.monotonic() + 6 * 3600)
    seconds = time.perf_counter() - started
    log(f"rollup: {report.rows:,} rows in {seconds:.0f} s ({report.rows / max(seconds, 1e-9):,.0f} rows/s, {report.chunks} chunks)")
    return {"seconds": round(seconds, 1), "rows": report.rows, "chunks": report.chunks, "complete": report.complete}


def add_tail(admin_url: str, tenant_id: str) -> None:
    """Rows that arrived after the last rollup (the reports read them raw)."""
    import psycopg

    from ops.synthetic_analytics import existing_events, generate

    with psycopg.connect(admin_url) as conn, conn.transaction():
        event_ids = [row[0] for row in conn.execute(
            "SELECT event_id FROM events WHERE tenant_id = %s ORDER BY starts_at DESC LIMIT 2", (tenant_id,)
        )]
        specs = existing_events(conn, uuid.UUID(tenant_id), event_ids)
        generate(conn, uuid.UUID(tenant_id), total=TAIL_ROWS, days=2, seed=99, events=specs)


# --- the queries ----------------------------------------------------------------------------------


def invoker(route_path: str, tenant_id: str, admin_url: str):
    import importlib

    import routes
    from local.events import LambdaContext, function_name, http_api_event

    route = routes.find_route("GET", route_path)
    handler = importlib.import_module(route.handler).handler
    claims = staff_claims(admin_url, tenant_id)
    context = LambdaContext(function_name=function_name("bench", route.handler))

    def call(query: str) -> dict[str, Any]:
        event = http_api_event(method="GET", raw_path=route_path, raw_query=query, route_key=route.route_key, claims=claims)
        response = handler(event, context)
        if response["statusCode"] != 200:
            raise RuntimeError(f"{route_path}?{query}: {response['statusCode']} {response.get('body', '')[:300]}")
        return response

    return call


def measure(call, query: str, iterations: int) -> list[float]:
    for _ in range(10):
        call(query)
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call(query)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run() -> list[Result]:
    import fcntl

    add_code_paths()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another analytics benchmark is using {DATA_DIR}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
        return _run()


def _run() -> list[Result]:
    server = start_server()
    try:
        described = prepare(server)
        admin_url, app_url = database_urls(server)
        sizes = sorted(described["tenant_sizes"].items(), key=lambda kv: -kv[1])
        measured = {"largest": sizes[0], "median": sizes[len(sizes) // 2]}
        use_database(app_url)
        from outreachpass.services.rollup import roll_up_now

        for _label, (tenant_id, _size) in measured.items():
            roll_up_now(uuid.UUID(tenant_id), budget_s=600)  # the previous run's tail, if any
            add_tail(admin_url, tenant_id)  # exactly TAIL_ROWS above the watermark

        scale = "" if FULL else "quick version: `python -m bench analytics` for 10M rows; "
        results = [
            Result(BENCH, "data set", described["events"], "rows",
                   note=f"{scale}{described['tenants']} tenants, {sizes[-1][1]:,} to {sizes[0][1]:,} rows each"),
            Result(BENCH, "generate (COPY)", described["generate_s"], "s",
                   note=f"{described['events'] / max(described['generate_s'], 1e-9):,.0f} rows/s; + VACUUM ANALYZE {described['vacuum_analyze_s']} s"),
            Result(BENCH, "rollup from scratch", described["rollup"]["seconds"], "s",
                   note=f"{described['rollup']['rows'] / max(described['rollup']['seconds'], 1e-9):,.0f} rows/s, "
                        f"{described['rollup']['chunks']} chunks -> {described.get('rollup_rows', {})}"),
        ]
        if "sizes_mb" in described:
            results.append(Result(BENCH, "database size", sum(described["sizes_mb"].values()), "MB",
                                  note=", ".join(f"{k} {v}" for k, v in described["sizes_mb"].items())))
        queries = (
            ("overview 30d", "/api/v1/admin/analytics/overview", ""),
            ("timeseries 90d daily UTC", "/api/v1/admin/analytics/timeseries",
             "metric=card_views&interval=day&from={d90}&to={today}"),
            ("timeseries 90d daily Asia/Kolkata", "/api/v1/admin/analytics/timeseries",
             "metric=card_views&interval=day&tz=Asia/Kolkata&from={d90}&to={today}"),
            ("timeseries 90d daily America/New_York", "/api/v1/admin/analytics/timeseries",
             "metric=emails_opened&interval=day&tz=America/New_York&from={d90}&to={today}"),
            ("email funnel 30d", "/api/v1/admin/analytics/email", ""),
            ("views 30d", "/api/v1/admin/analytics/views", ""),
        )
        from datetime import UTC, datetime, timedelta

        today = datetime.now(UTC).date()
        dates = {"today": today.isoformat(), "d90": (today - timedelta(days=89)).isoformat()}
        for label, (tenant_id, size) in measured.items():
            for name, path, query in queries:
                samples = measure(invoker(path, tenant_id, admin_url), query.format(**dates), ITERATIONS)
                p50, p95 = statistics.median(samples), percentile(samples, 95)
                log(f"{name} ({label} tenant): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
                target = TARGET if name.startswith(("overview", "timeseries 90d daily UTC")) else ""
                results.append(Result(BENCH, f"{name} p50 ({label}, {size:,} rows)", round(p50, 2), "ms"))
                results.append(Result(BENCH, f"{name} p95 ({label}, {size:,} rows)", round(p95, 2), "ms", target))
        return results
    finally:
        from outreachpass.db.connection import reset_database

        reset_database()
        server.cleanup()


def remove_data() -> None:
    shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    from bench.__main__ import main

    os.environ.setdefault("BENCH_ANALYTICS_EVENTS", "10000000")  # named: full size
    raise SystemExit(main(["analytics"]))
