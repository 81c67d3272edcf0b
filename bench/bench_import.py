"""CSV import at scale: BENCH_IMPORT_ROWS rows (default 100,000), end to end from the S3 object to
attendees and cards committed, against the local PostgreSQL (the shared bench stack: embedded
PostgreSQL, moto).

Setup (not timed): a tenant, brand and event; the CSV (e-mail, names, phone, company, title,
LinkedIn; 0.5 % invalid rows, 1 % repeated e-mails) uploaded to the uploads bucket at the job's
key, which puts the S3 notification on the imports queue, exactly as a presigned PUT does.

Timed, each through the worker as the poller runs it (S3 event -> worker -> COPY -> set-based
merge -> commit):
- first import into an empty event (every row creates an attendee and a card), twice, into two
  events (the machine is shared: both figures are printed, with the load average);
- the same file again (idempotent: every row matched, nothing written);
- a file that changes 10 % of the attendees (updates + the cards that follow, vcard_rev).

    python -m bench import
"""

from __future__ import annotations

import os
import random
import time
import uuid
from typing import Any

from bench import Result, add_code_paths

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
TARGET_S = 10.0
FIRST = ("Mary", "Marco", "Ada", "Grace", "Alan", "Katherine", "Linus", "Barbara", "Edsger", "Margaret", "Zoë", "José")
LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Knuth", "Müller", "O'Brien")
COMPANIES = ("Acme, Inc.", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Société Générale")


def make_csv(rows: int, *, seed: int = 1, changed_every: int = 0) -> bytes:
    rng = random.Random(seed)
    out = ["Email,First Name,Last Name,Phone,Company,Job Title,LinkedIn"]
    for i in range(rows):
        if i % 200 == 199:
            out.append(f"not-an-email-{i},Broken,Row,,,,")
            continue
        n = i - 1 if i % 100 == 50 else i  # 1 % repeat the previous row's e-mail (merged)
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


def _import(stack: Any, ids: dict[str, Any], data: bytes) -> tuple[float, dict[str, Any]]:
    """Seconds from the S3 object's notification to the committed import, and the job."""
    from outreachpass.db.connection import tenant_tx
    from outreachpass.models.jobs import JobOut
    from outreachpass.principal import Principal
    from outreachpass.services import imports
    from outreachpass.services.jobs import get_job

    principal = Principal(tenant_id=ids["tenant_id"], role="admin", subject="bench")
    with tenant_tx(ids["tenant_id"]) as conn:
        from outreachpass.data import jobs as jobs_data

        job = jobs_data.insert(conn, ids["tenant_id"], kind="import", event_id=ids["event_id"],
                               job_input={"source": "upload", "requested_by": {"sub": "bench", "role": "admin"}}, created_by=None)
    s3 = stack.boto("s3")
    s3.put_object(Bucket=stack.resources.buckets["uploads"], Key=imports.upload_key(ids["tenant_id"], job["job_id"]), Body=data)
    started = time.perf_counter()
    report = stack.run_workers_once()
    elapsed = time.perf_counter() - started
    done = JobOut.model_validate(get_job(principal, job["job_id"])).model_dump(mode="json")
    if report.failed or done["status"] != "succeeded":
        raise RuntimeError(f"import did not succeed: {done['status']} {done['error']}")
    return elapsed, done


def _counts(ids: dict[str, Any], admin_url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(admin_url) as conn:
        attendees = conn.execute("SELECT count(*) FROM attendees WHERE event_id = %s", (ids["event_id"],)).fetchone()[0]
        cards = conn.execute("SELECT count(*) FROM cards WHERE event_id = %s", (ids["event_id"],)).fetchone()[0]
    return attendees, cards


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    other = _setup(stack.db_urls.admin_url)
    ids = _setup(stack.db_urls.admin_url)
    first_file = make_csv(ROWS)
    changed_file = make_csv(ROWS, changed_every=10)
    results: list[Result] = []
    size_mb = len(first_file) / 1e6
    runs = (
        ("first import", other, first_file),
        ("first import (2nd event)", ids, first_file),
        ("same file again", ids, first_file),
        ("10 % changed", ids, changed_file),
    )
    for label, event, data in runs:
        load = os.getloadavg()[0]
        elapsed, job = _import(stack, event, data)
        counts = job["counts"]
        note = (f"{size_mb:.1f} MB; created {counts['created']:,}, updated {counts['updated']:,}, "
                f"skipped {counts['skipped']:,}, failed {counts['failed']:,}; load avg {load:.1f} on {os.cpu_count()} cores")
        results.append(Result(f"import {ROWS:,} rows, {label}", "seconds", round(elapsed, 2), "s",
                              f"< {TARGET_S:g} s" if label.startswith("first import") else "", note))
        results.append(Result(f"import {ROWS:,} rows, {label}", "rows/s", round(counts["total"] / elapsed), "rows/s"))
    attendees, cards = _counts(ids, stack.db_urls.admin_url)
    results.append(Result("import result", "attendees / cards", attendees, "rows", note=f"{cards:,} cards"))
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
