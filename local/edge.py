"""What CloudFront does to a request before the API sees it, as far as the handlers can tell: on the way to
the API it adds the origin-verify header (replacing any the viewer sent), whose value the public routes
check (outreachpass.api.origin).

The local gateway adds it to every request of a public route, so `make dev` behaves like the edge;
tests and benchmarks that build events themselves add it with `origin_headers()`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import routes

HEADER = routes.ORIGIN_VERIFY_HEADER


def new_secret_value() -> str:
    """The secret's JSON as the edge stack generates it: `current` sent by CloudFront, no `previous`."""
    return json.dumps({"current": secrets.token_hex(32), "previous": ""})


def current_value(secret_string: str) -> str:
    return str(json.loads(secret_string)["current"])


def through_cloudfront(header_pairs: Iterable[tuple[str, str]], value: str | None) -> list[tuple[str, str]]:
    """The request's headers as CloudFront forwards them: a viewer's own origin-verify header replaced."""
    pairs = [(name, content) for name, content in header_pairs if name.lower() != HEADER]
    return [*pairs, (HEADER, value)] if value else pairs


def origin_headers() -> list[tuple[str, str]]:
    """The header CloudFront would add, read from the secret the runtime is configured with (the local
    stack's environment); none when no origin-verify secret is configured."""
    arn = os.environ.get(routes.secret_env(routes.ORIGIN_VERIFY_SECRET))
    if not arn:
        return []
    client = _client(os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_REGION"))
    return [(HEADER, current_value(client.get_secret_value(SecretId=arn)["SecretString"]))]


@lru_cache(maxsize=4)
def _client(endpoint_url: str | None, region: str | None) -> Any:
    """One client per endpoint (making one costs far more than the call): tests time what they call."""
    import boto3

    return boto3.session.Session().client("secretsmanager", endpoint_url=endpoint_url, region_name=region)
