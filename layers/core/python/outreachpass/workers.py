"""The one way a worker module becomes an SQS-triggered Lambda handler.

`handler = sqs_handler(process)` where `process(message: dict, record)` handles one message
and raises to have it retried. Failed records are reported as partial batch failures
(ReportBatchItemFailures), so one bad message does not redeliver its whole batch, and SQS
moves a message that keeps failing to the queue's DLQ after max_receive_count receives.

`uploaded_objects(message, parse_key, what=...)` reads the S3 event notifications the upload
workers receive (routes.UPLOAD_TRIGGERS): which jobs the created objects name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import unquote_plus
from uuid import UUID

from outreachpass.observability import lambda_entry, logger, set_correlation_id

RecordProcessor = Callable[[dict[str, Any], Any], None]


def sqs_handler(process: RecordProcessor) -> Callable[[dict[str, Any], Any], dict[str, Any]]:

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        processor = BatchProcessor(event_type=EventType.SQS)

        def one(record: Any) -> None:
            attributes = record.message_attributes or {}
            # Powertools wraps a value in an SQSMessageAttribute only through [] (.get gives the raw dict)
            correlation = attributes["correlation_id"] if "correlation_id" in attributes else None  # noqa: SIM401
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

        return dict(process_partial_response(event=event, record_handler=one, processor=processor, context=context))

    return lambda_entry(invoke)


class Upload(NamedTuple):
    tenant_id: UUID
    job_id: UUID
    key: str


def uploaded_objects(message: dict[str, Any], parse_key: Callable[[str], tuple[UUID, UUID] | None], *, what: str) -> list[Upload] | None:
    """The jobs an S3 event notification starts: one Upload per ObjectCreated record whose key
    (URL-decoded, as S3 sends it) `parse_key` recognises. S3's "s3:TestEvent" (sent when the
    notification is configured) starts nothing; a key of any other shape is logged and ignored,
    so a stray object never starts work. None when the message is not an S3 event at all."""
    if message.get("Event") == "s3:TestEvent":
        logger().info("S3 test event ignored")
        return []
    if "Records" not in message:
        return None
    found = []
    for record in message.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        key = unquote_plus(((record.get("s3") or {}).get("object") or {}).get("key", ""))
        ids = parse_key(key)
        if ids is None:
            logger().warning(f"S3 event for a key that is not {what}: ignored", extra={"key": key})
            continue
        found.append(Upload(*ids, key))
    return found
