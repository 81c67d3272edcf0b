"""Jobs whose work was dead-lettered end failed, with the reason (the dead_letter_jobs schedule).

A worker that keeps failing on a message (an exception, a timeout, a crash) leaves it to SQS,
which moves it to the queue's DLQ after max_receive_count receives. Nothing would ever finish
its job then: an import or an image would show `running` for good, and an email job would keep
new sends of its event answering 409 until it looked stale. Every minute this reads each work
queue's DLQ (without consuming it: the messages stay for the DLQ alarm, for inspection and for a
redrive), finds the job each message was part of, and fails the jobs that are still open with
DEAD_LETTERED and what was lost. Workers that can tell their last attempt failed fail the job
themselves first, with the exact reason (imports, images); this is the net for everything else.

Messages name their job as {"tenant_id", "job_id", ...} (passes, emails, imports sent with the
CSV in the request) or as S3 notifications whose object key holds both (uploads). A message that
names no job (malformed, S3's test event) is only logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus
from uuid import UUID

from outreachpass.integrations import queues
from outreachpass.observability import logger
from outreachpass.services import images
from outreachpass.services.imports import uploads
from outreachpass.services.job_runs import fail_if_open

MAX_MESSAGES_PER_QUEUE = 500  # a run reads at most this many of a DLQ (the rest on the next runs)
HIDE_S = 40  # a message read is hidden this long, so one run reads each once (shorter than the schedule's rate)

# What was lost when a message of each queue was dead-lettered, for the job's error.
LOST: dict[str, Callable[[dict[str, Any]], str]] = {
    "imports": lambda message: "The import failed on every attempt and was set aside: nothing was imported; start it again",
    "images": lambda message: "The image failed on every attempt and was set aside: upload it again",
    "passes": lambda message: (
        f"{len(message.get('item_ids') or [])} passes failed on every attempt and were set aside; the others are as the counts say"
        if message.get("kind") == "items" else "The pass job failed on every attempt before it began: start it again"
    ),
    "emails": lambda message: (
        f"A batch of {len(message.get('attendee_ids') or [])} recipients failed on every attempt and was set aside: "
        "some of them may not have been mailed; send again to those not yet sent"
    ),
}
KEY_PARSERS: dict[str, Callable[[str], tuple[UUID, UUID] | None]] = {"imports": uploads.parse_key, "images": images.parse_key}


@dataclass
class SweepReport:
    read: int = 0  # dead-lettered messages read
    failed_jobs: list[UUID] = field(default_factory=list)  # jobs this run ended
    unattributed: int = 0  # messages that name no job


def sweep(*, max_messages: int = MAX_MESSAGES_PER_QUEUE, hide_s: int = HIDE_S) -> SweepReport:
    """Fail the open jobs whose messages are in a DLQ."""
    report = SweepReport()
    log = logger()
    for queue, lost in LOST.items():
        ended: set[UUID] = set()
        for dead in queues.peek_dead_letters(queue, max_messages=max_messages, hide_s=hide_s):
            report.read += 1
            message = _json(dead.body)
            named = jobs_named(queue, message)
            if not named:
                report.unattributed += 1
                log.warning("a dead-lettered message names no job", extra={"queue": queue, "message_id": dead.message_id})
                continue
            for tenant_id, job_id in named:
                if job_id in ended:
                    continue
                ended.add(job_id)
                reason = f"{lost(message)} (message {dead.message_id}, received {dead.receive_count} times)"
                if fail_if_open(tenant_id, job_id, "DEAD_LETTERED", reason) is not None:
                    report.failed_jobs.append(job_id)
                    log.warning("job failed: its work was dead-lettered",
                                extra={"queue": queue, "tenant_id": str(tenant_id), "job_id": str(job_id), "message_id": dead.message_id})
    return report


def jobs_named(queue: str, message: Any) -> list[tuple[UUID, UUID]]:
    """(tenant_id, job_id) of each job a message of `queue` was part of."""
    if not isinstance(message, dict):
        return []
    if "tenant_id" in message and "job_id" in message:
        try:
            return [(UUID(str(message["tenant_id"])), UUID(str(message["job_id"])))]
        except ValueError:
            return []
    parse_key = KEY_PARSERS.get(queue)
    if parse_key is None:
        return []
    found = []
    for record in message.get("Records") or []:
        key = unquote_plus((((record or {}).get("s3") or {}).get("object") or {}).get("key", ""))
        ids = parse_key(key)
        if ids is not None:
            found.append(ids)
    return found


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
