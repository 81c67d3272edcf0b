"""wallet_pass_events: generated, downloaded (a .pkpass download or a Google save link
followed), added / removed (an Apple device registered / unregistered) and updated (a device
fetched a changed pass, or Google's object was patched), by platform, in the caller's
transaction."""

from __future__ import annotations

from typing import Any

import psycopg

from outreachpass.data import wallet as wallet_data
from outreachpass.services.card_tracking import Visitor, clean_ip


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
