"""Worker on the images queue: one message = one avatar or logo upload (services/images.py).

Messages are S3 event notifications from the uploads bucket (ObjectCreated under images/):
the key `images/{tenant_id}/{job_id}/upload` names the job. S3's "s3:TestEvent" and keys of
any other shape are logged and dropped. A refused image fails the job; anything else raises so
SQS redelivers (the job is marked failed on the last allowed receive).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import routes
from outreachpass.observability import logger
from outreachpass.services.images import parse_key, run_image_job
from outreachpass.workers import sqs_handler

QUEUE = "images"
MAX_RECEIVES = next(queue.max_receive_count for queue in routes.QUEUES if queue.name == QUEUE)


def process(message: dict[str, Any], record: Any) -> None:
    if message.get("Event") == "s3:TestEvent":
        logger().info("S3 test event ignored")
        return
    receives = int(record.attributes.approximate_receive_count or 1)
    for entry in message.get("Records") or []:
        if not str(entry.get("eventName", "")).startswith("ObjectCreated"):
            continue
        key = unquote_plus(((entry.get("s3") or {}).get("object") or {}).get("key", ""))
        ids = parse_key(key)
        if ids is None:
            logger().warning("S3 event for a key that is not an image upload: ignored", extra={"key": key})
            continue
        run_image_job(*ids, final_attempt=receives >= MAX_RECEIVES)
    if "Records" not in message:
        logger().warning("message is not an S3 event: ignored", extra={"keys": sorted(message)[:10]})


handler = sqs_handler(process)
