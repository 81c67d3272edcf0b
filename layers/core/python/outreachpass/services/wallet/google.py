"""A card's Google Wallet pass: the generic object (in its event's generic class) that shows the
card, kept up to date at Google, and GET /c/{card_id}/wallet/google's save link to it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import NotFound, ServiceUnavailable
from outreachpass.observability import logger
from outreachpass.services.card_appearance import card_url, event_dates_of, organisation_of, parse_card_id, pass_look
from outreachpass.services.card_tracking import Visitor
from outreachpass.services.feature_flags import Features
from outreachpass.services.wallet.events import record_event

GOOGLE_CLASS_PREFIX = "outreachpass-event-"
GOOGLE_TENANT_CLASS_PREFIX = "outreachpass-tenant-"
GOOGLE_OBJECT_PREFIX = "outreachpass-card-"


def google_class_id(issuer_id: str, card: dict[str, Any]) -> str:
    if card.get("event_id"):
        return f"{issuer_id}.{GOOGLE_CLASS_PREFIX}{card['event_id']}"
    return f"{issuer_id}.{GOOGLE_TENANT_CLASS_PREFIX}{card['tenant_id']}"


def google_object_id(issuer_id: str, card_id: UUID) -> str:
    return f"{issuer_id}.{GOOGLE_OBJECT_PREFIX}{card_id}"


def _localized(value: str) -> dict[str, Any]:
    return {"defaultValue": {"language": "en-US", "value": value}}


CALLBACK_PATH = "/wallet/google/callback"


def callback_url() -> str:
    """Where Google posts the class's save / delete callbacks (POST /wallet/google/callback)."""
    return f"{settings().public_base_url}{CALLBACK_PATH}"


def google_class(class_id: str) -> dict[str, Any]:
    """The generic class of an event's cards: what the objects show is in each object; the class
    carries the callback URL, so saves and deletes are reported to us."""
    return {"id": class_id, "callbackOptions": {"url": callback_url()}}


def google_object(card: dict[str, Any], *, object_id: str, class_id: str) -> dict[str, Any]:
    """The generic object of a card (what a saved Google pass shows)."""
    from outreachpass.integrations.wallet.apple_pass import qr_url

    look = pass_look(card.get("theme_json"))
    url = card_url(card["card_id"])
    modules = [
        {"id": key, "header": header, "body": str(value).strip()}
        for key, header, value in (
            ("organisation", "Organisation", card.get("org_name")),
            ("event", "Event", card.get("event_name")),
            ("when", "When", event_dates_of(card)),
            ("email", "Email", card.get("email")),
            ("phone", "Phone", card.get("phone")),
        )
        if value and str(value).strip()
    ]
    body: dict[str, Any] = {
        "id": object_id,
        "classId": class_id,
        "state": "INACTIVE" if card.get("deleted_at") else "ACTIVE",
        "cardTitle": _localized(organisation_of(card)),
        "header": _localized(card["display_name"]),
        "hexBackgroundColor": look.background,
        "barcode": {"type": "QR_CODE", "value": qr_url(url), "alternateText": card["display_name"][:40]},
        "textModulesData": modules,
        "linksModuleData": {"uris": [{"uri": url, "description": "Contact card", "id": "card"}]},
    }
    if card.get("title") and str(card["title"]).strip():
        body["subheader"] = _localized(str(card["title"]).strip())
    return body


def ensure_google_object(card: dict[str, Any], credentials: Any, *, patch: bool = False) -> str:
    """Create (or update) the card's class and object at Google; returns the object id.
    Raises GoogleWalletError (retry later) or GoogleWalletRejected."""
    from outreachpass.integrations.wallet.google_wallet import client_for

    client = client_for(credentials, settings().google_wallet_api_url)
    class_id = google_class_id(credentials.issuer_id, card)
    object_id = google_object_id(credentials.issuer_id, card["card_id"])
    body = google_object(card, object_id=object_id, class_id=class_id)
    _ensure_class(client, class_id)  # once per container and class
    if patch:
        client.patch_object(body)  # inserts it when Google has none
    else:
        client.upsert_object(body)
    return object_id


