"""The one way a worker module becomes an SQS-triggered Lambda handler.

`handler = sqs_handler(process)` where `process(message: dict, record)` handles one message
and raises to have it retried. Failed records are reported as partial batch failures
(ReportBatchItemFailures), so one bad message does not redeliver its whole batch, and SQS
moves a message that keeps failing to the queue's DLQ after max_receive_count receives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from outreachpass.observability import logger, set_correlation_id

RecordProcessor = Callable[[dict[str, Any], Any], None]


def sqs_handler(process: RecordProcessor) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    instrumented = None

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.SQS)

        def one(record: Any) -> None:
            attributes = record.message_attributes or {}
            # Powertools wraps a value in an SQSMessageAttribute only through [] (.get gives the raw dict)
            correlation = attributes["correlation_id"] if "correlation_id" in attributes else None  # noqa: RUF019 (see above)
            correlation_value = correlation.string_value if correlation else record.message_id
            set_correlation_id(correlation_value)
            log = logger()
            log.set_correlation_id(correlation_value)
            log.append_keys(message_id=record.message_id, receive_count=record.attributes.approximate_receive_count)
            try:
                message = json.loads(record.body)
            except json.JSONDecodeError:
                log.error("message body is not JSON; it will go to the DLQ after its retries")
                raise
            process(message, record)

        return process_partial_response(event=event, record_handler=one, processor=processor, context=context)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal instrumented
        if instrumented is None:  # instrument on first call, so importing the module reads no environment
            instrumented = logger().inject_lambda_context(clear_state=True)(invoke)
        return instrumented(event, context)

    return handler
