"""Scheduled (every minute): jobs whose work was dead-lettered end failed with the reason
(services/dead_letters.sweep). The DLQs' messages are read, never consumed.

Failures raise: the asynchronous invocation is retried, and the next run reads the DLQs again;
failing a job twice is a no-op.
"""

from __future__ import annotations

from typing import Any

from outreachpass.observability import logger, set_correlation_id
from outreachpass.services.dead_letters import sweep

_instrumented: Any = None


def _run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    correlation = getattr(context, "aws_request_id", None) or str(event.get("id") or "-")
    set_correlation_id(correlation)
    logger().set_correlation_id(correlation)
    report = sweep()
    return {"read": report.read, "failed_jobs": [str(job_id) for job_id in report.failed_jobs], "unattributed": report.unattributed}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _instrumented
    if _instrumented is None:  # instrument on first call, so importing the module reads no environment
        _instrumented = logger().inject_lambda_context(clear_state=True)(_run)
    return _instrumented(event, context)
