"""Secrets Manager values: through the Lambda extension where the function has it, else through boto3.

In AWS every database function (and every public route, for the origin-verify secret) reads a
secret before it answers its first request. Through boto3 that first read costs the function
botocore's import and a client's construction (~0.5 s of a cold start on this project's bench);
the AWS Parameters and Secrets Lambda Extension (a layer the CDK app adds, cdk_app/function.py)
answers the same GetSecretValue from a local HTTP endpoint with the function's own role, so the
function itself imports no AWS SDK at all:

    GET http://localhost:{PARAMETERS_SECRETS_EXTENSION_HTTP_PORT}/secretsmanager/get?secretId=<arn>
    X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN

The extension is used when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is set (the CDK app sets it
with the layer); without it (the local stack, tests, a deployment without the layer) boto3 reads
the secret, as before. Values are kept `max_age_s` per ARN in this process, so a rotated secret is
picked up within that time; a failed read raises SecretUnavailable and is not cached.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any
from urllib.parse import quote

from outreachpass.integrations.aws import client

PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"  # noqa: S105 (a header name)
EXTENSION_TIMEOUT_S = 5.0
DEFAULT_MAX_AGE_S = 300

_values: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


class SecretUnavailable(Exception):
    """The secret could not be read (the extension or Secrets Manager refused or did not answer)."""


def secret_string(arn: str, *, max_age_s: int = DEFAULT_MAX_AGE_S) -> str:
    """The secret's SecretString, read at most once per max_age_s in this process."""
    now = time.monotonic()
    cached = _values.get(arn)
    if cached is not None and now - cached[0] < max_age_s:
        return cached[1]
    with _lock:
        cached = _values.get(arn)
        if cached is None or now - cached[0] >= max_age_s:
            port = os.environ.get(PORT_VARIABLE)
            value = _through_extension(arn, int(port)) if port else _through_boto3(arn)
            cached = _values[arn] = (now, value)
        return cached[1]


def secret_json(arn: str, *, max_age_s: int = DEFAULT_MAX_AGE_S) -> Any:
    """The secret's SecretString parsed as JSON (ValueError when it is not JSON)."""
    return json.loads(secret_string(arn, max_age_s=max_age_s))


def reset_secrets() -> None:
    """Forget every value read so far (tests and the local stack change secrets under us)."""
    with _lock:
        _values.clear()


def _through_extension(arn: str, port: int) -> str:
    import http.client  # stdlib; only functions that read a secret pay for it

    connection = http.client.HTTPConnection("localhost", port, timeout=EXTENSION_TIMEOUT_S)
    try:
        connection.request(
            "GET",
            f"/secretsmanager/get?secretId={quote(arn, safe='')}",
            headers={TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")},
        )
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        raise SecretUnavailable(f"the secrets extension did not answer: {type(exc).__name__}") from exc
    finally:
        connection.close()
    if response.status != 200:
        raise SecretUnavailable(f"the secrets extension answered {response.status}")
    try:
        value = json.loads(body)["SecretString"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SecretUnavailable("the secrets extension's answer has no SecretString") from exc
    if not isinstance(value, str):
        raise SecretUnavailable("the secret has no string value")
    return value


def _through_boto3(arn: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        value = client("secretsmanager").get_secret_value(SecretId=arn).get("SecretString")
    except (BotoCoreError, ClientError) as exc:
        raise SecretUnavailable(f"Secrets Manager refused: {type(exc).__name__}") from exc
    if not isinstance(value, str):
        raise SecretUnavailable("the secret has no string value")
    return value
