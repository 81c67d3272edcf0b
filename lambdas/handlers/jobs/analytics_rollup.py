"""Scheduled (every 5 minutes): count new analytics rows into the rollups (services/rollup.py).

Stops SAFETY_MARGIN_S before the function's timeout; whatever is left is counted by the next
run (the reports add the rows not rolled up yet, so numbers are current either way). A
failure raises: the asynchronous invocation is retried, and committed chunks stay counted.
"""

from __future__ import annotations

import time
from typing import Any

from outreachpass.observability import logger, set_correlation_id
from outreachpass.services.rollup import run_rollup

SAFETY_MARGIN_S = 20.0
DEFAULT_BUDGET_S = 60.0

_instrumented: Any = None


def _run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    correlation = getattr(context, "aws_request_id", None) or str(event.get("id") or "-")
    set_correlation_id(correlation)
    logger().set_correlation_id(correlation)
    report = run_rollup(deadline=deadline_of(context))
    logger().info("analytics rollup finished", extra=report.as_dict())
    return report.as_dict()


def deadline_of(context: Any, *, margin_s: float = SAFETY_MARGIN_S, default_s: float = DEFAULT_BUDGET_S) -> float:
    """time.monotonic() at which to stop: the invocation's remaining time minus a margin."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000.0 - margin_s if callable(remaining) else default_s
    return time.monotonic() + max(budget, 1.0)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _instrumented
    if _instrumented is None:  # instrument on first call, so importing the module reads no environment
        _instrumented = logger().inject_lambda_context(clear_state=True)(_run)
    return _instrumented(event, context)
