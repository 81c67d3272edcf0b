"""The Apple Wallet web service (/wallet/v1/...): devices register for a pass's updates with its
`ApplePass <token>`, ask which serials changed since a tag, fetch the latest pass, and send
their logs. Apple's protocol answers in status codes: a refused token is Unauthorized (401),
with the same answer for an unknown serial, a wrong token or another pass type."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from uuid import UUID

from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx
from outreachpass.errors import ServiceUnavailable, Unauthorized
from outreachpass.observability import logger
from outreachpass.services.card_tracking import Visitor
from outreachpass.services.wallet.apple import build_apple_pass
from outreachpass.services.wallet.events import record_event

APPLE_AUTH_SCHEME = "ApplePass"
MAX_LOG_LINES = 50
MAX_LOG_LENGTH = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _token_from(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme != APPLE_AUTH_SCHEME or not token.strip():
        return None
    return token.strip()


def _authenticated_pass(conn: Conn, pass_type_id: str, serial_number: str, authorization: str | None) -> tuple[UUID, dict[str, Any]]:
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
    if tenant_id is None or found is None or not token_ok or found["platform"] != "apple" or found["pass_type_id"] != pass_type_id:
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
