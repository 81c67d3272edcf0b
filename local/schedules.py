"""Scheduled jobs of the route table that `make dev` runs by itself, every few seconds instead of
every minute, so what they do shows while you watch (EventBridge runs them in AWS; the tests run
them once through LocalStack.run_schedule, the same invocation). Today: email_schedule, which
starts the scheduled card e-mails that are due, and dead_letter_jobs, which fails the jobs whose
messages the poller moved to a DLQ. (The wallet outbox relay has its own loop, in
local/wallet_credentials.py.)"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

INTERVAL_S = 5.0
LOCAL_SCHEDULES = ("email_schedule", "dead_letter_jobs")  # names in routes.SCHEDULES


class Repeating:
    """Calls `job` every `interval_s` on a daemon thread; a failure is logged and tried again."""

    def __init__(self, name: str, job: Callable[[], object], interval_s: float = INTERVAL_S):
        self.name = name
        self.job = job
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(self.interval_s):
                try:
                    self.job()
                except Exception:
                    log.warning("%s failed; it runs again in %.0f s", self.name, self.interval_s, exc_info=True)

        self._thread = threading.Thread(target=loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
