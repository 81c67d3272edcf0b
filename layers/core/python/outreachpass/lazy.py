"""Values built on first use and kept for the container's life: the one lazy-singleton helper.

    @lazy
    def environment() -> Environment:      # built on the first call, then the same object
        ...

    environment.reset()                    # forget it (tests, the local stack switching endpoints)

A lazily built value keeps import time free of clients and heavy imports (cold starts pay only
for what a function uses; see docs/decisions.md on lazy imports and SnapStart). A function
with arguments keeps one value per distinct (hashable) arguments, so a keyed cache such as
one boto3 client per service is the same helper. The value is built under a lock, once, even
when two threads ask at the same moment; later calls read it without the lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Lazy(Generic[P, T]):
    def __init__(self, build: Callable[P, T]) -> None:
        self._build = build
        self._values: dict[Hashable, T] = {}
        self._lock = threading.Lock()
        functools.update_wrapper(self, build)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        key: Hashable = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._values:
                self._values[key] = self._build(*args, **kwargs)
            return self._values[key]

    def built(self) -> bool:
        """Whether any value has been built (and not reset) yet."""
        return bool(self._values)

    def reset(self) -> None:
        """Forget every value built so far: the next call builds again."""
        with self._lock:
            self._values.clear()


def lazy(build: Callable[P, T]) -> Lazy[P, T]:
    """Decorate a builder: its result is made on the first call (per arguments) and reused."""
    return Lazy(build)
