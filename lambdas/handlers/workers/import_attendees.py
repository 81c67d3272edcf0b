"""Worker on the imports queue: one message = one CSV import job (services/imports/worker.py).

Messages come in two shapes:
- S3 event notifications from the uploads bucket (ObjectCreated under imports/, suffix
  upload.csv): the key `imports/{tenant_id}/{job_id}/upload.csv` names the job; S3's
  "s3:TestEvent" (sent when the notification is configured) is ignored;
- {"type": "import", "tenant_id", "job_id"} from the route, for a CSV sent in the request.

A message that names no import job is logged and dropped (retrying cannot help). File problems
fail the job. Anything else raises, so SQS redelivers the message (the import is one
transaction: nothing half-done remains); on the last allowed receive the job is marked failed
before the message goes to the DLQ.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import routes
from outreachpass.observability import logger
from outreachpass.services.imports.uploads import parse_key
from outreachpass.services.imports.worker import run_import
from outreachpass.workers import sqs_handler, uploaded_objects

QUEUE = "imports"
MAX_RECEIVES = next(queue.max_receive_count for queue in routes.QUEUES if queue.name == QUEUE)


def targets(message: dict[str, Any]) -> list[tuple[UUID, UUID, str | None]]:
    """(tenant_id, job_id, S3 key or None) for each import the message names."""
    uploads = uploaded_objects(message, parse_key, what="an import upload")
    if uploads is not None:
        return [(upload.tenant_id, upload.job_id, upload.key) for upload in uploads]
    if message.get("type") == "import":
        try:
            return [(UUID(str(message["tenant_id"])), UUID(str(message["job_id"])), None)]
        except (KeyError, ValueError):
            pass
    logger().warning("message is not an import request: ignored", extra={"keys": sorted(message)[:10]})
    return []


def process(message: dict[str, Any], record: Any) -> None:
    receives = int(record.attributes.approximate_receive_count or 1)
    for tenant_id, job_id, key in targets(message):
        run_import(tenant_id, job_id, key=key, final_attempt=receives >= MAX_RECEIVES)


handler = sqs_handler(process)
