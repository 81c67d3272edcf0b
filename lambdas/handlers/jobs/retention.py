"""Scheduled (daily): the retention rules and the archive of old analytics (services/retention.py).

Bounded by the function's timeout (it stops SAFETY_MARGIN_S before); every step is
idempotent, so the next run continues where this one stopped. A failure raises and the
asynchronous invocation is retried.
"""

from __future__ import annotations

from typing import Any

from outreachpass.observability import logger
from outreachpass.scheduled import scheduled_handler
from outreachpass.services.retention import run_retention

SAFETY_MARGIN_S = 60.0
DEFAULT_BUDGET_S = 300.0


def retain(deadline: float) -> dict[str, Any]:
    report = run_retention(deadline=deadline).as_dict()
    logger().info("retention finished", extra=report)
    return report


handler = scheduled_handler(retain, margin_s=SAFETY_MARGIN_S, default_s=DEFAULT_BUDGET_S)
