"""The one way a route module becomes a Lambda handler.

A route module declares its route on a `Router` and ends with
`handler = http_handler(router, roles=...)`. The wrapper gives every function the same
behaviour: correlation id (the API Gateway request id) in every log line and in the
`x-correlation-id` header, claims-based auth before any code runs, body size and media type
checks, request validation through Powertools (pydantic), and the error envelope for every
failure: 400 with field details, 404 `<THING>_NOT_FOUND`, 409, 503 when the database is
away, and never a stack trace.

The routers are also what the OpenAPI document is generated from (local/openapi.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from outreachpass.api.auth import authenticate, clear_principal
from outreachpass.api.envelope import JSON, error, error_body
from outreachpass.errors import (
    AppError,
    FieldError,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from outreachpass.jsonutil import dumps
from outreachpass.observability import logger, set_correlation_id

DEFAULT_MAX_BODY_BYTES = 256 * 1024
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def new_router() -> Router:
    return Router()


def build_resolver(*routers: Router) -> APIGatewayHttpResolver:
    """A resolver with validation and our error rendering, holding the given routers."""
    app = APIGatewayHttpResolver(enable_validation=True, serializer=dumps)
    _register_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app


def http_handler(
    router: Router,
    *,
    roles: Iterable[str] | None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    accepts: Iterable[str] = (JSON,),
) -> LambdaHandler:
    """The Lambda entry point for a route module.

    roles: the roles allowed (the same as the route's entry in lambdas/routes.py, which a test
    checks); None for a public route.
    """
    allowed_roles = tuple(roles) if roles is not None else None
    accepted = tuple(accepts)
    resolver = build_resolver(router)
    instrumented: LambdaHandler | None = None

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        correlation = request_context.get("requestId") or (getattr(context, "aws_request_id", None) or "-")
        set_correlation_id(correlation)
        log = logger()
        log.set_correlation_id(correlation)
        clear_principal()
        try:
            # Who may call comes first: a refused caller learns nothing about what its body would do.
            if allowed_roles is not None:
                claims = ((request_context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
                principal = authenticate(claims, allowed_roles)
                log.append_keys(tenant_id=str(principal.tenant_id), role=principal.role)
            _check_body(event, max_body_bytes, accepted)
            response = resolver.resolve(event, context)
        except AppError as exc:
            log.info("request refused", extra={"status": exc.status, "code": exc.code})
            response = _lambda_error(exc)
        response.setdefault("headers", {})["x-correlation-id"] = correlation
        return response

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal instrumented
        if instrumented is None:  # instrument on first call, so importing the module reads no environment
            instrumented = logger().inject_lambda_context(clear_state=True)(invoke)
        return instrumented(event, context)

    handler.resolver = resolver  # type: ignore[attr-defined]  # tests and the OpenAPI generator use it
    handler.roles = allowed_roles  # type: ignore[attr-defined]
    return handler


def _check_body(event: dict[str, Any], max_body_bytes: int, accepted: tuple[str, ...]) -> None:
    body = event.get("body")
    if not body:
        return
    size = len(body)
    if event.get("isBase64Encoded"):
        size = len(body) * 3 // 4
    if size > max_body_bytes:
        raise PayloadTooLarge(f"The request body is {size} bytes; the limit is {max_body_bytes}")
    headers = event.get("headers") or {}
    media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in accepted:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(accepted)}, not '{media_type or 'no content type'}'")
    if media_type == JSON and event.get("isBase64Encoded"):
        # A JSON body that is not UTF-8 arrives base64-encoded; Powertools would fail decoding it (a 500).
        try:
            decoded_body(event).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("The request body is not valid JSON", code="INVALID_JSON") from None


def decoded_body(event: dict[str, Any]) -> bytes:
    """The raw request body as bytes, whichever way API Gateway encoded it."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise ValidationFailed.field("body", "not valid base64") from None
    return body.encode("utf-8")


def _lambda_error(exc: AppError) -> dict[str, Any]:
    return {
        "statusCode": exc.status,
        "headers": {"content-type": JSON},
        "body": error_body(exc.code, exc.message, exc.details),
        "isBase64Encoded": False,
    }


def _field_name(location: Iterable[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_details(errors: Iterable[dict[str, Any]]) -> list[FieldError]:
    return [FieldError(_field_name(err.get("loc", ())), err.get("msg") or err.get("type", "invalid")) for err in errors]


def _register_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(err.get("type") == "json_invalid" for err in errors):
            return error(400, "INVALID_JSON", "The request body is not valid JSON")
        return error(400, "VALIDATION_ERROR", "The request is invalid", validation_details(errors))

    @app.exception_handler(AppError)
    def _app_error(exc: AppError) -> Response:
        if exc.status >= 500:
            logger().warning("request failed", extra={"status": exc.status, "code": exc.code})
        return error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(psycopg.errors.UniqueViolation)
    def _unique(exc: psycopg.errors.UniqueViolation) -> Response:
        constraint = exc.diag.constraint_name or "unique"
        logger().info("unique violation", extra={"constraint": constraint})
        return error(409, "CONFLICT", "A resource with these values already exists")

    @app.exception_handler(psycopg.errors.ForeignKeyViolation)
    def _foreign_key(exc: psycopg.errors.ForeignKeyViolation) -> Response:
        return error(422, "INVALID_REFERENCE", "The request refers to something that does not exist")

    @app.exception_handler([psycopg.errors.CheckViolation, psycopg.errors.DataError])
    def _data(exc: psycopg.Error) -> Response:
        return error(400, "VALIDATION_ERROR", "The request has a value the database refuses")

    @app.exception_handler([psycopg.OperationalError, psycopg.InterfaceError])
    def _unavailable(exc: psycopg.Error) -> Response:
        logger().warning("database unavailable", extra={"error": type(exc).__name__})
        unavailable = ServiceUnavailable("The database is unavailable, please retry shortly")
        return error(unavailable.status, unavailable.code, unavailable.message)

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger().exception("unhandled error")
        return error(500, "INTERNAL_ERROR", "Something went wrong on our side; quote the correlation id")

    @app.not_found
    def _no_route(exc: Exception) -> Response:
        return error(404, "ROUTE_NOT_FOUND", "No such route")
