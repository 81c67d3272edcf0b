"""Worker on the wallet_push queue: refresh the wallets of one changed card
(services/wallet/push.refresh_card): an empty APNs push to each registered Apple device, and a
PATCH of the card's Google Wallet object. Outages and refused credentials raise, so SQS
retries the message and then moves it to the DLQ (which alarms); a retried push is harmless.
"""

from __future__ import annotations

from typing import Any

from outreachpass.services.wallet.push import refresh_card
from outreachpass.workers import sqs_handler


def process(message: dict[str, Any], record: Any) -> None:
    refresh_card(message)


handler = sqs_handler(process)
