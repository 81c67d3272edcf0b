"""Request bodies: the one JSON parser, the bodies a route reads itself, and the one mapping
of their errors.

`load_json` parses every JSON body, Powertools' (api.app hands it to the resolver as its
deserializer) and the ones a route reads by hand. It refuses, before parsing, a body nested
more than MAX_PARSE_DEPTH levels deep (400 VALIDATION_ERROR naming the top-level field that
holds it; Python's parser would otherwise raise RecursionError, a 500), keeps numbers too
long for Python to parse as `OversizedNumber` (models.bounded_json names the field), and
refuses NaN and Infinity (not JSON).

Most routes declare their body as a pydantic parameter and Powertools validates it (errors
rendered by api.app). A few read the body by hand: a route that also takes CSV, an optional
body, a beacon sent as text/plain. They all go through `parse_json`, so a bad body gets the
same answer everywhere: 400 INVALID_JSON when it is not JSON, 400 VALIDATION_ERROR with the
field at fault when it is JSON of the wrong shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from outreachpass.errors import FieldError, ValidationFailed
from outreachpass.jsonutil import nests_deeper_than
from outreachpass.models.bounded_json import OversizedNumber
from outreachpass.models.common import PATTERN_HINTS

# Far above any shape the API accepts (free-form fields stop at models.bounded_json.MAX_DEPTH),
# far below what would exhaust Python's stack.
MAX_PARSE_DEPTH = 64
MAX_NUMBER_DIGITS = 40  # longer integers are OversizedNumber (Python refuses 4,300+ digits)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]', re.DOTALL)

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


def load_json(raw: bytes | str) -> Any:
    """A JSON document as Python values; raises json.JSONDecodeError when it is not JSON and
    ValidationFailed when it is nested too deep."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError("not UTF-8", "", exc.start) from None
    if nests_deeper_than(raw, MAX_PARSE_DEPTH):
        field, path = _deep_path(raw)
        raise ValidationFailed(
            "The request is invalid",
            details=[FieldError(field, f"is nested more than {MAX_PARSE_DEPTH} levels deep (at {path[:80]}{'...' if len(path) > 80 else ''})")],
        )
    return json.loads(raw, parse_int=_integer, parse_float=_float, parse_constant=_not_json)


def _deep_path(text: str) -> tuple[str, str]:
    """(top-level field, path) of the first place nested deeper than MAX_PARSE_DEPTH (a slow walk,
    taken only for a body that is refused anyway)."""
    frames: list[list[Any]] = []  # [bracket, key or index]
    last_string = ""
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece[0] == '"':
            last_string = piece
        elif piece == ":" and frames:
            frames[-1][1] = _string_value(last_string)
        elif piece == ",":
            if frames and frames[-1][0] == "[":
                frames[-1][1] += 1
        elif piece in "[{":
            if len(frames) >= MAX_PARSE_DEPTH:
                break
            frames.append([piece, 0 if piece == "[" else ""])
        elif frames:
            frames.pop()
    path = "".join(f"[{key}]" if bracket == "[" else f".{key}" for bracket, key in frames).lstrip(".")
    top = str(frames[0][1]) if frames and frames[0][0] == "{" and frames[0][1] else "body"
    return top, path or "body"


def _string_value(piece: str) -> str:
    try:
        return str(json.loads(piece))
    except ValueError:
        return piece.strip('"')


def _integer(text: str) -> int | OversizedNumber:
    return int(text) if len(text) <= MAX_NUMBER_DIGITS else OversizedNumber(text)


def _float(text: str) -> float | OversizedNumber:
    value = float(text)
    return value if math.isfinite(value) else OversizedNumber(text)


def _not_json(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


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
        document = load_json(raw)
    except json.JSONDecodeError:
        raise invalid_json() from None
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors()
        if any(err["type"] == "model_type" and not err["loc"] for err in errors):
            raise ValidationFailed.field("body", "must be a JSON object") from None
        raise ValidationFailed(message, details=validation_details(errors)) from None
