"""Scheduled (every minute): jobs whose work was dead-lettered end failed with the reason
(services/dead_letters.sweep). The DLQs' messages are read, never consumed.

Failures raise: the asynchronous invocation is retried, and the next run reads the DLQs again;
failing a job twice is a no-op.
"""

from __future__ import annotations

from typing import Any

from outreachpass.scheduled import scheduled_handler
from outreachpass.services.dead_letters import sweep


def sweep_dead_letters(deadline: float) -> dict[str, Any]:
    report = sweep()  # one pass over four DLQs takes seconds; the schedule's timeout is far above it
    return {"read": report.read, "failed_jobs": [str(job_id) for job_id in report.failed_jobs], "unattributed": report.unattributed}


handler = scheduled_handler(sweep_dead_letters)
