"""EventBridge schedules, emulated: a schedule's handler invoked with a scheduled event, on
demand (`run`, tests) or every few seconds in a background thread (`make dev`), so what the
schedule does in AWS is seen happening locally (e.g. a job whose messages were dead-lettered
ending failed a few seconds after the poller moved them to the DLQ).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import routes
from local.invoke import HandlerRegistry, invoke

log = logging.getLogger("local.schedules")


def scheduled_event(schedule: routes.Schedule, region: str) -> dict[str, Any]:
    """The event EventBridge sends a scheduled rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{schedule.name}"],
        "detail": {},
    }


class LocalSchedules:
    def __init__(self, *, registry: HandlerRegistry, stage: str, region: str):
        self.registry = registry
        self.stage = stage
        self.region = region
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def run(self, name: str) -> Any:
        """Invoke the schedule now, as its rule would; returns the handler's result."""
        schedule = next(s for s in routes.SCHEDULES if s.name == name)
        invocation = invoke(
            self.registry, schedule.handler, scheduled_event(schedule, self.region),
            stage=self.stage, region=self.region, memory_mb=schedule.needs.memory_mb, timeout_s=schedule.needs.timeout_s,
        )
        return invocation.result

    def start(self, name: str, interval_s: float) -> None:
        """Run the schedule every `interval_s` in the background; never raises into the stack."""
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.run(name)
                except Exception:
                    log.warning("schedule %s failed locally; it runs again in %.0f s", name, interval_s, exc_info=True)

        thread = threading.Thread(target=loop, name=f"schedule-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
