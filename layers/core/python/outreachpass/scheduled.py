"""The one way a scheduled job module becomes an EventBridge-triggered Lambda handler.

    handler = scheduled_handler(lambda deadline: run_rollup(deadline=deadline).as_dict(), margin_s=20)

The wrapper gives every scheduled job the same behaviour: the correlation id (the Lambda
request id, else the EventBridge event id) in every log line, Powertools' Lambda context
instrumented on the first call (so importing the module reads no environment), and a
deadline: time.monotonic() at which the job should stop, `margin_s` before the function's
timeout, so a long job ends cleanly and the next run continues where it stopped. A failure
raises: the asynchronous invocation is retried (then its failure destination).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from outreachpass.observability import LambdaHandler, lambda_entry, logger, set_correlation_id

Job = Callable[[float], dict[str, Any]]


def deadline_of(context: Any, *, margin_s: float, default_s: float) -> float:
    """time.monotonic() at which to stop: the invocation's remaining time minus a margin (at
    least a second), or `default_s` from now without a Lambda context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000.0 - margin_s if callable(remaining) else default_s
    return time.monotonic() + max(budget, 1.0)


def scheduled_handler(job: Job, *, margin_s: float = 20.0, default_s: float = 60.0) -> LambdaHandler:
    """The Lambda entry point of a scheduled job: `job(deadline)` returns what the run did."""
    def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
        correlation = getattr(context, "aws_request_id", None) or str(event.get("id") or "-")
        set_correlation_id(correlation)
        logger().set_correlation_id(correlation)
        return job(deadline_of(context, margin_s=margin_s, default_s=default_s))

    return lambda_entry(run)
