"""Public routes answer only requests that came through CloudFront (and so through its WAF).

CloudFront adds the header `x-origin-verify` to every request it sends to the API, with the `current` value
of the origin-verify secret; a request straight to the execute-api endpoint does not have it. During a
rotation the secret's `previous` value is accepted too (docs/deploying.md, "Origin verification"). Values
are compared in constant time. The secret is read on first use and kept SECRET_MAX_AGE_S, so a rotated
value is picked up within that time.

A function without the secret configured (ORIGIN_VERIFY_SECRET_ARN unset: admin routes, tests that call a
handler directly) checks nothing; the CDK app sets it on every public route (an infra test holds that).
"""

from __future__ import annotations

import hmac
from typing import Any

from outreachpass.config import settings
from outreachpass.errors import Forbidden, ServiceUnavailable
from outreachpass.observability import logger

HEADER = "x-origin-verify"  # lambdas/routes.py ORIGIN_VERIFY_HEADER (a test keeps them equal)
SECRET = "origin_verify"  # noqa: S105 (the secret's name) lambdas/routes.py ORIGIN_VERIFY_SECRET
SECRET_MAX_AGE_S = 300
ACCEPTED_KEYS = ("current", "previous")


class OriginNotVerified(Forbidden):
    code = "ORIGIN_NOT_VERIFIED"


def verify_origin(event: dict[str, Any]) -> None:
    """Raise 403 ORIGIN_NOT_VERIFIED unless the request carries a value of the origin-verify secret."""
    arn = settings().secrets.get(SECRET)
    if not arn:
        return
    presented = ((event.get("headers") or {}).get(HEADER) or "").encode()
    accepted = _accepted_values(arn)
    # Every accepted value is compared (no early exit), each in constant time.
    matches = [hmac.compare_digest(presented, value) for value in accepted]
    if not presented or not any(matches):
        raise OriginNotVerified(f"This address is not public; use {settings().public_base_url}")


def _accepted_values(arn: str) -> list[bytes]:
    from outreachpass.integrations.secrets import SecretUnavailable, secret_json  # the extension in AWS: no boto3

    try:
        value = secret_json(arn, max_age_s=SECRET_MAX_AGE_S)
    except (SecretUnavailable, ValueError) as exc:
        logger().warning("reading the origin-verify secret failed", extra={"error": type(exc.__cause__ or exc).__name__})
        raise ServiceUnavailable("The service cannot verify this request right now, please retry shortly") from None
    if not isinstance(value, dict):
        return []
    # An empty value (no rotation under way) never matches: a request without the header is refused.
    return [str(value[key]).encode() for key in ACCEPTED_KEYS if isinstance(value.get(key), str) and value[key]]
