"""The response envelope of the HTTP contract (docs/architecture.md).

Success: {"data": ..., "meta": {"correlation_id", "timestamp"}} (lists add meta.next_cursor).
Error:   {"error": {"code", "message", "correlation_id", "details"?}}.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response

from outreachpass.errors import FieldError
from outreachpass.jsonutil import dumps
from outreachpass.observability import correlation_id

JSON = "application/json"

def _meta(**extra: Any) -> dict[str, Any]:
    return {"correlation_id": correlation_id(), "timestamp": datetime.now(UTC), **extra}


def ok(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
    """The body stays a dict: Powertools validates it against the route's Response[...] type, then serializes it."""
    return Response(status_code=status, content_type=JSON, body={"data": data, "meta": _meta()}, headers=headers)


def created(data: Any, *, location: str | None = None) -> Response[Any]:
    return ok(data, status=201, headers={"location": location} if location else None)


def page(items: list[Any], next_cursor: str | None) -> Response[Any]:
    return Response(status_code=200, content_type=JSON, body={"data": items, "meta": _meta(next_cursor=next_cursor)})


def error_body(code: str, message: str, details: list[FieldError] | None = None) -> str:
    error: dict[str, Any] = {"code": code, "message": message, "correlation_id": correlation_id()}
    if details:
        error["details"] = [
            {"field": d.field, "reason": d.reason, **({"pattern": d.pattern} if d.pattern else {})} for d in details
        ]
    return dumps({"error": error})


def error(status: int, code: str, message: str, details: list[FieldError] | None = None) -> Response[Any]:
    return Response(status_code=status, content_type=JSON, body=error_body(code, message, details))
