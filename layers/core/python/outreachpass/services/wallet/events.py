"""wallet_pass_events: generated, downloaded (a .pkpass download or a Google save link
followed), added / removed (an Apple device registered / unregistered; Google's save / delete
callback), updated (a device fetched a changed pass, or Google's object was patched) and
email_clicked (a card email's wallet link clicked), by platform, in the caller's transaction."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import Conn
from outreachpass.services.card_tracking import Visitor, visitor_columns


def _visitor_values(visitor: Visitor | None) -> dict[str, Any]:
    if visitor is None:
        return {}
    columns, _ = visitor_columns(visitor)
    return {key: columns[key] for key in ("user_agent", "ip_address", "device_type")}


def record_event(
    conn: Conn,
    card: dict[str, Any],
    platform: str,
    event_type: str,
    visitor: Visitor | None = None,
    metadata: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
) -> bool:
    """Record one wallet event of the card; False when `dedupe_key` was recorded before."""
    return wallet_data.insert_event(
        conn,
        {
            "tenant_id": card["tenant_id"],
            "event_id": card.get("event_id"),
            "card_id": card["card_id"],
            "platform": platform,
            "event_type": event_type,
            "metadata": metadata or {},
            "dedupe_key": dedupe_key,
            **_visitor_values(visitor),
        },
    )


_WALLET_ROUTE = re.compile(r"^/c/[0-9a-fA-F-]{36}/wallet/(apple|google)$")


def wallet_platform_of(url: str) -> str | None:
    """The platform of a card's wallet link (/c/{card_id}/wallet/apple|google), else None."""
    try:
        found = _WALLET_ROUTE.match(urlsplit(url).path)
    except ValueError:
        return None
    return found.group(1) if found else None


def record_email_click(
    conn: Conn, tenant_id: UUID, context: dict[str, Any], target: str, *, user_agent: str | None, ip_address: str | None,
    device_type: str, metadata: dict[str, Any],
) -> bool:
    """A click on a card email's wallet link (`target` is the card's wallet route) is also an
    `email_clicked` wallet event of that platform; a machine's click is recorded as a bot.
    False when the link is not a wallet link."""
    platform = wallet_platform_of(target)
    if platform is None:
        return False
    wallet_data.insert_event(
        conn,
        {
            "tenant_id": tenant_id,
            "event_id": context.get("event_id"),
            "card_id": context["card_id"],
            "platform": platform,
            "event_type": "email_clicked",
            "user_agent": user_agent,
            "ip_address": ip_address,
            "device_type": device_type,
            "metadata": metadata,
        },
    )
    return True
