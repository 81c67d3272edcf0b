"""Sending one raw message through SES v2, and what an SES failure means for us.

SendEmail is not idempotent, so this client never lets botocore retry on its own
(max_attempts=1): we retry only where SES certainly did not accept the message.

- Throttled (TooManyRequestsException, Throttling, LimitExceededException: the sending
  rate or the daily quota) and transient (5xx, InternalServiceErrorException, a
  connection that could not be opened, SendingPausedException): retried here with
  exponential backoff and full jitter, a few times; then `SendRetryLater` (the caller
  releases its claim and lets SQS redeliver later).
- Permanent (MessageRejected, MailFromDomainNotVerifiedException, BadRequestException, an
  invalid address, NotFoundException for a configuration set that does not exist,
  AccountSuspendedException): `SendRejected` with a reason for the job's error list.
- Ambiguous (the request went out but no answer came back: read timeout, connection
  closed mid-response): `SendOutcomeUnknown`. Retrying could deliver the mail twice.

boto3 is imported on first send.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException", "LimitExceededException"})
TRANSIENT_CODES = frozenset(
    {"InternalServiceErrorException", "InternalFailure", "ServiceUnavailable", "InternalError", "SendingPausedException",
     "RequestTimeout", "RequestTimeoutException"}
)
PERMANENT_CODES = frozenset(
    {"MessageRejected", "MailFromDomainNotVerifiedException", "MailFromDomainNotVerified", "BadRequestException",
     "InvalidParameterValue", "NotFoundException", "AccountSuspendedException", "ConfigurationSetDoesNotExistException"}
)

MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 3.0
MAX_TAG_VALUE = 256

# Replaceable in tests (no real sleeping) and by callers that keep a deadline.
sleep: Callable[[float], None] = time.sleep


class SendError(Exception):
    def __init__(self, reason: str, code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class SendRetryLater(SendError):
    """SES did not take the message (throttled, unavailable): send it again later."""


class SendRejected(SendError):
    """SES refused this message for good."""


class SendOutcomeUnknown(SendError):
    """The request may have reached SES: do not send it again."""


@dataclass(frozen=True)
class Sent:
    provider_message_id: str
    attempts: int


def ses_client() -> Any:
    """A SESv2 client that makes one attempt per call: botocore never retries on its own."""
    from outreachpass.integrations.aws import client

    return client("sesv2", flavour="once")


def backoff_delay(attempt: int, *, rand: Callable[[float, float], float] = random.uniform) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rand(0.0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2**attempt)))


def send_raw(
    raw: bytes,
    *,
    sender: str,
    recipient: str,
    configuration_set: str | None,
    tags: Mapping[str, str],
    client: Any = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Sent:
    ses = client or ses_client()
    request: dict[str, Any] = {
        "FromEmailAddress": sender,
        "Destination": {"ToAddresses": [recipient]},
        "Content": {"Raw": {"Data": raw}},
        "EmailTags": [{"Name": name, "Value": _tag_value(value)} for name, value in tags.items()],
    }
    if configuration_set:
        request["ConfigurationSetName"] = configuration_set
    last: SendError | None = None
    for attempt in range(max_attempts):
        try:
            response = ses.send_email(**request)
            return Sent(provider_message_id=response["MessageId"], attempts=attempt + 1)
        except Exception as exc:  # classified below; anything unknown is re-raised
            error = classify_error(exc)
            if not isinstance(error, SendRetryLater):
                raise error from exc
            last = error
        if attempt + 1 < max_attempts:
            sleep(backoff_delay(attempt))
    assert last is not None
    raise last


def classify_error(exc: Exception) -> SendError:
    """What a failed SendEmail call means (see the module docstring)."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        message = str(error.get("Message") or code)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in THROTTLE_CODES or status == 429:
            return SendRetryLater(f"SES throttled the send ({code})", code)
        if code in PERMANENT_CODES:
            return SendRejected(f"{code}: {message}"[:500], code)
        if code in TRANSIENT_CODES or status >= 500:
            return SendRetryLater(f"SES is unavailable ({code or status})", code)
        if 400 <= status < 500:
            return SendRejected(f"{code}: {message}"[:500], code)
        return SendRetryLater(f"SES error {code or status}", code)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return SendRetryLater(f"could not connect to SES ({type(exc).__name__})", type(exc).__name__)
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError)):
        return SendOutcomeUnknown(f"no answer from SES ({type(exc).__name__}); not resent to avoid a duplicate", type(exc).__name__)
    raise exc


def _tag_value(value: str) -> str:
    """SES tag values: letters, digits, _ - . @ only, at most 256 characters."""
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_-.@") else "_" for ch in str(value))
    return cleaned[:MAX_TAG_VALUE] or "_"
