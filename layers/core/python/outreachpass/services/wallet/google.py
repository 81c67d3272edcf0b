"""A card's Google Wallet pass: an event ticket object in its event's event ticket class, kept
up to date at Google, and GET /c/{card_id}/wallet/google's save link to it.

Why event tickets (docs/decisions.md): the class carries what every attendee's pass shares and
Google shows natively (the event's name, dates and venue, the organiser's name, logo, hero image
and colour, the venue's location for notifications), the object what is the attendee's (name,
organisation, title, e-mail, phone, the QR code of the card). A card outside any event gets its
tenant's class, named after the organiser.

Words are LocalizedStrings (services.wallet.labels): the object's in the pass's language, the
class's in the event's, every supported language in `translatedValues`. Images are the brand's
Google renditions (services/images.py: google-logo.png, google-hero.png) at ASSETS_BASE_URL, when
they exist; without a public assets URL (the local stack) a class has none.

Class and object are sent when what they show changed: the SHA-256 of each body is kept
(wallet_google_classes, wallet_passes.google_body_sha256) and compared before each call.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import NotFound, ServiceUnavailable
from outreachpass.observability import logger
from outreachpass.services.card_appearance import card_url, parse_card_id, pass_look
from outreachpass.services.card_tracking import Visitor
from outreachpass.services.feature_flags import Features
from outreachpass.services.wallet.events import record_event
from outreachpass.services.wallet.labels import localized
from outreachpass.services.wallet.pass_event import PassEvent, pass_event

GOOGLE_CLASS_PREFIX = "outreachpass-eventticket-"
GOOGLE_TENANT_CLASS_PREFIX = "outreachpass-eventticket-tenant-"
GOOGLE_OBJECT_PREFIX = "outreachpass-ticket-"
LEGACY_GENERIC_PREFIX = "outreachpass-card-"  # the generic objects of before issue 17
ASSETS_BUCKET = "assets"
LOGO = "google-logo.png"
HERO = "google-hero.png"


def google_class_id(issuer_id: str, card: dict[str, Any]) -> str:
    if card.get("event_id"):
        return f"{issuer_id}.{GOOGLE_CLASS_PREFIX}{card['event_id']}"
    return f"{issuer_id}.{GOOGLE_TENANT_CLASS_PREFIX}{card['tenant_id']}"


def google_object_id(issuer_id: str, card_id: UUID) -> str:
    return f"{issuer_id}.{GOOGLE_OBJECT_PREFIX}{card_id}"


def body_sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


CALLBACK_PATH = "/wallet/google/callback"


def callback_url() -> str:
    """Where Google posts the save / delete callbacks of a class's objects (POST /wallet/google/callback)."""
    return f"{settings().public_base_url}{CALLBACK_PATH}"


def _plain(language: str, value: str) -> dict[str, Any]:
    """A LocalizedString of data (a name, an address): the same in every language."""
    return {"defaultValue": {"language": language, "value": value}}


def _text_module(module_id: str, language: str, label: str, body: Any) -> list[dict[str, Any]]:
    if body is None or not str(body).strip():
        return []
    return [{"id": module_id, "localizedHeader": localized(language, label), "body": str(body).strip()}]


def _field(path: str, **extra: Any) -> dict[str, Any]:
    return {"firstValue": {"fields": [{"fieldPath": path, **extra}]}}


# The card face: the attendee's name and title, their organisation, then when and where.
CARD_TEMPLATE = {
    "cardTemplateOverride": {
        "cardRowTemplateInfos": [
            {"twoItems": {"startItem": _field("object.textModulesData['name']"), "endItem": _field("object.textModulesData['title']")}},
            {"oneItem": {"item": _field("object.textModulesData['organisation']")}},
            {"twoItems": {
                "startItem": _field("class.dateTime.start", dateFormat="DATE_TIME"),
                "endItem": {"firstValue": {"fields": [{"fieldPath": "class.venue.name"}, {"fieldPath": "class.textModulesData['venue']"}]}},
            }},
        ]
    }
}


def _owned_logo_folder(card: dict[str, Any]) -> str | None:
    key = (card.get("theme_json") or {}).get("logo_s3_key")
    if not isinstance(key, str) or ".." in key or not key.startswith(f"logos/{card['tenant_id']}/"):
        return None
    return posixpath.dirname(key)


