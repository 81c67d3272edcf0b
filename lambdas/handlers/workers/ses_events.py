"""Consumer of the SES events topic (SNS -> Lambda): delivery, bounce, complaint, open and
click notifications of the configuration sets, recorded against their message.

SNS invokes asynchronously with one record; a database error raises, so Lambda retries the
invocation and then sends it to the function's DLQ. A notification that cannot be parsed or
is not about one of our messages is logged and dropped (a retry cannot fix it).
"""

from __future__ import annotations

from typing import Any

from outreachpass.observability import logger, set_correlation_id


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from outreachpass.services.email.ses_events import BadNotification, notification_from_sns, process_notification

    log = logger()
    counts = {"recorded": 0, "duplicate": 0, "ignored": 0, "unknown_message": 0, "invalid": 0}
    for record in (event or {}).get("Records") or []:
        sns_id = ((record or {}).get("Sns") or {}).get("MessageId") or "-"
        set_correlation_id(sns_id)
        log.set_correlation_id(sns_id)
        try:
            sns_message_id, notification = notification_from_sns(record)
            outcome = process_notification(sns_message_id, notification)
        except BadNotification as exc:
            log.error("dropping an SES notification that cannot be understood", extra={"error": str(exc), "sns_message_id": sns_id})
            counts["invalid"] += 1
            continue
        counts[outcome.status] += 1
    return counts
