"""Scheduled (daily): the retention rules and the archive of old analytics (services/retention.py).

Bounded by the function's timeout (it stops SAFETY_MARGIN_S before); every step is
idempotent, so the next run continues where this one stopped. A failure raises and the
asynchronous invocation is retried.
"""

from __future__ import annotations

from typing import Any

from handlers.jobs.analytics_rollup import deadline_of
from outreachpass.observability import logger, set_correlation_id
from outreachpass.services.retention import run_retention

SAFETY_MARGIN_S = 60.0

_instrumented: Any = None


def _run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    correlation = getattr(context, "aws_request_id", None) or str(event.get("id") or "-")
    set_correlation_id(correlation)
    logger().set_correlation_id(correlation)
    report = run_retention(deadline=deadline_of(context, margin_s=SAFETY_MARGIN_S, default_s=300.0))
    logger().info("retention finished", extra=report.as_dict())
    return report.as_dict()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _instrumented
    if _instrumented is None:  # instrument on first call, so importing the module reads no environment
        _instrumented = logger().inject_lambda_context(clear_state=True)(_run)
    return _instrumented(event, context)