def _brand_image(card: dict[str, Any], name: str, description: str, language: str) -> dict[str, Any] | None:
    """The brand's Google rendition `name` as a Google Image, when it exists and has a public URL."""
    from outreachpass.integrations.wallet.images import stored_image

    base, folder = settings().assets_base_url, _owned_logo_folder(card)
    bucket = settings().buckets.get(ASSETS_BUCKET)
    if not base or not folder or not bucket:
        return None
    key = f"{folder}/{name}"
    if stored_image(bucket, key) is None:  # a logo uploaded before the renditions existed
        return None
    return {"sourceUri": {"uri": f"{base}/{quote(key)}"}, "contentDescription": _plain(language, description)}


def google_class(card: dict[str, Any], *, class_id: str, event: PassEvent | None = None) -> dict[str, Any]:
    """The event ticket class of the card's event (or of its tenant, outside any event)."""
    event = event or pass_event(card)
    language = _class_language(card)
    look = pass_look(card.get("theme_json"))
    body: dict[str, Any] = {
        "id": class_id,
        "issuerName": event.organiser,
        "reviewStatus": "UNDER_REVIEW",
        "eventId": class_id.split(".", 1)[1][-64:],
        "eventName": _plain(language, event.name or event.organiser),
        "hexBackgroundColor": look.background,
        "classTemplateInfo": CARD_TEMPLATE,
        # Google reports each save and delete of the class's objects there (wallet counters).
        "callbackOptions": {"url": callback_url()},
    }
    if event.starts_at is not None:
        body["dateTime"] = {"start": event.starts_at.isoformat(), **({"end": event.ends_at.isoformat()} if event.ends_at else {})}
    if event.venue_name and event.venue_address:
        body["venue"] = {"name": _plain(language, event.venue_name), "address": _plain(language, event.venue_address)}
    modules = [*([] if "venue" in body else _text_module("venue", language, "venue", event.venue_text)),
               *_text_module("organiser_email", language, "organiser_email", event.contact_email)]
    if modules:
        body["textModulesData"] = modules
    if event.location:
        body["merchantLocations"] = [{"latitude": event.location[0], "longitude": event.location[1]}]
    logo = _brand_image(card, LOGO, event.organiser, language)
    if logo:
        body["logo"] = logo
    hero = _brand_image(card, HERO, event.organiser, language)
    if hero:
        body["heroImage"] = hero
    return body


def _class_language(card: dict[str, Any]) -> str:
    from outreachpass.services.wallet.labels import pass_language

    return pass_language(None, card.get("event_language"))  # shared by the event's attendees


def google_object(card: dict[str, Any], *, object_id: str, class_id: str, event: PassEvent | None = None) -> dict[str, Any]:
    """The event ticket object of a card (what a saved Google pass shows of the attendee)."""
    from outreachpass.integrations.wallet.apple_pass import qr_url

    event = event or pass_event(card)
    language = event.language
    look = pass_look(card.get("theme_json"))
    url = card_url(card["card_id"])
    modules = [
        module
        for key, value in (
            ("name", card.get("display_name")),
            ("title", card.get("title")),
            ("organisation", card.get("org_name")),
            ("email", card.get("email")),
            ("phone", card.get("phone")),
            ("about", card.get("bio")),
        )
        for module in _text_module(key, language, key, value)
    ]
    body: dict[str, Any] = {
        "id": object_id,
        "classId": class_id,
        "state": "INACTIVE" if card.get("deleted_at") else "ACTIVE",
        "ticketHolderName": card["display_name"],
        "hexBackgroundColor": look.background,
        "barcode": {"type": "QR_CODE", "value": qr_url(url), "alternateText": card["display_name"][:40]},
        "textModulesData": modules,
        "linksModuleData": {"uris": [
            {"uri": url, "description": "Contact card", "localizedDescription": localized(language, "contact_card"), "id": "card"},
            *([{"uri": card["website"], "description": "Website", "localizedDescription": localized(language, "website"), "id": "website"}]
              if card.get("website") else []),
        ]},
    }
    if event.expires_at is not None:
        body["validTimeInterval"] = {"end": {"date": event.expires_at.isoformat()}}
    return body


@dataclass(frozen=True)
class GoogleSync:
    """What was sent (or found current): the object's id and the SHA-256 of the class and object."""

    object_id: str
    class_id: str
    class_sha256: str
    object_sha256: str
    sent: bool


