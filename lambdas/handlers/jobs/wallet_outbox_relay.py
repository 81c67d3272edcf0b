"""Scheduled (every minute): send the committed wallet refreshes of the push outbox to the
wallet_push queue (services/wallet/push.dispatch_outbox; see migrations/V0300).

Failures raise: the asynchronous invocation is retried and the rows stay pending, so the next
run sends them; nothing is lost. One relay run is short: it needs no deadline.
"""

from __future__ import annotations

from typing import Any

from outreachpass.scheduled import scheduled_handler
from outreachpass.services.wallet.push import dispatch_outbox


def relay(deadline: float) -> dict[str, Any]:
    return {"sent": dispatch_outbox()}


handler = scheduled_handler(relay)
