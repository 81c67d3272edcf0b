"""outreachpass.lazy: the one lazy-singleton helper (built once, per arguments, thread-safe, resettable)."""

from __future__ import annotations

import threading
import time

from outreachpass.lazy import lazy


def test_a_value_is_built_on_first_use_once_even_when_threads_race():
    calls = []

    @lazy
    def slow() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while the first builds
        return object()

    assert not slow.built()
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(slow())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert len({id(value) for value in results}) == 1
    assert slow.built() and slow() is results[0]


def test_each_distinct_argument_gets_its_own_value_and_reset_forgets_them_all():
    built: list[tuple[str, str]] = []

    @lazy
    def client(service: str, flavour: str = "default") -> tuple[str, str]:
        built.append((service, flavour))
        return (service, flavour)

    assert client("s3") is client("s3")
    assert client("s3", flavour="presign") == ("s3", "presign")
    assert client("sqs") == ("sqs", "default")
    assert built == [("s3", "default"), ("s3", "presign"), ("sqs", "default")]
    client.reset()
    assert not client.built()
    client("s3")
    assert built[-1] == ("s3", "default") and len(built) == 4


def test_the_decorated_function_keeps_its_name_and_docstring():
    @lazy
    def environment() -> int:
        """The environment."""
        return 1

    assert (environment.__name__, environment.__doc__) == ("environment", "The environment.")
