"""Scheduled (every 5 minutes): count new analytics rows into the rollups (services/rollup.py).

Stops SAFETY_MARGIN_S before the function's timeout; whatever is left is counted by the next
run (the reports add the rows not rolled up yet, so numbers are current either way). A
failure raises: the asynchronous invocation is retried, and committed chunks stay counted.
"""

from __future__ import annotations

from typing import Any

from outreachpass.observability import logger
from outreachpass.scheduled import scheduled_handler
from outreachpass.services.rollup import run_rollup

SAFETY_MARGIN_S = 20.0
DEFAULT_BUDGET_S = 60.0


def roll_up(deadline: float) -> dict[str, Any]:
    report = run_rollup(deadline=deadline).as_dict()
    logger().info("analytics rollup finished", extra=report)
    return report


handler = scheduled_handler(roll_up, margin_s=SAFETY_MARGIN_S, default_s=DEFAULT_BUDGET_S)