@dataclass(frozen=True)
class GoogleState:
    """What Google holds of a card's pass, as we last sent it."""

    class_sha256: str | None  # None: never sent
    object_sha256: str | None  # None: never sent, or the pass points at another object
    replaces: str | None = None  # a generic object of before issue 17, to retire


def sync_google_pass(card: dict[str, Any], credentials: Any, state: GoogleState, *, force: bool = False) -> GoogleSync:
    """Bring the card's class and object at Google up to date: each is sent when its body differs
    from what Google last took (the stored SHA-256), or always with `force`; a generic object the
    pass had before is retired in favour of the event ticket. Raises GoogleWalletError (retry
    later) or GoogleWalletRejected."""
    from outreachpass.integrations.wallet.google_wallet import client_for

    event = pass_event(card)
    class_id = google_class_id(credentials.issuer_id, card)
    object_id = google_object_id(credentials.issuer_id, card["card_id"])
    class_body = google_class(card, class_id=class_id, event=event)
    object_body = google_object(card, object_id=object_id, class_id=class_id, event=event)
    class_hash, object_hash = body_sha256(class_body), body_sha256(object_body)
    client = client_for(credentials, settings().google_wallet_api_url)
    sent = False
    if class_hash != state.class_sha256:
        client.upsert_class(class_body)
        sent = True
    if force or object_hash != state.object_sha256:
        # An object Google took before is patched (an insert would answer 409 first).
        client.upsert_object(object_body, exists=state.object_sha256 is not None)
        sent = True
    if state.replaces and state.replaces != object_id:
        client.retire_generic_object(state.replaces, object_id)
    return GoogleSync(object_id=object_id, class_id=class_id, class_sha256=class_hash, object_sha256=object_hash, sent=sent)


def stored_state(conn: Conn, tenant_id: UUID, card: dict[str, Any], pass_row: dict[str, Any], issuer_id: str) -> GoogleState:
    """What Google holds of the card's pass as we last sent it (wallet_google_classes and the pass
    row)."""
    object_id = google_object_id(issuer_id, card["card_id"])
    current = pass_row["google_object_id"] == object_id and pass_row["status"] == "active"
    previous = pass_row["google_object_id"]
    return GoogleState(
        class_sha256=wallet_data.google_class_sha256(conn, tenant_id, google_class_id(issuer_id, card)),
        object_sha256=pass_row["google_body_sha256"] if current else None,
        replaces=previous if previous and previous.startswith(f"{issuer_id}.{LEGACY_GENERIC_PREFIX}") else None,
    )


def record_sync(conn: Conn, tenant_id: UUID, pass_row: dict[str, Any], card: dict[str, Any], sync: GoogleSync) -> dict[str, Any] | None:
    wallet_data.set_google_class_sha256(conn, tenant_id, sync.class_id, sync.class_sha256)
    return wallet_data.update_pass(
        conn, tenant_id, pass_row["pass_id"],
        {"google_object_id": sync.object_id, "pass_type_id": sync.class_id, "google_body_sha256": sync.object_sha256,
         "vcard_rev": card["vcard_rev"], "status": "voided" if card.get("deleted_at") else "active"},
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
    """GET /c/{card_id}/wallet/google: the card's class and object at Google (sent first when
    what they show changed), and the save URL whose JWT references the object; 404
    FEATURE_DISABLED when the card's tenant or brand switched Google Wallet off."""
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
        state = stored_state(conn, tenant_id, card, pass_row, creds.issuer_id)
    try:
        sync = sync_google_pass(card, creds, state)  # outside any transaction: Google can be slow
    except GoogleWalletError as exc:
        raise google_unavailable(exc) from None
    with tenant_tx(tenant_id) as conn:
        if sync.sent:
            record_sync(conn, tenant_id, pass_row, card, sync)
            if created or pass_row["status"] != "active":
                record_event(conn, card, "google", "generated", visitor, {"object_id": sync.object_id, "source": "save_link"})
        record_event(conn, card, "google", "downloaded", visitor, {"object_id": sync.object_id})
    token = save_jwt(creds, [sync.object_id], origins=[origin_of(settings().public_base_url)])
    logger().info("Google save link issued", extra={"card_id": str(card_id), "sent_to_google": sync.sent})
    return save_url(token)
