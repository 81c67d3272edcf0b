"""outreachpass.scheduled: the wrapper every scheduled job's handler is (deadline, correlation id)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from outreachpass.observability import correlation_id
from outreachpass.scheduled import deadline_of, scheduled_handler


class Context:
    aws_request_id = "job-request-1"
    function_name = "job"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:job"

    def __init__(self, remaining_ms: int):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_the_job_gets_a_deadline_margin_s_before_the_timeout_and_runs_under_the_request_id():
    seen: dict[str, Any] = {}

    def job(deadline: float) -> dict[str, Any]:
        seen["left_s"] = deadline - time.monotonic()
        seen["correlation_id"] = correlation_id()
        return {"done": 3}

    handler = scheduled_handler(job, margin_s=20.0)
    assert handler({"id": "event-1"}, Context(remaining_ms=120_000)) == {"done": 3}
    assert 99.0 < seen["left_s"] <= 100.0
    assert seen["correlation_id"] == "job-request-1"


def test_without_a_request_id_the_event_id_correlates_and_a_missing_context_gets_the_default_budget():
    class Bare(Context):
        aws_request_id = None
        get_remaining_time_in_millis = None  # type: ignore[assignment]  # not a Lambda invocation

    seen: dict[str, Any] = {}

    def job(deadline: float) -> dict[str, Any]:
        seen["left_s"] = deadline - time.monotonic()
        seen["correlation_id"] = correlation_id()
        return {}

    scheduled_handler(job, margin_s=20.0, default_s=300.0)({"id": "event-7"}, Bare(0))
    assert 299.0 < seen["left_s"] <= 300.0
    assert seen["correlation_id"] == "event-7"


def test_the_deadline_is_never_less_than_a_second_away_and_a_failing_job_raises():
    assert deadline_of(Context(remaining_ms=5_000), margin_s=60.0, default_s=300.0) - time.monotonic() == pytest.approx(1.0, abs=0.1)

    def failing(deadline: float) -> dict[str, Any]:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError, match="database away"):  # the asynchronous invocation is retried
        scheduled_handler(failing)({"id": "e"}, Context(remaining_ms=60_000))
