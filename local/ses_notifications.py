"""SES event notifications as a configuration set publishes them to SNS, and the SNS event
Lambda receives, for the local stack (moto's SES does not publish events) and the tests.

Shapes follow the AWS documentation "Examples of event data that Amazon SES publishes to
Amazon SNS": a top-level `eventType`, the `mail` object (messageId, timestamp, source,
destination, tags including ses:configuration-set and ours) and one detail object named
after the event type.

Pure functions: no I/O.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from local.config import ACCOUNT_ID

TOPIC_NAME = "ses-events"


def iso(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def mail_object(
    *,
    ses_message_id: str,
    our_message_id: str | None,
    recipient: str,
    sender: str = "no-reply@demo.outreachpass.dev",
    configuration_set: str = "outreachpass-local-default",
    sent_at: datetime | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    tags: dict[str, list[str]] = {
        "ses:configuration-set": [configuration_set],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": [sender.rsplit("@", 1)[-1]],
        "ses:caller-identity": ["outreachpass-send-emails"],
    }
    if our_message_id:
        tags["op_message_id"] = [our_message_id]
    return {
        "timestamp": iso(sent_at),
        "source": sender,
        "sourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/{sender.rsplit('@', 1)[-1]}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": ses_message_id,
        "destination": [recipient],
        "headersTruncated": False,
        "tags": tags,
    }


def delivery(mail: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    return {
        "eventType": "Delivery",
        "mail": mail,
        "delivery": {
            "timestamp": iso(at),
            "processingTimeMillis": 546,
            "recipients": list(mail["destination"]),
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
            "remoteMtaIp": "198.51.100.7",
        },
    }


def bounce(mail: dict[str, Any], *, permanent: bool = True, at: datetime | None = None) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "mail": mail,
        "bounce": {
            "bounceType": "Permanent" if permanent else "Transient",
            "bounceSubType": "General" if permanent else "MailboxFull",
            "bouncedRecipients": [
                {
                    "emailAddress": address,
                    "action": "failed",
                    "status": "5.1.1" if permanent else "4.2.2",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown" if permanent else "smtp; 452 4.2.2 mailbox full",
                }
                for address in mail["destination"]
            ],
            "timestamp": iso(at),
            "feedbackId": f"0100{uuid.uuid4().hex}-000000",
            "reportingMTA": "dsn; mta.example.com",
        },
    }


def complaint(mail: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    return {
        "eventType": "Complaint",
        "mail": mail,
        "complaint": {
            "complainedRecipients": [{"emailAddress": address} for address in mail["destination"]],
            "timestamp": iso(at),
            "feedbackId": f"0100{uuid.uuid4().hex}-000000",
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
            "complaintFeedbackType": "abuse",
            "arrivalDate": iso(at),
        },
    }


def open_event(mail: dict[str, Any], *, user_agent: str, ip: str = "198.51.100.23", at: datetime | None = None) -> dict[str, Any]:
    return {"eventType": "Open", "mail": mail, "open": {"ipAddress": ip, "timestamp": iso(at), "userAgent": user_agent}}


def click_event(mail: dict[str, Any], *, link: str, user_agent: str, ip: str = "198.51.100.23", at: datetime | None = None) -> dict[str, Any]:
    return {
        "eventType": "Click",
        "mail": mail,
        "click": {"ipAddress": ip, "timestamp": iso(at), "userAgent": user_agent, "link": link, "linkTags": {}},
    }


def sns_event(notification: dict[str, Any], *, region: str = "us-east-1", stage: str = "local",
              sns_message_id: str | None = None) -> dict[str, Any]:
    """The event an SNS subscription hands to Lambda, carrying one notification."""
    topic_arn = f"arn:aws:sns:{region}:{ACCOUNT_ID}:outreachpass-{stage}-{TOPIC_NAME}"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": sns_message_id or str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": None,
                    "Message": json.dumps(notification),
                    "Timestamp": iso(),
                    "SignatureVersion": "1",
                    "Signature": "bG9jYWw=",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-local.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }
