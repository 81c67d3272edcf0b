"""After a card changes: relay the push outbox to the wallet_push queue, and refresh the wallets.

Why an outbox (migrations/V0300): services.cards.card_changed runs inside the transaction
that changes the card, which may still roll back. Sending to SQS there could push devices
for a change that never happened (and, were the send to fail, lose one that did). So the
hook only writes a row; `dispatch_outbox` sends the committed rows (claimed with FOR UPDATE
SKIP LOCKED and stamped in the same transaction) and runs every minute (the
wallet_outbox_relay schedule; locally every few seconds). A relay that dies before its
commit leaves the rows for the next run: a message may be sent twice, never lost, and a
second refresh is harmless (the worker reads the card as it is then). An edited event or
brand is one refresh request (migrations/V0631) that the relay first expands into outbox rows,
a chunk of cards per transaction.

`refresh_card` (the wallet_push worker) then:
- Apple: an empty APNs push (topic = the pass type id) to every device registered for the
  card's pass; devices APNs reports gone (410, BadDeviceToken) are unregistered. The device
  then asks the web service which serials changed and fetches the new pass.
- Google: PATCHes the card's event ticket class and object, each when what it shows changed
  (an edited card: its object; an edited event or brand: the class, and the objects whose
  expiry moved), so saved passes show the change.
Throttling and outages raise (the message is retried, then lands in the DLQ, which alarms);
so do credentials APNs or Google refuse, after an ERROR log saying what to fix.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import wallet as wallet_data
from outreachpass.data import wallet_outbox
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.integrations import queues
from outreachpass.observability import logger
from outreachpass.services.wallet.events import record_event
from outreachpass.services.wallet.google import record_sync, stored_state, sync_google_pass

QUEUE = "wallet_push"
CLAIM_LIMIT = 1000
EXPAND_CHUNK = 1000  # cards of an edited event or brand put on the outbox per transaction
TENANTS_PER_RUN = 200
RELAY_BUDGET_S = 40.0  # of the relay's 50 s timeout (lambdas/routes.py)
KEEP_DISPATCHED = timedelta(days=7)


def dispatch_outbox(*, tenant_ids: list[UUID] | None = None, budget_s: float = RELAY_BUDGET_S) -> int:
    """Send the pending outbox rows (all tenants, or these) to the wallet_push queue: one message
    per card. Returns the number of messages sent.

    Tenants take turns (a chunk of an edited event's or brand's cards onto the outbox, then
    CLAIM_LIMIT rows sent) until every one is drained or `budget_s` has passed (the rest waits
    for the next run): an edited event of 50,000 cards drains in a few runs without holding back
    the other tenants' refreshes."""
    deadline = time.monotonic() + budget_s
    if tenant_ids is None:
        with system_tx() as conn:
            tenant_ids = wallet_outbox.outbox_tenants(conn, TENANTS_PER_RUN)
    sent, pending = 0, list(tenant_ids)
    while pending and time.monotonic() < deadline:
        more = []
        for tenant_id in pending:
            count, drained = _dispatch_tenant(tenant_id)
            sent += count
            if not drained:
                more.append(tenant_id)
            if time.monotonic() >= deadline:
                break
        pending = more
    if sent:
        logger().info("wallet outbox relayed", extra={"messages": sent, "tenants": len(tenant_ids), "left_for_next_run": len(pending)})
    return sent


def _dispatch_tenant(tenant_id: UUID) -> tuple[int, bool]:
    """One turn of a tenant: a chunk of its oldest refresh request onto the outbox (an edited
    event or brand, migrations/V0631), then a chunk of its pending outbox rows sent. Returns
    (messages sent, whether the tenant is drained)."""
    with tenant_tx(tenant_id) as conn:
        request = wallet_outbox.claim_refresh_request(conn, tenant_id)
        if request is not None:
            queued = wallet_outbox.expand_refresh_request(conn, tenant_id, request, EXPAND_CHUNK)
            logger().info("wallet refresh request expanded", extra={"scope": request["scope"], "scope_id": str(request["scope_id"]), "cards": queued})
    sent = 0
    with tenant_tx(tenant_id) as conn:
        rows = wallet_outbox.claim_outbox(conn, tenant_id, CLAIM_LIMIT)
        if rows:
            by_card: dict[UUID, dict[str, Any]] = {}
            for row in rows:
                entry = by_card.setdefault(row["card_id"], {"outbox_ids": [], "vcard_rev": row["vcard_rev"]})
                entry["outbox_ids"].append(row["outbox_id"])
                entry["vcard_rev"] = max(entry["vcard_rev"], row["vcard_rev"])
            messages = [
                {"tenant_id": str(tenant_id), "card_id": str(card_id), "vcard_rev": entry["vcard_rev"], "outbox_ids": entry["outbox_ids"]}
                for card_id, entry in by_card.items()
            ]
            # Sent before the rows are stamped, in their transaction: if the send fails, the
            # transaction rolls back and the rows stay pending for the next run.
            queues.send_batch(QUEUE, messages)
            wallet_outbox.mark_dispatched(conn, tenant_id, [row["outbox_id"] for row in rows])
            sent = len(messages)
        drained = len(rows) < CLAIM_LIMIT and wallet_outbox.pending_refresh_requests(conn, tenant_id) == 0
        if drained:
            horizon = datetime.now(UTC) - KEEP_DISPATCHED
            wallet_outbox.purge_dispatched(conn, tenant_id, horizon)
            wallet_outbox.purge_done_refresh_requests(conn, tenant_id, horizon)
    return sent, drained


def refresh_card(message: dict[str, Any]) -> dict[str, int]:
    """The wallet_push worker's work for one card: APNs pushes and the Google PATCH."""
    tenant_id = UUID(str(message["tenant_id"]))
    card_id = UUID(str(message["card_id"]))
    with tenant_tx(tenant_id) as conn:
        card = wallet_data.card_for_pass(conn, tenant_id, card_id)
        if card is None:
            logger().info("wallet refresh for a card that no longer exists: nothing to do", extra={"card_id": str(card_id)})
            return {"pushed": 0, "gone": 0, "google": 0}
        apple = wallet_data.get_pass(conn, tenant_id, card_id, "apple")
        google = wallet_data.get_pass(conn, tenant_id, card_id, "google")
        registrations = wallet_data.registrations_for_pass(conn, tenant_id, apple["serial_number"]) if apple else []
    outcome = {"pushed": 0, "gone": 0, "google": 0}
    if apple and registrations:
        outcome.update(_push_apple(tenant_id, card, apple, registrations))
    if google and google["google_object_id"]:
        outcome["google"] = _patch_google(tenant_id, card, google)
    logger().info("wallet refreshed", extra={"card_id": str(card_id), "vcard_rev": card["vcard_rev"], **outcome})
    return outcome


def _push_apple(tenant_id: UUID, card: dict[str, Any], pass_row: dict[str, Any], registrations: list[dict[str, Any]]) -> dict[str, int]:
    from outreachpass.integrations.wallet import apns
    from outreachpass.integrations.wallet.credentials import apns_credentials, apple_pass_credentials

    token_credentials = apns_credentials()
    certificate = None if token_credentials is not None else apple_pass_credentials()
    client = apns.client_for(
        endpoint=apns.endpoint_for(token_credentials, settings().apns_url), token=token_credentials, certificate=certificate
    )
    topic = pass_row["pass_type_id"]
    tokens = list(dict.fromkeys(r["push_token"] for r in registrations))
    try:
        results = client.push_many(tokens, topic=topic)
    except apns.ApnsConfigurationError as exc:
        logger().error("APNs refuses our credentials or topic: fix the apns (or apple_pass) secret", extra={"reason": str(exc), "topic": topic})
        raise
    gone = [r.push_token for r in results if r.gone]
    failed = [r for r in results if not r.ok and not r.gone]
    for result in failed:
        logger().warning("APNs did not take a push", extra={"status": result.status, "reason": result.reason})
    if gone:
        with tenant_tx(tenant_id) as conn:
            wallet_data.delete_registrations_by_token(conn, tenant_id, pass_row["serial_number"], gone)
            record_event(conn, card, "apple", "removed", None, {"serial_number": pass_row["serial_number"], "reason": "apns_gone", "devices": len(gone)})
    return {"pushed": sum(1 for r in results if r.ok), "gone": len(gone)}


def _patch_google(tenant_id: UUID, card: dict[str, Any], pass_row: dict[str, Any]) -> int:
    """PATCH the card's class and object, each when what it shows changed (services.wallet.google
    compares with the SHA-256 of what Google last took). An edited event refreshes every card of
    it: its class goes once, with the first card, and the objects only when they show the edit
    (new dates: the expiry); a renamed event is one PATCH, not one per attendee. Returns the
    number of cards whose pass was sent (0 or 1)."""
    from outreachpass.integrations.wallet.credentials import google_wallet_credentials
    from outreachpass.integrations.wallet.google_wallet import GoogleWalletRejected

    creds = google_wallet_credentials()
    with tenant_tx(tenant_id) as conn:
        state = stored_state(conn, tenant_id, card, pass_row, creds.issuer_id)
    try:
        sync = sync_google_pass(card, creds, state)
    except GoogleWalletRejected as exc:
        logger().error("Google Wallet refused the class or object PATCH", extra={"reason": str(exc)})
        raise
    if not sync.sent:
        return 0
    with tenant_tx(tenant_id) as conn:
        record_sync(conn, tenant_id, pass_row, card, sync)
        record_event(conn, card, "google", "updated", None, {"object_id": sync.object_id, "vcard_rev": card["vcard_rev"]})
    return 1
