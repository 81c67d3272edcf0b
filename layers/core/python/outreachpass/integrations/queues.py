"""Sending work to the SQS queues named in lambdas/routes.py (QUEUES), and reading their DLQs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: str
    receive_count: int  # receives of the work queue that failed, plus any reads of the DLQ
    sent_at_ms: int  # when it was first sent to the work queue


def peek_dead_letters(queue: str, *, max_messages: int, hide_s: int) -> Iterator[DeadLetter]:
    """The messages in `queue`'s DLQ, each once, without consuming them: each one read is hidden
    for `hide_s` so the next read brings others, then it is visible again in the DLQ (for its
    alarm, for inspection and for a redrive)."""
    url = settings().dead_letter_queue_url(queue)
    sqs = client("sqs")
    seen: set[str] = set()
    while len(seen) < max_messages:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, max_messages - len(seen)),
            VisibilityTimeout=hide_s,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        ).get("Messages", [])
        fresh = [message for message in batch if message["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            attributes = message.get("Attributes") or {}
            yield DeadLetter(
                message_id=message["MessageId"],
                body=message.get("Body") or "",
                receive_count=int(attributes.get("ApproximateReceiveCount") or 0),
                sent_at_ms=int(attributes.get("SentTimestamp") or 0),
            )
