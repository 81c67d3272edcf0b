"""A card's Apple pass: issuing it (serial and authentication token, kept forever), building the
signed .pkpass of the card as it is now, and GET /c/{card_id}/wallet/apple."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx
from outreachpass.errors import NotFound
from outreachpass.observability import logger
from outreachpass.services.card_appearance import card_url, parse_card_id, pass_look
from outreachpass.services.card_tracking import Visitor
from outreachpass.services.feature_flags import Features
from outreachpass.services.wallet.events import record_event
from outreachpass.services.wallet.labels import texts
from outreachpass.services.wallet.pass_event import pass_event

ASSETS_BUCKET = "assets"


def web_service_url() -> str:
    """Apple's webServiceURL: the device appends /v1/devices/..., /v1/passes/..., /v1/log."""
    return f"{settings().public_base_url}/wallet"


def ensure_apple_pass(conn: Conn, tenant_id: UUID, card: dict[str, Any], pass_type_identifier: str) -> tuple[dict[str, Any], bool]:
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
    """The signed .pkpass of the card as it is now (voided when the card is deleted): its event's
    dates, venue and organiser, in the pass's language (services.wallet.pass_event)."""
    from outreachpass.integrations.wallet.apple_pass import ApplePassContent, Colours, build_pkpass
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials
    from outreachpass.integrations.wallet.images import pass_images

    creds = credentials or apple_pass_credentials()
    theme = card.get("theme_json") or {}
    look = pass_look(theme)
    event = pass_event(card)
    content = ApplePassContent(
        serial_number=pass_row["serial_number"],
        authentication_token=pass_row["authentication_token"],
        web_service_url=web_service_url(),
        card_url=card_url(card["card_id"]),
        organization_name=event.organiser,
        display_name=card["display_name"],
        title=card.get("title"),
        org_name=card.get("org_name"),
        event_name=event.name,
        email=card.get("email"),
        phone=card.get("phone"),
        bio=card.get("bio"),
        website=card.get("website"),
        colours=Colours(foreground=look.foreground, background=look.background, label=look.label),
        logo_text=event.organiser,
        voided=bool(card.get("deleted_at")) or pass_row.get("status") == "voided",
        language=event.language,
        strings=texts(event.language, name=card["display_name"], event=event.name or event.organiser),
        event_starts=event.starts_at,
        event_ends=event.ends_at,
        venue=event.venue_text,
        organiser=event.organiser,
        organiser_email=event.contact_email,
        relevant_date=event.starts_at,
        relevant_dates=tuple(event.relevant_days()),
        expiration_date=event.expires_at,
        locations=(event.location,) if event.location else (),
    )
    tenant_id = card["tenant_id"]
    logo_key = _owned(theme.get("logo_s3_key"), f"logos/{tenant_id}/", "brand logo", card)
    avatar_key = _owned(card.get("avatar_s3_key"), f"avatars/{tenant_id}/", "avatar", card)
    bucket = settings().buckets.get(ASSETS_BUCKET) if (logo_key or avatar_key) else None
    images = pass_images(bucket=bucket, logo_s3_key=logo_key, dark_logo=look.dark_logo, avatar_s3_key=avatar_key)
    pkpass: bytes = build_pkpass(
        content,
        images,
        pass_type_identifier=creds.pass_type_identifier,
        team_identifier=creds.team_identifier,
        certificate=creds.certificate,
        private_key=creds.private_key,
        intermediate=creds.wwdr_certificate,
    )
    return pkpass


def _owned(key: Any, prefix: str, what: str, card: dict[str, Any]) -> str | None:
    """`key` when it lies in the tenant's own folder (`prefix`), else None (logged): a theme or a
    card never makes a pass read another tenant's images."""
    if not isinstance(key, str) or not key:
        return None
    if ".." in key or key.startswith("/") or not key.startswith(prefix):
        logger().warning(f"{what} outside the tenant's prefix ignored", extra={"card_id": str(card.get("card_id"))})
        return None
    return key


def pkpass_filename(display_name: str) -> tuple[str, str]:
    from outreachpass.integrations.vcard import filename_for

    ascii_name, utf8_name = filename_for(display_name)
    return ascii_name.removesuffix(".vcf") + ".pkpass", utf8_name.removesuffix(".vcf") + ".pkpass"


def content_disposition(display_name: str) -> str:
    ascii_name, utf8_name = pkpass_filename(display_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def http_date(moment: datetime) -> str:
    """Last-Modified of a pass (HTTP-date, whole seconds: what If-Modified-Since sends back)."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


@dataclass(frozen=True)
class PassFile:
    data: bytes
    serial_number: str
    last_modified: datetime
    content_disposition: str

    @property
    def last_modified_header(self) -> str:
        return http_date(self.last_modified)


def download_apple_pass(raw_card_id: str, visitor: Visitor | None) -> PassFile:
    """GET /c/{card_id}/wallet/apple: the card's signed pass (issued on first download); 404
    FEATURE_DISABLED when the card's tenant or brand switched Apple Wallet off."""
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials

    card_id = parse_card_id(raw_card_id)
    with system_tx() as conn:
        found = wallet_data.live_card_for_pass(conn, card_id)
        if found is None:
            raise NotFound("card", card_id)
        tenant_id, card = found
        Features.of_row(card).require("apple_wallet")  # switched off: 404, whatever the credentials
        creds = apple_pass_credentials()  # 503 when Apple is not configured (read once per 5 minutes)
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
