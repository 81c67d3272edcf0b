"""Loading handler modules and invoking them as the Lambda runtime does.

A handler string names a module (relative to `lambdas/`, or any importable module in
tests); its entry point is `handler(event, context)`. Modules are imported once and kept,
like a warm container; the import itself is the "init phase".
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from local.events import LambdaContext, function_name

log = logging.getLogger("local.invoke")

Handler = Callable[[Any, Any], Any]


class HandlerLoadError(Exception):
    """The module could not be imported or has no `handler` (a Lambda init error)."""


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        # First invocations run one at a time. In Lambda each function has its own process; here the
        # server threads and the poller share one, and two cold handlers importing the same lazy
        # modules at once (Powertools' batch utilities, jinja2, ...) can see a partially initialized
        # module. Warm invocations run concurrently.
        self.cold_start_lock = threading.RLock()
        self._warm: set[str] = set()
        # One invocation at a time per function, as in one Lambda container: a handler's module
        # state (Powertools' resolver context, the logger's appended keys) is not made for two
        # invocations at once, and Lambda never gives a container two. (AWS runs concurrent
        # requests in more containers; locally they queue.)
        self._function_locks: dict[str, threading.Lock] = {}

    def function_lock(self, module_name: str) -> threading.Lock:
        with self._lock:
            return self._function_locks.setdefault(module_name, threading.Lock())

    def is_warm(self, module_name: str) -> bool:
        return module_name in self._warm

    def mark_warm(self, module_name: str) -> None:
        self._warm.add(module_name)

    def get(self, module_name: str) -> Handler:
        handler = self._handlers.get(module_name)
        if handler is not None:
            return handler
        with self._lock:
            handler = self._handlers.get(module_name)
            if handler is None:
                try:
                    module = importlib.import_module(module_name)
                except Exception as exc:
                    raise HandlerLoadError(f"cannot import handler module '{module_name}': {exc!r}") from exc
                handler = getattr(module, "handler", None)
                if not callable(handler):
                    raise HandlerLoadError(f"module '{module_name}' has no callable 'handler'")
                self._handlers[module_name] = handler
            return handler


@dataclass
class Invocation:
    result: Any
    duration_ms: float
    context: LambdaContext
    timed_out: bool


def invoke(
    registry: HandlerRegistry,
    module_name: str,
    event: Any,
    *,
    stage: str,
    region: str,
    memory_mb: int,
    timeout_s: int,
) -> Invocation:
    """Call the handler; exceptions propagate (the caller maps them as AWS would)."""
    cold = not registry.is_warm(module_name)
    with registry.function_lock(module_name), registry.cold_start_lock if cold else nullcontext():
        invocation = _call(registry, module_name, event, stage=stage, region=region, memory_mb=memory_mb, timeout_s=timeout_s)
        if cold:
            registry.mark_warm(module_name)
    return invocation


def _call(
    registry: HandlerRegistry,
    module_name: str,
    event: Any,
    *,
    stage: str,
    region: str,
    memory_mb: int,
    timeout_s: int,
) -> Invocation:
    handler = registry.get(module_name)
    context = LambdaContext(
        function_name=function_name(stage, module_name),
        memory_limit_in_mb=memory_mb,
        timeout_s=timeout_s,
        region=region,
    )
    started = time.perf_counter()
    result = handler(event, context)
    duration_ms = (time.perf_counter() - started) * 1000
    timed_out = duration_ms > timeout_s * 1000
    if timed_out:
        # Locally the call is allowed to finish (debuggers, breakpoints); in AWS it would
        # have been stopped. Say so loudly: the function's timeout in routes.py is too low.
        log.warning(
            "%s ran %.0f ms, longer than its %d s timeout: in AWS this invocation would have timed out",
            module_name,
            duration_ms,
            timeout_s,
        )
    return Invocation(result=result, duration_ms=duration_ms, context=context, timed_out=timed_out)
