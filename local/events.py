"""Events and context objects as AWS hands them to a Lambda function.

- `http_api_event`: an API Gateway HTTP API request, payload format version 2.0, as the
  Lambda proxy integration sends it (AWS docs: "Create AWS Lambda proxy integrations for
  HTTP APIs in API Gateway", payload format structure);
- `sqs_record` / `sqs_event`: what an SQS event source mapping sends;
- `LambdaContext`: the attributes and method of the runtime's context object that
  Powertools (Logger.inject_lambda_context, Metrics) and handlers read.

Pure functions of their inputs: no I/O, no environment.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from local.config import ACCOUNT_ID

API_ID = "local"
STAGE = "$default"

# Content types API Gateway passes as text; anything else arrives base64-encoded.
_TEXT_TYPES = (
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "application/x-ndjson",
    "application/yaml",
    "application/x-yaml",
    "application/csv",
)


def is_textual(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
        or media.endswith("/json")
    )


def new_request_id() -> str:
    return str(uuid.uuid4())


def apigw_time(now: datetime) -> str:
    """requestContext.time: 12/Mar/2020:19:03:58 +0000."""
    return now.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def trace_id(now: datetime) -> str:
    """An X-Ray trace header value like API Gateway adds (x-amzn-trace-id)."""
    return f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"


def claim_to_string(value: Any) -> str:
    """The JWT authorizer passes every claim as a string: numbers and booleans as their
    JSON text, arrays as "[a b c]", objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(claim_to_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def claims_as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    return {key: claim_to_string(value) for key, value in claims.items()}


def combine_headers(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Lower-cased headers, repeated ones comma-joined; Cookie headers become `cookies`
    (split on ';'), as payload 2.0 does."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded query parameters, repeated ones comma-joined."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def http_api_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str = "",
    header_pairs: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    route_key: str = "$default",
    path_parameters: Mapping[str, str] | None = None,
    claims: Mapping[str, Any] | None = None,
    request_id: str | None = None,
    domain_name: str = "127.0.0.1",
    stage_variables: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One API Gateway HTTP API request, payload format version 2.0.

    `claims` is given for routes with a JWT authorizer (already verified); optional keys
    (cookies, queryStringParameters, pathParameters, body, stageVariables) appear only
    when there is something to put in them, as in AWS.
    """
    now = now or datetime.now(UTC)
    headers, cookies = combine_headers(header_pairs)
    for key, value in (extra_headers or {}).items():
        headers.setdefault(key.lower(), value)
    content_type = headers.get("content-type")
    request_id = request_id or new_request_id()
    host = domain_name.split(":", 1)[0]

    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": STAGE,
        "time": apigw_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": claims_as_strings(claims), "scopes": None}}

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if raw_query:
        event["queryStringParameters"] = query_parameters(raw_query)
    event["requestContext"] = request_context
    is_base64 = False
    if body:
        if is_textual(content_type):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                is_base64 = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            is_base64 = True
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_base64
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


@dataclass
class LambdaContext:
    """The context object of the Python runtime (the parts code reads)."""

    function_name: str
    memory_limit_in_mb: int = 256
    timeout_s: int = 10
    region: str = "us-east-1"
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        self.invoked_function_arn = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"{today}/[{self.function_version}]{secrets.token_hex(16)}"
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def function_name(stage: str, handler_module: str) -> str:
    """outreachpass-local-admin-events-list for handlers.admin.events_list (max 64 chars)."""
    parts = handler_module.split(".")
    if parts and parts[0] == "handlers":
        parts = parts[1:]
    name = f"outreachpass-{stage}-" + "-".join(parts).replace("_", "-")
    return name[:64]


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": base64.b64encode(binary).decode("ascii") if binary is not None else None,
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(b).decode("ascii") for b in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType", "String"),
    }


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record of an SQS event, from a ReceiveMessage result message."""
    attributes = {
        key: str(value)
        for key, value in (message.get("Attributes") or {}).items()
        if key
        in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
            "DeadLetterQueueSourceArn",
        )
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        **({"md5OfMessageAttributes": message["MD5OfMessageAttributes"]} if message.get("MD5OfMessageAttributes") else {}),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: Iterable[Mapping[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn=queue_arn, region=region) for m in messages]}
