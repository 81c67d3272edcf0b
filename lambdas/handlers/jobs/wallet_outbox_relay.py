"""Scheduled (every minute): send the committed wallet refreshes of the push outbox to the
wallet_push queue (services/wallet/push.dispatch_outbox; see migrations/V0300).

Failures raise: the asynchronous invocation is retried and the rows stay pending, so the next
run sends them; nothing is lost.
"""

from __future__ import annotations

from typing import Any

from outreachpass.observability import logger, set_correlation_id
from outreachpass.services.wallet.push import dispatch_outbox

_instrumented: Any = None


def _run(event: dict[str, Any], context: Any) -> dict[str, int]:
    correlation = getattr(context, "aws_request_id", None) or str(event.get("id") or "-")
    set_correlation_id(correlation)
    logger().set_correlation_id(correlation)
    return {"sent": dispatch_outbox()}


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    global _instrumented
    if _instrumented is None:  # instrument on first call, so importing the module reads no environment
        _instrumented = logger().inject_lambda_context(clear_state=True)(_run)
    return _instrumented(event, context)
