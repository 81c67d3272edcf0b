"""Worker on the passes queue: bulk pass generation (services/wallet/pass_jobs.py).

Messages: {"kind": "plan", "tenant_id", "job_id"} from the route (split into item messages
here) and {"kind": "items", "tenant_id", "job_id", "item_ids": [...]}. Items whose failure may
pass (S3, Google throttling) fail the message so SQS redelivers it; on the last allowed
receive they are recorded as failed instead, so the job always finishes.
"""

from __future__ import annotations

from typing import Any

import routes
from outreachpass.services.wallet.pass_jobs import process_message
from outreachpass.workers import sqs_handler

QUEUE = "passes"
MAX_RECEIVES = next(queue.max_receive_count for queue in routes.QUEUES if queue.name == QUEUE)


def process(message: dict[str, Any], record: Any) -> None:
    receives = int(record.attributes.approximate_receive_count or 1)
    process_message(message, receive_count=receives, max_receives=MAX_RECEIVES)


handler = sqs_handler(process)
