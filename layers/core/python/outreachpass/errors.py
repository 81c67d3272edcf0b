"""Errors that carry their HTTP meaning; services raise them, the API layer renders them.

Each has a status, an UPPER_SNAKE code and a message safe to show to the caller; field
errors carry the field at fault. Nothing here knows about API Gateway.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str  # for a person: what is wrong and what to do, never a regular expression
    pattern: str | None = None  # the pattern the value must match, for clients that check it


class AppError(Exception):
    status: int = 500
    code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, details: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class ValidationFailed(AppError):
    status = 400
    code = "VALIDATION_ERROR"

    @classmethod
    def field(cls, field: str, reason: str) -> ValidationFailed:
        return cls(f"{field}: {reason}", details=[FieldError(field, reason)])


class Unauthorized(AppError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(AppError):
    status = 403
    code = "FORBIDDEN"


class NotFound(AppError):
    status = 404

    def __init__(self, thing: str, identifier: object | None = None):
        label = thing.replace("_", " ")
        message = f"{label.capitalize()} {identifier} not found" if identifier is not None else f"{label.capitalize()} not found"
        super().__init__(message, code=f"{thing.upper()}_NOT_FOUND")


class Conflict(AppError):
    status = 409
    code = "CONFLICT"


class PayloadTooLarge(AppError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(AppError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class Unprocessable(AppError):
    status = 422
    code = "UNPROCESSABLE_ENTITY"


class TooManyRequests(AppError):
    status = 429
    code = "TOO_MANY_REQUESTS"


class ServiceUnavailable(AppError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
