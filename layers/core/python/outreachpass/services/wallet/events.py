"""wallet_pass_events: generated, downloaded (a .pkpass download or a Google save link
followed), added / removed (an Apple device registered / unregistered) and updated (a device
fetched a changed pass, or Google's object was patched), by platform, in the caller's
transaction."""

from __future__ import annotations

from typing import Any

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
