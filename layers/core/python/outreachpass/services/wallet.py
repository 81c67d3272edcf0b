"""Wallet passes of contact cards: what a pass shows, issuing it, and the Apple Wallet web service.

- One pass per card and platform (wallet_passes): Apple passes get a random serial number and
  authentication token when first issued, and keep both forever (Apple forbids changing
  them); Google passes are the generic object `<issuer>.outreachpass-card-<card id>` in the
  generic class of the card's event.
- An Apple .pkpass is built fresh for every download and web-service fetch (a few ms: the
  images are cached), so it always shows the card as it is now; the bulk job also keeps a
  copy in S3 for e-mail attachments (services.wallet_jobs).
- When a card changes, services.cards.card_changed calls `on_card_changed` in its
  transaction: the card's passes get a new update tag and a row in the push outbox; after
  commit the relay and the wallet_push worker push the devices and patch Google
  (services.wallet_push). Nothing leaves the database inside the card's transaction.
- wallet_pass_events records generated, downloaded (a .pkpass download or a Google save link
  followed), added / removed (an Apple device registered / unregistered) and updated (a device
  fetched a changed pass, or Google's object was patched), by platform.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

import psycopg

from outreachpass.config import settings
from outreachpass.data import wallet as wallet_data
from outreachpass.data.cards_public import bind_card_tenant
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import NotFound, ServiceUnavailable, Unauthorized
from outreachpass.observability import logger
from outreachpass.services.tracking import Visitor, clean_ip

ASSETS_BUCKET = "assets"
DEFAULT_BACKGROUND = "#1f2937"
DEFAULT_ACCENT = "#2563eb"
LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#111827"
GOOGLE_CLASS_PREFIX = "outreachpass-event-"
GOOGLE_TENANT_CLASS_PREFIX = "outreachpass-tenant-"
GOOGLE_OBJECT_PREFIX = "outreachpass-card-"
APPLE_AUTH_SCHEME = "ApplePass"
MAX_LOG_LINES = 50
MAX_LOG_LENGTH = 500
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


# --- helpers shared by the wallet services ---------------------------------------------------------


def parse_card_id(raw: str | UUID) -> UUID:
    """A card id from the URL; anything that is not a UUID is the same 404 as an unknown card."""
    if isinstance(raw, UUID):
        return raw
    try:
        return UUID(str(raw).strip())
    except (ValueError, AttributeError, TypeError):
        raise NotFound("card", None) from None


def card_url(card_id: UUID) -> str:
    return f"{settings().public_base_url}/c/{card_id}"


def web_service_url() -> str:
    """Apple's webServiceURL: the device appends /v1/devices/..., /v1/passes/..., /v1/log."""
    return f"{settings().public_base_url}/wallet"


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _colour(theme: dict[str, Any], key: str, default: str) -> str:
    value = theme.get(key)
    return value if isinstance(value, str) and _HEX.match(value) else default


@dataclass(frozen=True)
class PassLook:
    background: str
    foreground: str
    label: str
    dark_logo: bool  # the background is light: use the dark default logo


def pass_look(theme: dict[str, Any] | None) -> PassLook:
    """The brand's primary colour as the pass background, the more readable of white and near
    black as text, the accent colour for labels when it reads well enough (3:1), else the text
    colour."""
    theme = theme or {}
    background = _colour(theme, "primary_color", DEFAULT_BACKGROUND)
    foreground = LIGHT_TEXT if contrast(LIGHT_TEXT, background) >= contrast(DARK_TEXT, background) else DARK_TEXT
    accent = _colour(theme, "accent_color", DEFAULT_ACCENT)
    label = accent if contrast(accent, background) >= 3.0 else foreground
    return PassLook(background=background, foreground=foreground, label=label, dark_logo=foreground == DARK_TEXT)


def organisation_of(card: dict[str, Any]) -> str:
    return (card.get("brand_name") or card.get("tenant_name") or "OutreachPass").strip()


def _visitor_values(visitor: Visitor | None) -> dict[str, Any]:
    if visitor is None:
        return {}
    from outreachpass.integrations.useragent import MAX_USER_AGENT, classify

    user_agent = (visitor.user_agent or "")[:MAX_USER_AGENT] or None
    return {"user_agent": user_agent, "ip_address": clean_ip(visitor.ip_address), "device_type": classify(user_agent).device_type}


