"""CSV import at scale, end to end from the S3 object to attendees and cards committed, against the
local PostgreSQL (the shared bench stack: embedded PostgreSQL, moto): 100,000 rows
(BENCH_IMPORT_ROWS) and 1,000,000 rows (BENCH_IMPORT_LARGE_ROWS; 0 skips it).

Setup (not timed): a tenant, brand and event; the CSV (e-mail, names, phone, company, title,
LinkedIn; 0.5 % invalid rows, 1 % repeating the e-mail of the row before, which the import
refuses) uploaded to the uploads bucket at the job's key, as a presigned PUT does.

Each import runs as the worker does in Lambda: a fresh process (the function's own container)
that imports the worker module and runs the job from its S3 object (S3 -> parse and validate ->
COPY -> set-based merge -> commit). Timed inside that process from the handler's call to the
commit; its peak resident memory (ru_maxrss) is the figure to hold against the function's
1024 MB. Per size:
- first import into an empty event (every valid row creates an attendee and a card);
- the same file again (idempotent: every row matched, nothing written);
- a file that changes 10 % of the attendees (updates + the cards that follow, vcard_rev).

    python -m bench import
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from typing import Any

from bench import ROOT, Result, add_code_paths

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
LARGE_ROWS = int(os.environ.get("BENCH_IMPORT_LARGE_ROWS", "1000000"))
TARGET_100K_S = 3.0
TIMEOUT_S = 600  # the worker's Lambda timeout (lambdas/routes.py)
MEMORY_MB = 1024  # the worker's Lambda memory
FIRST = ("Mary", "Marco", "Ada", "Grace", "Alan", "Katherine", "Linus", "Barbara", "Edsger", "Margaret", "Zoë", "José")
LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Knuth", "Müller", "O'Brien")
COMPANIES = ("Acme, Inc.", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Société Générale")

# The worker's process: run one import job from its S3 object, print the job's counts, the time
# from the call to the commit and the peak RSS.
_CHILD = """
import json, resource, sys, time, uuid
sys.path[:0] = {paths!r}
from outreachpass.models.jobs import JobOut
from outreachpass.services.imports.worker import run_import
started = time.perf_counter()
job = run_import(uuid.UUID({tenant!r}), uuid.UUID({job!r}), key={key!r})
elapsed = time.perf_counter() - started
out = JobOut.model_validate(job).model_dump(mode="json")
print(json.dumps({{"seconds": elapsed, "status": out["status"], "counts": out["counts"], "error": out["error"],
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def make_csv(rows: int, *, seed: int = 1, changed_every: int = 0) -> bytes:
    rng = random.Random(seed)
    out = ["Email,First Name,Last Name,Phone,Company,Job Title,LinkedIn"]
    for i in range(rows):
        if i % 200 == 199:
            out.append(f"not-an-email-{i},Broken,Row,,,,")
            continue
        n = i - 1 if i % 100 == 50 else i  # 1 % repeat the previous row's e-mail (refused)
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        title = f"Engineer {n % 13}" if not (changed_every and n % changed_every == 0) else f"Principal {rng.randint(1, 9)}"
        company = COMPANIES[n % len(COMPANIES)]
        out.append(
            f'attendee{n}@bench-import.example.com,{first},{last},+1 555 {n % 10000:04d},"{company}",{title},'
            f"https://www.linkedin.com/in/{first.lower()}-{n}"
        )
    return ("\n".join(out) + "\n").encode("utf-8")


def _setup(admin_url: str) -> dict[str, Any]:
    import psycopg

    tenant_id, event_id = uuid.uuid4(), uuid.uuid4()
    slug = f"bench-import-{event_id.hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Import')", (tenant_id,))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'BENCH', 'Bench') RETURNING brand_id", (tenant_id,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at) "
            "VALUES (%s, %s, %s, 'Bench Import', %s, '2030-05-01T09:00Z', '2030-05-03T18:00Z')",
            (event_id, tenant_id, brand_id, slug),
        )
    return {"tenant_id": tenant_id, "event_id": event_id}


def _import(stack: Any, ids: dict[str, Any], data: bytes) -> dict[str, Any]:
    """One import job run by a fresh worker process; its figures."""
    from outreachpass.data import jobs as jobs_data
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.imports.uploads import upload_key

    with tenant_tx(ids["tenant_id"]) as conn:
        job = jobs_data.insert(conn, ids["tenant_id"], kind="import", event_id=ids["event_id"],
                               job_input={"source": "upload", "requested_by": {"sub": "bench", "role": "admin"}}, created_by=None)
    key = upload_key(ids["tenant_id"], job["job_id"])
    stack.boto("s3").put_object(Bucket=stack.resources.buckets["uploads"], Key=key, Body=data)
    paths = [str(ROOT / "lambdas"), str(ROOT / "layers" / "core" / "python"), str(ROOT)]
    child = _CHILD.format(paths=paths, tenant=str(ids["tenant_id"]), job=str(job["job_id"]), key=key)
    done = subprocess.run([sys.executable, "-c", child], env={**os.environ, **stack.env}, capture_output=True, text=True,
                          timeout=TIMEOUT_S * 2, check=False)
    stack.run_workers_once()  # the upload's S3 notification: a message for a finished job (a no-op)
    if done.returncode != 0:
        raise RuntimeError(f"the import worker failed: {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["status"] not in ("succeeded", "succeeded_with_errors"):
        raise RuntimeError(f"import did not succeed: {figures['status']} {figures['error']}")
    return figures


def _counts(ids: dict[str, Any], admin_url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(admin_url) as conn:
        attendees = conn.execute("SELECT count(*) FROM attendees WHERE event_id = %s", (ids["event_id"],)).fetchone()[0]
        cards = conn.execute("SELECT count(*) FROM cards WHERE event_id = %s", (ids["event_id"],)).fetchone()[0]
    return attendees, cards


def _size_runs(stack: Any, rows: int, target: str) -> list[Result]:
    ids = _setup(stack.db_urls.admin_url)
    first_file = make_csv(rows)
    results: list[Result] = []
    size_mb = len(first_file) / 1e6
    for label, data in (("first import", first_file), ("same file again", first_file), ("10 % changed", None)):
        data = data if data is not None else make_csv(rows, changed_every=10)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        figures = _import(stack, ids, data)
        counts = figures["counts"]
        name = f"import {rows:,} rows, {label}"
        note = (f"{size_mb:.1f} MB; created {counts['created']:,}, updated {counts['updated']:,}, skipped {counts['skipped']:,}, "
                f"failed {counts['failed']:,}; worker process {time.perf_counter() - started:.1f} s with start-up; "
                f"load avg {load:.1f} on {os.cpu_count()} cores")
        results.append(Result(name, "seconds", round(figures["seconds"], 2), "s", target, note))
        results.append(Result(name, "rows/s", round(counts["total"] / figures["seconds"]), "rows/s"))
        results.append(Result(name, "peak RSS", round(figures["max_rss_mb"]), "MB", f"< {MEMORY_MB} MB"))
    attendees, cards = _counts(ids, stack.db_urls.admin_url)
    results.append(Result(f"import {rows:,} rows, result", "attendees / cards", attendees, "rows", note=f"{cards:,} cards"))
    return results


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    results = _size_runs(stack, ROWS, f"<= {TARGET_100K_S:g} s" if ROWS == 100_000 else "")
    if LARGE_ROWS:
        results += _size_runs(stack, LARGE_ROWS, f"< {TIMEOUT_S} s")
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
