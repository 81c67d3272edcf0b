"""Responses of the Apple Wallet web service routes (/wallet/v1/...), in Apple's terms.

Wallet on the device reads status codes, not bodies: 200/201 for success, 204 for "nothing
updated", 304 for "not modified", 401 for a refused `ApplePass` token. So these routes answer
with exactly those codes and empty bodies (or Apple's JSON shapes), not our envelope; only a
malformed request body still gets our 400 with field details (a developer reads those).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from outreachpass.observability import logger

TEXT = "text/plain; charset=utf-8"


def empty(status: int, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status_code=status, content_type=TEXT, body="", headers={"Cache-Control": "no-store", **(headers or {})})


def refused() -> Response[Any]:
    """Apple's bare 401 for a missing or wrong `ApplePass` token (services raise Unauthorized)."""
    logger().info("Apple Wallet web service request refused", extra={"status": 401})
    return empty(401)
