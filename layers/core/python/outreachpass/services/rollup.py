"""The analytics rollup job: count new raw rows into scan_daily and analytics_hourly, once each.

Scheduled every few minutes. Tenants are worked in turns, each in its own tenant_tx (RLS
applies to the job too), each raw table in chunks of CHUNK_ROWS rows: a chunk's counts and
its new watermark commit together, so a run that stops (deadline, crash, deploy) loses
nothing and the next run continues where it stopped. A tenant with a backlog gets
TURN_CHUNKS chunks per turn, so one big tenant cannot starve the others. Two runs at once
are safe: a run skips a (tenant, table) whose state row another run holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from uuid import UUID

from outreachpass.data import retention as retention_data
from outreachpass.data import rollup as rollup_data
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.observability import logger

CHUNK_ROWS = 50_000
TURN_CHUNKS = 8


@dataclass
class RollupReport:
    tenants: int = 0
    rows: int = 0
    retractions: int = 0
    chunks: int = 0
    skipped_locked: int = 0
    complete: bool = True
    behind: list[str] = field(default_factory=list)  # tenants left with work at the deadline

    def as_dict(self) -> dict[str, object]:
        return {
            "tenants": self.tenants,
            "rows": self.rows,
            "retractions": self.retractions,
            "chunks": self.chunks,
            "skipped_locked": self.skipped_locked,
            "complete": self.complete,
            "behind": len(self.behind),
        }


def run_rollup(
    *,
    deadline: float,
    tenant_ids: list[UUID] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    turn_chunks: int = TURN_CHUNKS,
) -> RollupReport:
    """Roll up every tenant (or the given ones) until done or `deadline` (time.monotonic())."""
    if tenant_ids is None:
        with system_tx() as conn:
            tenant_ids = retention_data.tenant_ids(conn)
    report = RollupReport(tenants=len(tenant_ids))
    pending = list(tenant_ids)
    while pending:
        behind: list[UUID] = []
        for tenant_id in pending:
            if time.monotonic() >= deadline:
                behind.append(tenant_id)
                continue
            if not roll_up_tenant(tenant_id, report, deadline=deadline, chunk_rows=chunk_rows, max_chunks=turn_chunks):
                behind.append(tenant_id)
        if behind and time.monotonic() >= deadline:
            report.complete = False
            report.behind = [str(t) for t in behind]
            logger().warning("analytics rollup stopped at its deadline", extra={"tenants_behind": len(behind)})
            break
        pending = behind
    return report


def roll_up_tenant(
    tenant_id: UUID, report: RollupReport, *, deadline: float, chunk_rows: int = CHUNK_ROWS, max_chunks: int | None = None
) -> bool:
    """Up to `max_chunks` chunks per raw table; True when the tenant is up to date."""
    with tenant_tx(tenant_id) as conn:
        rollup_data.ensure_states(conn, tenant_id)
    done = True
    for source in rollup_data.SOURCES:
        chunks = 0
        while True:
            if time.monotonic() >= deadline:
                return False
            with tenant_tx(tenant_id) as conn:
                state = rollup_data.lock_state(conn, tenant_id, source)
                if state is None:
                    report.skipped_locked += 1
                    break
                horizon = rollup_data.snapshot_horizon(conn)
                counted = (int(state["watermark_xid"]), state["watermark_id"])
                result = rollup_data.roll_up_chunk(
                    conn, tenant_id, source, watermark=counted, horizon=horizon, limit=chunk_rows
                )
                if result["cells_decremented"] != result["cells_retracted"]:
                    # a retraction of a cell the rollup does not hold: the rollup and the raw rows
                    # disagree (someone wrote to the rollups?); counts stay, the alarm is this log line
                    logger().error(
                        "analytics rollup: retraction without a counted cell",
                        extra={"tenant_id": str(tenant_id), "source": source,
                               "retracted": result["cells_retracted"], "decremented": result["cells_decremented"]},
                    )
                new_mark = max(counted, (int(result["w_xid"]), result["w_id"]))
                if new_mark != counted or result["rows"]:
                    rollup_data.store_watermark(conn, tenant_id, source, watermark=new_mark, rows=result["rows"])
            report.chunks += 1
            report.rows += result["rows"]
            report.retractions += result["retractions"]
            chunks += 1
            if result["rows"] < chunk_rows:
                break
            if max_chunks is not None and chunks >= max_chunks:
                done = False
                break
    return done


def roll_up_now(tenant_id: UUID, *, budget_s: float = 60.0) -> RollupReport:
    """Everything of one tenant, now (the demo seed, tests, operators)."""
    report = RollupReport(tenants=1)
    report.complete = roll_up_tenant(tenant_id, report, deadline=time.monotonic() + budget_s)
    return report
