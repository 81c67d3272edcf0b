"""Logger, Tracer and Metrics, created on first use (not at import) and shared per container.

Every log line carries the service, the correlation id (the API Gateway request id) and,
once known, the tenant id. Tracing is on in AWS (X-Ray active tracing) and off locally.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

from outreachpass.lazy import lazy

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


@lru_cache(maxsize=1)
def logger() -> Logger:
    return Logger(utc=True)


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    return Tracer()


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    return Metrics()


# A context variable, not a global: the local server runs many invocations on threads at once.
_correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")


def set_correlation_id(value: str) -> None:
    """Called once per invocation by the handler wrappers, before anything can respond or log."""
    _correlation_id.set(value)


def correlation_id() -> str:
    return _correlation_id.get()


def lambda_entry(invoke: LambdaHandler) -> LambdaHandler:
    """`invoke` as a Lambda entry point with Powertools' Lambda context in its log lines (cold
    start, request id, function), instrumented on the first call, so importing a handler
    module reads no environment. The handler wrappers (api.app, workers, scheduled) use it."""

    @lazy
    def instrumented() -> LambdaHandler:
        wrapped: LambdaHandler = logger().inject_lambda_context(clear_state=True)(invoke)
        return wrapped

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return instrumented()(event, context)

    return handler
