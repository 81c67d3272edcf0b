"""Scheduled (every minute): start the scheduled card e-mail jobs that are due
(services/email/scheduling.release_due; see migrations/V0821).

A job that cannot be started now stays scheduled and the next run tries again; the run itself
does not fail for it. It stops at its deadline; what is left is due for the next run.
"""

from __future__ import annotations

from typing import Any

from outreachpass.scheduled import scheduled_handler
from outreachpass.services.email.scheduling import release_due


def release(deadline: float) -> dict[str, Any]:
    return release_due(deadline=deadline).as_dict()


handler = scheduled_handler(release, margin_s=15)
