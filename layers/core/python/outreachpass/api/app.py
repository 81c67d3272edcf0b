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

from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from outreachpass.api.auth import authenticate, clear_principal, ensure_caller_checked
from outreachpass.api.body import decoded_body, invalid_json, load_json, validation_details
from outreachpass.api.envelope import JSON, error, error_body
from outreachpass.api.origin import verify_origin
from outreachpass.errors import AppError, PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType
from outreachpass.jsonutil import dumps
from outreachpass.observability import LambdaHandler, lambda_entry, logger, set_correlation_id

DEFAULT_MAX_BODY_BYTES = 256 * 1024


def new_router() -> Router:
    return Router()


def build_resolver(*routers: Router) -> APIGatewayHttpResolver:
    """A resolver with validation and our error rendering, holding the given routers."""
    # load_json: one parser for every JSON body (bounded depth and numbers; see api.body)
    app = APIGatewayHttpResolver(enable_validation=True, serializer=dumps, json_body_deserializer=load_json)
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

    def invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        correlation = request_context.get("requestId") or (getattr(context, "aws_request_id", None) or "-")
        set_correlation_id(correlation)
        log = logger()
        log.set_correlation_id(correlation)
        clear_principal()
        try:
            if allowed_roles is None:  # public: only through CloudFront (outreachpass.api.origin)
                verify_origin(event)
            # Who may call comes before the body: a refused caller learns nothing about what its body would do.
            if allowed_roles is not None:
                claims = ((request_context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
                principal = authenticate(claims, allowed_roles)
                log.append_keys(tenant_id=str(principal.tenant_id), role=principal.role)
            try:
                _check_body(event, max_body_bytes, accepted)
            except AppError:
                if allowed_roles is not None:
                    ensure_caller_checked()  # a caller the database refuses gets its 401/403, not the body's 413/415
                raise
            response = resolver.resolve(event, context)
            if allowed_roles is not None:
                ensure_caller_checked()
        except AppError as exc:
            log.info("request refused", extra={"status": exc.status, "code": exc.code})
            response = _lambda_error(exc)
        finally:
            clear_principal()  # a warm container's next invocation starts with no caller
        response.setdefault("headers", {})["x-correlation-id"] = correlation
        return response

    handler = lambda_entry(invoke)
    handler.resolver = resolver  # type: ignore[attr-defined]  # tests and the OpenAPI generator use it
    handler.roles = allowed_roles  # type: ignore[attr-defined]
    handler.accepts = accepted  # type: ignore[attr-defined]  # the OpenAPI generator documents a body that is not JSON
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
            raise invalid_json() from None


def _lambda_error(exc: AppError) -> dict[str, Any]:
    return {
        "statusCode": exc.status,
        "headers": {"content-type": JSON},
        "body": error_body(exc.code, exc.message, exc.details),
        "isBase64Encoded": False,
    }


def _validation(exc: RequestValidationError) -> Response[Any]:
    errors = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in errors):
        return error(400, "INVALID_JSON", "The request body is not valid JSON")
    return error(400, "VALIDATION_ERROR", "The request is invalid", validation_details(errors))


def _app_error(exc: AppError) -> Response[Any]:
    if exc.status >= 500:
        logger().warning("request failed", extra={"status": exc.status, "code": exc.code})
    return error(exc.status, exc.code, exc.message, exc.details)


def _unique(exc: psycopg.errors.UniqueViolation) -> Response[Any]:
    constraint = exc.diag.constraint_name or "unique"
    logger().info("unique violation", extra={"constraint": constraint})
    return error(409, "CONFLICT", "A resource with these values already exists")


def _foreign_key(exc: psycopg.errors.ForeignKeyViolation) -> Response[Any]:
    return error(422, "INVALID_REFERENCE", "The request refers to something that does not exist")


def _data(exc: psycopg.Error) -> Response[Any]:
    return error(400, "VALIDATION_ERROR", "The request has a value the database refuses")


def _unavailable(exc: psycopg.Error) -> Response[Any]:
    logger().warning("database unavailable", extra={"error": type(exc).__name__})
    unavailable = ServiceUnavailable("The database is unavailable, please retry shortly")
    return error(unavailable.status, unavailable.code, unavailable.message)


def _unexpected(exc: Exception) -> Response[Any]:
    logger().exception("unhandled error")
    return error(500, "INTERNAL_ERROR", "Something went wrong on our side; quote the correlation id")


def _no_route(exc: Exception) -> Response[Any]:
    return error(404, "ROUTE_NOT_FOUND", "No such route")


# Which errors each renderer answers (Powertools picks the handler of the most specific class).
_ERROR_HANDLERS: tuple[tuple[type[Exception] | list[type[Exception]], Callable[[Any], Response[Any]]], ...] = (
    (RequestValidationError, _validation),
    (AppError, _app_error),
    (psycopg.errors.UniqueViolation, _unique),
    (psycopg.errors.ForeignKeyViolation, _foreign_key),
    ([psycopg.errors.CheckViolation, psycopg.errors.DataError], _data),
    ([psycopg.OperationalError, psycopg.InterfaceError], _unavailable),
    (Exception, _unexpected),
)


def _register_error_handlers(app: APIGatewayHttpResolver) -> None:
    for errors, render in _ERROR_HANDLERS:
        app.exception_handler(errors)(render)
    app.not_found(_no_route)
