"""Worker of the `emails` queue: sends one batch of card emails per SQS message.

A record that raises (throttled by SES, close to the timeout, a claim still in flight) is
reported as a batch item failure (outreachpass.workers.sqs_handler): SQS delivers it again
later, and the attendees already done are not sent twice (see
outreachpass.services.email.send_worker). A message that is not an email batch is dropped with
an error log (retrying cannot fix it). The Lambda context is kept at hand so the worker stops
starting sends close to its timeout.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from outreachpass.observability import logger
from outreachpass.workers import sqs_handler

_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


def _remaining_ms() -> int:
    getter = getattr(_context.get(), "get_remaining_time_in_millis", None)
    return int(getter()) if callable(getter) else 10**9


def process(message: dict[str, Any], record: Any) -> None:
    from outreachpass.services.email.send_worker import parse_batch, process_batch

    try:
        parse_batch(message)
    except ValueError as exc:
        logger().error("dropping a message that is not an email batch", extra={"error": str(exc)})
        return
    process_batch(message, remaining_ms=_remaining_ms)


_handle = sqs_handler(process)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = _context.set(context)
    try:
        return _handle(event, context)
    finally:
        _context.reset(token)