_known_classes: set[tuple[str, str]] = set()


def _ensure_class(client: Any, class_id: str) -> None:
    key = (client.credentials.client_email, class_id)
    if key in _known_classes:
        return
    client.ensure_class(google_class(class_id))
    _known_classes.add(key)


def google_pass_current(pass_row: dict[str, Any] | None, card: dict[str, Any]) -> bool:
    return bool(
        pass_row is not None
        and pass_row["status"] == "active"
        and pass_row["google_object_id"]
        and pass_row["vcard_rev"] == card["vcard_rev"]
    )


def ensure_google_pass_row(conn: Conn, tenant_id: UUID, card: dict[str, Any], issuer_id: str) -> tuple[dict[str, Any], bool]:
    found = wallet_data.get_pass(conn, tenant_id, card["card_id"], "google")
    if found is not None:
        return found, False
    object_id = google_object_id(issuer_id, card["card_id"])
    created = wallet_data.insert_pass(
        conn,
        tenant_id,
        {
            "card_id": card["card_id"],
            "platform": "google",
            "serial_number": object_id.split(".", 1)[1],
            "pass_type_id": google_class_id(issuer_id, card),
            "google_object_id": None,
            "vcard_rev": card["vcard_rev"],
            "status": "pending",
        },
    )
    if created is not None:
        return created, True
    found = wallet_data.get_pass(conn, tenant_id, card["card_id"], "google")
    assert found is not None
    return found, False


def google_unavailable(exc: Exception) -> ServiceUnavailable:
    from outreachpass.integrations.wallet.google_wallet import GoogleWalletRejected

    if isinstance(exc, GoogleWalletRejected):
        logger().error("Google Wallet refused a call: check the google_wallet secret and the issuer", extra={"reason": str(exc)})
    else:
        logger().warning("Google Wallet unavailable", extra={"reason": str(exc)})
    return ServiceUnavailable("Google Wallet is not reachable right now, please retry shortly", code="GOOGLE_WALLET_UNAVAILABLE")


def google_save_link(raw_card_id: str, visitor: Visitor | None) -> str:
    """GET /c/{card_id}/wallet/google: the card's object at Google (inserted or brought up to
    date first), and the save URL whose JWT references it; 404 FEATURE_DISABLED when the card's
    tenant or brand switched Google Wallet off."""
    from outreachpass.integrations.wallet.credentials import google_wallet_credentials
    from outreachpass.integrations.wallet.google_wallet import GoogleWalletError, origin_of, save_jwt, save_url

    card_id = parse_card_id(raw_card_id)
    with system_tx() as conn:
        found = wallet_data.live_card_for_pass(conn, card_id)
        if found is None:
            raise NotFound("card", card_id)
        tenant_id, card = found
        Features.of_row(card).require("google_wallet")  # switched off: 404, whatever the credentials
        creds = google_wallet_credentials()
        pass_row, created = ensure_google_pass_row(conn, tenant_id, card, creds.issuer_id)
    generated = False
    if not google_pass_current(pass_row, card):
        try:
            object_id = ensure_google_object(card, creds)  # outside any transaction: Google can be slow
        except GoogleWalletError as exc:
            raise google_unavailable(exc) from None
        generated = True
    else:
        object_id = pass_row["google_object_id"]
    with tenant_tx(tenant_id) as conn:
        if generated:
            wallet_data.update_pass(
                conn, tenant_id, pass_row["pass_id"], {"google_object_id": object_id, "vcard_rev": card["vcard_rev"], "status": "active"}
            )
            if created or pass_row["status"] != "active":
                record_event(conn, card, "google", "generated", visitor, {"object_id": object_id, "source": "save_link"})
        record_event(conn, card, "google", "downloaded", visitor, {"object_id": object_id})
    token = save_jwt(creds, [object_id], origins=[origin_of(settings().public_base_url)])
    logger().info("Google save link issued", extra={"card_id": str(card_id), "object_updated": generated})
    return save_url(token)
