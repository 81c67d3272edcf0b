"""POST /wallet/google/callback: Google Wallet tells us a card's pass was saved or deleted.

The class of every card's object names this route in its callbackOptions (services.wallet.google),
so Google posts a signed message for each save ("save") and delete ("del") by a user. Once the
signature checks out (integrations.wallet.google_callbacks: Google's root keys, the
intermediate key, our issuer id as recipient, not expired), the card's Google pass gets an
`added` or `removed` wallet event, once per Google nonce (Google may deliver a callback twice).

What is not ours is acknowledged and ignored, so Google does not retry it: an object of another
issuer or prefix, an unknown pass, a pass of a disabled tenant, an unknown event type. What is
not signed by Google is refused (400). Google's keys being unreachable is a 503: Google retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreachpass.data import wallet as wallet_data
from outreachpass.db.connection import system_tx
from outreachpass.errors import AppError, ServiceUnavailable
from outreachpass.observability import logger
from outreachpass.services.wallet.events import record_event
from outreachpass.services.wallet.google import GOOGLE_OBJECT_PREFIX


class InvalidCallback(AppError):
    status = 400
    code = "INVALID_CALLBACK"

    def __init__(self, why: str):
        super().__init__("The callback is not a message signed by Google for this issuer")
        self.why = why  # logged, not answered


@dataclass(frozen=True)
class CallbackOutcome:
    recorded: bool
    reason: str  # "recorded", "duplicate", or why it was ignored


def receive_callback(raw: bytes) -> CallbackOutcome:
    from outreachpass.integrations.wallet.credentials import google_wallet_credentials
    from outreachpass.integrations.wallet.google_callbacks import (
        EVENT_TYPES,
        CallbackRejected,
        KeysUnavailable,
        root_signing_keys,
        verify_callback,
    )

    creds = google_wallet_credentials()
    try:
        message = verify_callback(raw, recipient_id=creds.issuer_id, root_keys=root_signing_keys())
    except CallbackRejected as exc:
        raise InvalidCallback(str(exc)) from None
    except KeysUnavailable as exc:
        logger().warning("Google's callback signing keys are unavailable", extra={"reason": str(exc)})
        raise ServiceUnavailable("Google's signing keys are not reachable right now") from None

    event_type = EVENT_TYPES.get(message.event_type)
    prefix = f"{creds.issuer_id}."
    if event_type is None:
        return _ignored(f"event type {message.event_type!r}", message.object_id)
    if not message.object_id.startswith(prefix + GOOGLE_OBJECT_PREFIX):
        return _ignored("not an object of our issuer's cards", message.object_id)
    serial = message.object_id[len(prefix):]
    with system_tx() as conn:
        tenant_id = wallet_data.bind_pass_tenant(conn, serial)  # None for an unknown pass or a disabled tenant
        pass_row = wallet_data.get_pass_by_serial(conn, tenant_id, serial) if tenant_id else None
        if (tenant_id is None or pass_row is None or pass_row["platform"] != "google"
                or pass_row["google_object_id"] != message.object_id):
            return _ignored("no such Google pass", message.object_id)
        card = wallet_data.card_for_pass(conn, tenant_id, pass_row["card_id"])
        if card is None:
            return _ignored("the card is gone", message.object_id)
        recorded = record_event(
            conn, card, "google", event_type, None,
            {"object_id": message.object_id, "class_id": message.class_id, "nonce": message.nonce},
            dedupe_key=f"google:{message.nonce}",
        )
    logger().info("Google Wallet callback", extra={"tenant_id": str(tenant_id), "card_id": str(card["card_id"]),
                                                    "event_type": event_type, "duplicate": not recorded})
    return CallbackOutcome(recorded, "recorded" if recorded else "duplicate")


def _ignored(reason: str, object_id: str) -> CallbackOutcome:
    logger().info("Google Wallet callback ignored", extra={"reason": reason, "object_id": object_id[:200]})
    return CallbackOutcome(False, reason)
