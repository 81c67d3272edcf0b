"""Request bodies a route reads itself, and the one mapping of their errors.

Most routes declare their body as a pydantic parameter and Powertools validates it (errors
rendered by api.app). A few read the body by hand: a route that also takes CSV, an optional
body, a beacon sent as text/plain. They all go through `parse_json`, so a bad body gets the
same answer everywhere: 400 INVALID_JSON when it is not JSON, 400 VALIDATION_ERROR with the
field at fault when it is JSON of the wrong shape.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from outreachpass.errors import FieldError, ValidationFailed
from outreachpass.models.common import PATTERN_HINTS

M = TypeVar("M", bound=BaseModel)


def decoded_body(event: dict[str, Any]) -> bytes:
    """The raw request body as bytes, whichever way API Gateway encoded it."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise ValidationFailed.field("body", "not valid base64") from None
    return str(body).encode("utf-8")


def _field_name(location: Iterable[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_details(errors: Iterable[Any]) -> list[FieldError]:
    """Pydantic's (or Powertools') errors as our field details."""
    return [_field_error(err) for err in errors]


def _field_error(err: Any) -> FieldError:
    field = _field_name(err.get("loc", ()))
    if err.get("type") == "string_pattern_mismatch":
        # pydantic says "String should match pattern '^[0-9+()./\\- ]+$'": say it in words instead.
        pattern = str((err.get("ctx") or {}).get("pattern", ""))
        return FieldError(field, PATTERN_HINTS.get(pattern, "has characters that are not allowed here"), pattern=pattern or None)
    return FieldError(field, err.get("msg") or err.get("type", "invalid"))


def invalid_json() -> ValidationFailed:
    return ValidationFailed("The request body is not valid JSON", code="INVALID_JSON")


def parse_json(raw: bytes, model: type[M], *, required: str | None = None, message: str = "The request is invalid") -> M:
    """A JSON object body as `model`.

    An empty body is `model()` (every field optional) or, with `required`, a 400 on the field
    `body` saying what is required. Anything but a JSON object is a 400 on `body`; a JSON object
    of the wrong shape is a 400 `message` with pydantic's field details."""
    if not raw.strip():
        if required is not None:
            raise ValidationFailed.field("body", required)
        return model()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if any(err["type"] == "json_invalid" for err in errors):
            raise invalid_json() from None
        if any(err["type"] == "model_type" and not err["loc"] for err in errors):
            raise ValidationFailed.field("body", "must be a JSON object") from None
        raise ValidationFailed(message, details=validation_details(errors)) from None
