"""Worker on the images queue: one message = one avatar or logo upload (services/images.py).

Messages are S3 event notifications from the uploads bucket (ObjectCreated under images/):
the key `images/{tenant_id}/{job_id}/upload` names the job. S3's "s3:TestEvent" and keys of
any other shape are logged and dropped. A refused image fails the job; anything else raises so
SQS redelivers (the job is marked failed on the last allowed receive).
"""

from __future__ import annotations

from typing import Any

import routes
from outreachpass.observability import logger
from outreachpass.services.images import parse_key, run_image_job
from outreachpass.workers import sqs_handler, uploaded_objects

QUEUE = "images"
MAX_RECEIVES = next(queue.max_receive_count for queue in routes.QUEUES if queue.name == QUEUE)


def process(message: dict[str, Any], record: Any) -> None:
    uploads = uploaded_objects(message, parse_key, what="an image upload")
    if uploads is None:
        logger().warning("message is not an S3 event: ignored", extra={"keys": sorted(message)[:10]})
        return
    receives = int(record.attributes.approximate_receive_count or 1)
    for upload in uploads:
        run_image_job(upload.tenant_id, upload.job_id, final_attempt=receives >= MAX_RECEIVES)


handler = sqs_handler(process)