def record_event(
    conn: psycopg.Connection,
    card: dict[str, Any],
    platform: str,
    event_type: str,
    visitor: Visitor | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    wallet_data.insert_event(
        conn,
        {
            "tenant_id": card["tenant_id"],
            "event_id": card.get("event_id"),
            "card_id": card["card_id"],
            "platform": platform,
            "event_type": event_type,
            "metadata": metadata or {},
            **_visitor_values(visitor),
        },
    )


# --- Apple passes ----------------------------------------------------------------------------------


def ensure_apple_pass(conn: psycopg.Connection, tenant_id: UUID, card: dict[str, Any], pass_type_identifier: str) -> tuple[dict[str, Any], bool]:
    """The card's Apple pass row, created (serial, token) when it has none; True when created."""
    found = wallet_data.get_pass(conn, tenant_id, card["card_id"], "apple")
    if found is None:
        created = wallet_data.insert_pass(
            conn,
            tenant_id,
            {
                "card_id": card["card_id"],
                "platform": "apple",
                "serial_number": secrets.token_hex(16),
                "pass_type_id": pass_type_identifier,
                "authentication_token": secrets.token_urlsafe(32),
                "vcard_rev": card["vcard_rev"],
                "status": "active",
            },
        )
        if created is not None:
            return created, True
        found = wallet_data.get_pass(conn, tenant_id, card["card_id"], "apple")
        assert found is not None  # a concurrent request created it
    if found["pass_type_id"] != pass_type_identifier:
        # The operator moved to another Pass Type ID: passes are signed for it from now on.
        found = wallet_data.update_pass(conn, tenant_id, found["pass_id"], {"pass_type_id": pass_type_identifier}) or found
    return found, False


def build_apple_pass(card: dict[str, Any], pass_row: dict[str, Any], credentials: Any = None) -> bytes:
    """The signed .pkpass of the card as it is now (voided when the card is deleted)."""
    from outreachpass.integrations.wallet.apple_pass import ApplePassContent, Colours, build_pkpass
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials
    from outreachpass.integrations.wallet.images import pass_images

    creds = credentials or apple_pass_credentials()
    theme = card.get("theme_json") or {}
    look = pass_look(theme)
    organisation = organisation_of(card)
    content = ApplePassContent(
        serial_number=pass_row["serial_number"],
        authentication_token=pass_row["authentication_token"],
        web_service_url=web_service_url(),
        card_url=card_url(card["card_id"]),
        organization_name=organisation,
        display_name=card["display_name"],
        title=card.get("title"),
        org_name=card.get("org_name"),
        event_name=card.get("event_name"),
        email=card.get("email"),
        phone=card.get("phone"),
        colours=Colours(foreground=look.foreground, background=look.background, label=look.label),
        logo_text=organisation,
        voided=bool(card.get("deleted_at")) or pass_row.get("status") == "voided",
    )
    logo_key = theme.get("logo_s3_key")
    if logo_key and not _owned_logo(logo_key, card["tenant_id"]):
        logger().warning("brand logo outside the tenant's logo prefix ignored", extra={"brand_id": str(card.get("brand_id"))})
        logo_key = None
    bucket = settings().buckets.get(ASSETS_BUCKET) if logo_key else None
    images = pass_images(bucket=bucket, logo_s3_key=logo_key, dark_logo=look.dark_logo)
    return build_pkpass(
        content,
        images,
        pass_type_identifier=creds.pass_type_identifier,
        team_identifier=creds.team_identifier,
        certificate=creds.certificate,
        private_key=creds.private_key,
        intermediate=creds.wwdr_certificate,
    )


def _owned_logo(key: str, tenant_id: UUID) -> bool:
    return ".." not in key and not key.startswith("/") and key.startswith(f"logos/{tenant_id}/")


def pkpass_filename(display_name: str) -> tuple[str, str]:
    from outreachpass.integrations.vcard import filename_for

    ascii_name, utf8_name = filename_for(display_name)
    return ascii_name.removesuffix(".vcf") + ".pkpass", utf8_name.removesuffix(".vcf") + ".pkpass"


def content_disposition(display_name: str) -> str:
    ascii_name, utf8_name = pkpass_filename(display_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


@dataclass(frozen=True)
class PassFile:
    data: bytes
    serial_number: str
    last_modified: datetime
    content_disposition: str

    @property
    def last_modified_header(self) -> str:
        return http_date(self.last_modified)


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def download_apple_pass(raw_card_id: str, visitor: Visitor | None) -> PassFile:
    """GET /c/{card_id}/wallet/apple: the card's signed pass (issued on first download)."""
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials

    card_id = parse_card_id(raw_card_id)
    creds = apple_pass_credentials()  # 503 before any database work when Apple is not configured
    with system_tx() as conn:
        tenant_id = bind_card_tenant(conn, card_id)
        card = wallet_data.card_for_pass(conn, tenant_id, card_id) if tenant_id else None
        if card is None or card["deleted_at"] is not None:
            raise NotFound("card", card_id)
        pass_row, created = ensure_apple_pass(conn, tenant_id, card, creds.pass_type_identifier)
        data = build_apple_pass(card, pass_row, creds)
        if created:
            record_event(conn, card, "apple", "generated", visitor, {"serial_number": pass_row["serial_number"], "source": "download"})
        record_event(conn, card, "apple", "downloaded", visitor, {"serial_number": pass_row["serial_number"]})
    logger().info("Apple pass downloaded", extra={"card_id": str(card_id), "issued": created, "bytes": len(data)})
    return PassFile(
        data=data,
        serial_number=pass_row["serial_number"],
        last_modified=pass_row["last_updated_at"],
        content_disposition=content_disposition(card["display_name"]),
    )


# --- Apple Wallet web service ------------------------------------------------------------------------


def _token_from(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme != APPLE_AUTH_SCHEME or not token.strip():
        return None
    return token.strip()


def _authenticated_pass(conn: psycopg.Connection, pass_type_id: str, serial_number: str, authorization: str | None) -> tuple[UUID, dict[str, Any]]:
    """The pass the request's `ApplePass <token>` opens, bound as the transaction's tenant;
    Unauthorized for a missing or wrong token, an unknown serial or another pass type (the
    same answer for each, so nothing is learnt about which serials exist)."""
    token = _token_from(authorization)
    if token is None or len(serial_number) > 128 or len(pass_type_id) > 255:
        raise Unauthorized("ApplePass authorization required")
    tenant_id = wallet_data.bind_pass_tenant(conn, serial_number)
    found = wallet_data.get_pass_by_serial(conn, tenant_id, serial_number) if tenant_id else None
    expected = (found or {}).get("authentication_token") or ""
    token_ok = hmac.compare_digest(token.encode(), expected.encode())  # constant time, even for an unknown serial
    if found is None or not token_ok or found["platform"] != "apple" or found["pass_type_id"] != pass_type_id:
        raise Unauthorized("ApplePass authorization refused")
    return tenant_id, found


def register_device(
    device_library_id: str, pass_type_id: str, serial_number: str, authorization: str | None, push_token: str, visitor: Visitor | None
) -> bool:
    """Register a device for a pass's updates; True when new (201), False when known (200)."""
    _check_device_id(device_library_id)
    with system_tx() as conn:
        tenant_id, found = _authenticated_pass(conn, pass_type_id, serial_number, authorization)
        created = wallet_data.upsert_registration(conn, tenant_id, device_library_id, pass_type_id, serial_number, push_token)
        if created:
            card = wallet_data.card_for_pass(conn, tenant_id, found["card_id"])
            if card is not None:
                record_event(conn, card, "apple", "added", visitor, {"serial_number": serial_number})
    logger().info("Apple device registration", extra={"serial_number": serial_number, "new_registration": created})
    return created


def unregister_device(device_library_id: str, pass_type_id: str, serial_number: str, authorization: str | None, visitor: Visitor | None) -> None:
    _check_device_id(device_library_id)
    with system_tx() as conn:
        tenant_id, found = _authenticated_pass(conn, pass_type_id, serial_number, authorization)
        removed = wallet_data.delete_registration(conn, tenant_id, device_library_id, pass_type_id, serial_number)
        if removed:
            card = wallet_data.card_for_pass(conn, tenant_id, found["card_id"])
            if card is not None:
                record_event(conn, card, "apple", "removed", visitor, {"serial_number": serial_number})
    logger().info("Apple device unregistration", extra={"serial_number": serial_number, "removed": removed})


def _check_device_id(device_library_id: str) -> None:
    if not device_library_id or len(device_library_id) > 255:
        raise Unauthorized("unknown device")


def parse_update_tag(value: str | None) -> datetime | None:
    """passesUpdatedSince: the lastUpdated we gave the device (an ISO timestamp with
    microseconds); anything else means "everything"."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        logger().info("unparseable passesUpdatedSince ignored")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def update_tag(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def updated_serials(device_library_id: str, pass_type_id: str, passes_updated_since: str | None) -> dict[str, Any] | None:
    """{"serialNumbers": [...], "lastUpdated": "<tag>"} for the device's passes updated since the
    tag, or None when there are none (204)."""
    if not device_library_id or len(device_library_id) > 255 or len(pass_type_id) > 255:
        return None
    since = parse_update_tag(passes_updated_since)
    with system_tx() as conn:
        rows = wallet_data.device_updated_serials(conn, device_library_id, pass_type_id, since)
    if not rows:
        return None
    return {
        "serialNumbers": [row["serial_number"] for row in rows],
        "lastUpdated": update_tag(max(row["last_updated_at"] for row in rows)),
    }


@dataclass(frozen=True)
class LatestPass:
    not_modified: bool
    last_modified: datetime
    data: bytes | None = None


def latest_pass(pass_type_id: str, serial_number: str, authorization: str | None, if_modified_since: str | None, visitor: Visitor | None) -> LatestPass:
    """GET /wallet/v1/passes/{pass_type_id}/{serial}: the pass as it is now, or "not modified"
    when it has not changed since If-Modified-Since (HTTP-date, whole seconds)."""
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials

    with system_tx() as conn:
        tenant_id, found = _authenticated_pass(conn, pass_type_id, serial_number, authorization)
        last_modified = found["last_updated_at"]
        since = _http_date(if_modified_since)
        if since is not None and last_modified.replace(microsecond=0) <= since:
            return LatestPass(not_modified=True, last_modified=last_modified)
        card = wallet_data.card_for_pass(conn, tenant_id, found["card_id"])
        if card is None:  # the card row is gone for good (tenant deleted): nothing to serve
            raise Unauthorized("ApplePass authorization refused")
        creds = apple_pass_credentials()
        if creds.pass_type_identifier != pass_type_id:
            raise ServiceUnavailable("Passes of this type cannot be signed now")
        data = build_apple_pass(card, found, creds)
        record_event(conn, card, "apple", "updated", visitor, {"serial_number": serial_number, "vcard_rev": card["vcard_rev"]})
    return LatestPass(not_modified=False, last_modified=last_modified, data=data)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def device_logs(lines: list[str]) -> int:
    """Wallet's error reports about our web service: logged (bounded, control characters
    stripped), nothing stored."""
    kept = [_CONTROL.sub(" ", line)[:MAX_LOG_LENGTH] for line in lines[:MAX_LOG_LINES]]
    for line in kept:
        logger().warning("Apple Wallet device log", extra={"wallet_log": line})
    return len(kept)


# --- Google passes ------------------------------------------------------------------------------------


def google_class_id(issuer_id: str, card: dict[str, Any]) -> str:
    if card.get("event_id"):
        return f"{issuer_id}.{GOOGLE_CLASS_PREFIX}{card['event_id']}"
    return f"{issuer_id}.{GOOGLE_TENANT_CLASS_PREFIX}{card['tenant_id']}"


def google_object_id(issuer_id: str, card_id: UUID) -> str:
    return f"{issuer_id}.{GOOGLE_OBJECT_PREFIX}{card_id}"


def _localized(value: str) -> dict[str, Any]:
    return {"defaultValue": {"language": "en-US", "value": value}}


def google_class(class_id: str) -> dict[str, Any]:
    return {"id": class_id}


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


def ensure_google_pass_row(conn: psycopg.Connection, tenant_id: UUID, card: dict[str, Any], issuer_id: str) -> tuple[dict[str, Any], bool]:
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
    date first), and the save URL whose JWT references it."""
    from outreachpass.integrations.wallet.credentials import google_wallet_credentials
    from outreachpass.integrations.wallet.google_wallet import GoogleWalletError, origin_of, save_jwt, save_url

    card_id = parse_card_id(raw_card_id)
    creds = google_wallet_credentials()
    with system_tx() as conn:
        tenant_id = bind_card_tenant(conn, card_id)
        card = wallet_data.card_for_pass(conn, tenant_id, card_id) if tenant_id else None
        if card is None or card["deleted_at"] is not None:
            raise NotFound("card", card_id)
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


# --- the card_changed / card_deleted hooks (services.cards) ----------------------------------------------


def on_card_changed(conn: psycopg.Connection, tenant_id: UUID, card: dict[str, Any]) -> None:
    """In the transaction that changed the card: its passes get a new update tag, and a push
    outbox row if it has any (the relay sends it to the wallet_push queue after commit)."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"])
    if touched:
        wallet_data.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])


def on_cards_changed(conn: psycopg.Connection, tenant_id: UUID, cards: list[dict[str, Any]]) -> None:
    """on_card_changed for many cards (card_id, vcard_rev), set-based (a CSV import's updates)."""
    if cards:
        wallet_data.touch_passes_of_cards(conn, tenant_id, cards)


def on_card_deleted(conn: psycopg.Connection, tenant_id: UUID, card: dict[str, Any]) -> None:
    """The card was soft-deleted: its passes are voided (Apple shows them voided, Google's object
    becomes inactive) through the same outbox."""
    touched = wallet_data.touch_card_passes(conn, tenant_id, card["card_id"], void=True)
    if touched:
        wallet_data.insert_outbox(conn, tenant_id, card["card_id"], card["vcard_rev"])
