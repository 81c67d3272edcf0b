"""Sending work to the SQS queues named in lambdas/routes.py (QUEUES)."""

from __future__ import annotations

from typing import Any

from outreachpass.config import settings
from outreachpass.integrations.aws import client
from outreachpass.jsonutil import dumps
from outreachpass.observability import correlation_id


def send(queue: str, body: dict[str, Any], *, deduplication_key: str | None = None) -> str:
    """Enqueue one message; the correlation id travels along so worker logs join the request's."""
    attributes = {"correlation_id": {"DataType": "String", "StringValue": correlation_id()}}
    if deduplication_key:
        attributes["deduplication_key"] = {"DataType": "String", "StringValue": deduplication_key}
    response = client("sqs").send_message(
        QueueUrl=settings().queue_url(queue), MessageBody=dumps(body), MessageAttributes=attributes
    )
    return str(response["MessageId"])


def send_batch(queue: str, bodies: list[dict[str, Any]]) -> None:
    """Enqueue many messages, ten per call (SQS's batch limit); raises if any entry failed."""
    url = settings().queue_url(queue)
    attributes = {"correlation_id": {"DataType": "String", "StringValue": correlation_id()}}
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        response = client("sqs").send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(index), "MessageBody": dumps(body), "MessageAttributes": attributes}
                for index, body in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            failed = ", ".join(f"{entry['Id']}: {entry.get('Code')}" for entry in response["Failed"])
            raise RuntimeError(f"SQS refused {len(response['Failed'])} messages for {queue}: {failed}")
