"""Worker of the `emails` queue: sends one batch of card emails per SQS message.

A record that raises (throttled by SES, close to the timeout, a claim still in flight) is
reported as a batch item failure: SQS delivers it again later, and the attendees already
done are not sent twice (see outreachpass.services.email_sending). A message that is not an
email batch is dropped with an error log (retrying cannot fix it).

The batch plumbing is outreachpass.workers.sqs_handler's, done here with the Lambda context
at hand (the worker stops starting sends close to its timeout) and the correlation id read
with SQSMessageAttributes' item access: its .get() hands back the raw attribute dict.
"""

from __future__ import annotations

import json
from typing import Any

from outreachpass.observability import logger, set_correlation_id


def process(message: dict[str, Any], record: Any, remaining_ms=None) -> None:
    from outreachpass.services.email_sending import parse_batch, process_batch

    try:
        parse_batch(message)
    except ValueError as exc:
        logger().error("dropping a message that is not an email batch", extra={"error": str(exc)})
        return
    process_batch(message, remaining_ms=remaining_ms)


def _invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    getter = getattr(context, "get_remaining_time_in_millis", None)
    remaining_ms = (lambda: int(getter())) if callable(getter) else None

    def one(record: Any) -> None:
        correlation = (record.message_attributes or {})["correlation_id"] if record.message_attributes else None
        correlation_value = (correlation.string_value if correlation is not None else None) or record.message_id
        set_correlation_id(correlation_value)
        log = logger()
        log.set_correlation_id(correlation_value)
        log.append_keys(message_id=record.message_id, receive_count=record.attributes.approximate_receive_count)
        try:
            message = json.loads(record.body)
        except json.JSONDecodeError:
            log.error("message body is not JSON: dropped")
            return
        process(message, record, remaining_ms)

    return process_partial_response(event=event, record_handler=one, processor=processor, context=context)


_instrumented = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _instrumented
    if _instrumented is None:  # instrument on first call: importing the module reads no environment
        _instrumented = logger().inject_lambda_context(clear_state=True)(_invoke)
    return _instrumented(event, context)
