"""Engagement tracking rules for the public card routes: where a view came from, what device it
was, which session, and what counts as a contact export.

Every public action is recorded in the transaction that served it, with the tenant and event
of the card. Tracking input is never trusted and never fails a page: an unknown `?src=`,
a strange user agent, a malformed cookie or IP is normalised or dropped, never raised; text
loses its control characters (sanitize.clean_text: PostgreSQL refuses NUL) before it is
recorded. The IP address is stored (INET) but never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from outreachpass.data import cards_public as cards_data
from outreachpass.data import tracking as tracking_data
from outreachpass.db.connection import system_tx
from outreachpass.errors import NotFound
from outreachpass.integrations.useragent import MAX_USER_AGENT, DeviceInfo, classify
from outreachpass.ipaddr import clean_ip
from outreachpass.sanitize import clean_text
from outreachpass.services.feature_flags import Features

# ?src= values -> card_view_events.source_type (the full names are accepted too).
SOURCES: dict[str, str] = {
    "qr": "qr_scan",
    "qr_scan": "qr_scan",
    "email": "email_link",
    "email_link": "email_link",
    "share": "share",
    "direct": "direct_link",
    "direct_link": "direct_link",
}
DEFAULT_SOURCE = "direct_link"
# Referrers that mean "opened from a mail client" when the link carries no ?src=.
_MAIL_REFERRER = re.compile(
    r"(^|\.)(mail\.google\.com|outlook\.(live|office|office365)\.com|mail\.yahoo\.com|mail\.aol\.com|mail\.proton\.me"
    r"|mail\.zoho\.[a-z.]+|webmail\.[a-z0-9.-]+|mail\.[a-z0-9-]+\.[a-z.]+|fastmail\.com|icloud\.com)$",
    re.IGNORECASE,
)

# Beacon event types the card page may send; vcard_download is recorded by the vCard route itself.
BEACON_TYPES = ("add_to_contacts", "copy_email", "share")
# The feature flag behind a beacon's button (copy_email has none): a beacon of a switched-off
# button is refused, like the button's own route.
BEACON_FLAGS = {"add_to_contacts": "vcard_download", "share": "share_button"}
EXPORT_TYPES = ("vcard_download", *BEACON_TYPES)

SESSION_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_REFERRER = 2048
MAX_SRC = 64


@dataclass(frozen=True)
class Visitor:
    """Who is asking, as far as a public route can tell (built by the API layer from the request)."""

    ip_address: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    session_id: str | None = None  # from the op_sid cookie, when it was valid


def clean_session(value: str | None) -> str | None:
    return value if value and SESSION_PATTERN.match(value) else None


def source_type(src: str | None, referrer: str | None) -> tuple[str, dict[str, Any]]:
    """The view's source_type and what to keep in its metadata about how it was decided.

    ?src= wins (qr, email, share, direct, or the full names); an unknown value is a direct
    link (the raw value is kept in metadata). Without ?src=, a mail client's referrer means
    email_link; anything else is a direct link."""
    raw = clean_text(src, MAX_SRC)
    if raw is not None:
        mapped = SOURCES.get(raw.lower())
        if mapped:
            return mapped, {}
        return DEFAULT_SOURCE, {"src": raw}
    host = _host(referrer)
    if host and _MAIL_REFERRER.search(host):
        return "email_link", {"source_hint": "referrer"}
    return DEFAULT_SOURCE, {}


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def visitor_columns(visitor: Visitor) -> tuple[dict[str, Any], DeviceInfo]:
    """What every engagement row records of its visitor (user_agent, ip_address, device_type,
    session_id), cleaned, and the device the user agent names."""
    user_agent = clean_text(visitor.user_agent, MAX_USER_AGENT)
    device = classify(user_agent)
    values = {
        "user_agent": user_agent,
        "ip_address": clean_ip(visitor.ip_address),
        "device_type": device.device_type,
        "session_id": clean_session(visitor.session_id),
    }
    return values, device


def view_values(visitor: Visitor, src: str | None) -> dict[str, Any]:
    """The columns of a card view by this visitor (data.tracking.queue_card_view)."""
    values, device = visitor_columns(visitor)
    referrer = clean_text(visitor.referrer, MAX_REFERRER)
    source, metadata = source_type(src, referrer)
    return {
        **values,
        "source_type": source,
        "referrer_url": referrer,
        "browser": device.browser,
        "os": device.os,
        "metadata": metadata,
    }


def export_values(visitor: Visitor, export_type: str) -> dict[str, Any]:
    """The columns of a contact export by this visitor (data.tracking.queue_contact_export)."""
    if export_type not in EXPORT_TYPES:
        raise ValueError(f"not an export type: {export_type}")
    values, _ = visitor_columns(visitor)
    return {**values, "export_type": export_type}


def record_beacon(card_id: UUID, export_type: str, visitor: Visitor) -> int:
    """A beacon from the card page (add_to_contacts, copy_email, share): the resolver and one
    INSERT ... SELECT from the card, pipelined. Raises NotFound (nothing written) for an unknown,
    deleted or disabled-tenant card."""
    if export_type not in BEACON_TYPES:  # the API layer validates first; this is the rule's own guard
        raise ValueError(f"not a beacon type: {export_type}")
    values = export_values(visitor, export_type)
    gate = BEACON_FLAGS.get(export_type)
    with system_tx() as conn:
        if gate is None:
            row = cards_data.record_for_card(conn, card_id, lambda c: tracking_data.queue_contact_export(c, card_id, values))
        else:  # the card query (with its flags) joins the pipeline; a switched-off feature rolls the row back
            card, row = cards_data.open_card(conn, card_id, record=lambda c: tracking_data.queue_contact_export(c, card_id, values))
            if card is not None:
                Features.of_row(card).require(gate)
    if row is None:
        raise NotFound("card", card_id)
    return int(row["export_event_id"])
