"""Open and click tracking of the card emails, and the honest funnel built from it.

Tracked URLs (PUBLIC_BASE_URL is the API's public origin):

    open pixel   {base}/api/track/email/open/{message_id}.gif
    click        {base}/api/track/email/click/{message_id}?l=<link id>
                 {base}/api/track/email/click/{message_id}?u=<url>&s=<signature>

A click redirects only to a URL that was in that message: the link id indexes the links
stored in the message's context when it was sent, and the signed form carries an
HMAC-SHA256 (key: the tracking_hmac secret) over the message id and the URL. An unknown
message, an unknown link id, a bad or missing signature or anything that is not http(s) is
refused with 400 INVALID_LINK, which never says which check failed.

Links never die with their context. Once the context has expired (7 days) or is deleted, a
link of a sent message still works for as long as its card exists: it leads to the stored
destination when that is one of the card's own URLs, else to the card page
(services.email.link_destinations), and the click is still recorded. The pixel always
answers; it records an open only for a live message of ours.

This module is imported by the tracking routes: it imports neither boto3 nor jinja2 at
import time (the signing key is fetched on the first signed link only).

Over 350 lines on purpose: the pixel, the click and the funnel share one model of what a
message's tracked events mean (bots, first open, which link); splitting them would split that
model across modules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from uuid import UUID

from outreachpass.data import email_events, email_sends
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import AppError
from outreachpass.ipaddr import clean_ip
from outreachpass.observability import logger
from outreachpass.principal import Principal
from outreachpass.sanitize import clean_text
from outreachpass.services.email.classification import (
    CLICK_BURST_WINDOW,
    PriorClick,
    Verdict,
    burst_of,
    classify_click,
    classify_open,
)
from outreachpass.services.email.link_destinations import lasting_destination, stored_destination
from outreachpass.services.feature_flags import event_features, is_enabled
from outreachpass.services.wallet.events import record_email_click

MESSAGE_ID = re.compile(r"^[A-Za-z0-9._@-]{8,200}$")
LINK_ID = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_URL = 2048
MAX_USER_AGENT = 512
SIGNATURE_BYTES = 16  # 128-bit HMAC tags, base64url: 22 characters
KEY_CACHE_S = 300
PIXEL_SUFFIX = ".gif"

# The smallest transparent GIF (1x1, 43 bytes).
TRANSPARENT_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class InvalidLink(AppError):
    status = 400
    code = "INVALID_LINK"

    def __init__(self, why: str):
        super().__init__("This link is not valid or has expired")
        self.why = why  # logged, never shown: no oracle for someone probing links


@dataclass(frozen=True)
class Hit:
    """A request to a tracking URL, as far as the route can tell."""

    user_agent: str | None = None
    ip: str | None = None
    method: str = "GET"
    occurred_at: datetime | None = None

    def at(self) -> datetime:
        return self.occurred_at or datetime.now(UTC)

    @property
    def agent(self) -> str | None:
        return clean_text(self.user_agent, MAX_USER_AGENT)


# --- URLs -------------------------------------------------------------------------------------


def pixel_url(base_url: str, message_id: str) -> str:
    return f"{base_url}/api/track/email/open/{quote(message_id, safe='')}{PIXEL_SUFFIX}"


def click_url(base_url: str, message_id: str, link_id: str) -> str:
    if not LINK_ID.match(link_id):
        raise ValueError(f"link id {link_id!r} is not [a-z0-9_]{{1,32}}")
    return f"{base_url}/api/track/email/click/{quote(message_id, safe='')}?{urlencode({'l': link_id})}"


def signed_click_url(base_url: str, message_id: str, url: str, *, key: bytes | None = None) -> str:
    """The signed form, for a URL that is not one of the stored links (needs the tracking key)."""
    signature = sign(message_id, url, key=key or signing_keys()[0])
    return f"{base_url}/api/track/email/click/{quote(message_id, safe='')}?{urlencode({'u': url, 's': signature})}"


def message_id_from_pixel(name: str) -> str | None:
    """`<id>.gif` (or a bare id) -> the id; None when it cannot be one of ours."""
    candidate = name[: -len(PIXEL_SUFFIX)] if name.lower().endswith(PIXEL_SUFFIX) else name
    return candidate if MESSAGE_ID.match(candidate) else None


# --- signing ----------------------------------------------------------------------------------


def sign(message_id: str, url: str, *, key: bytes) -> str:
    digest = hmac.new(key, f"v1\n{message_id}\n{url}".encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify(message_id: str, url: str, signature: str, *, keys: list[bytes]) -> bool:
    """Constant-time check against every active key (the first signs; the others are kept
    during a rotation so links already sent stay valid)."""
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(sign(message_id, url, key=key), signature)
    return ok


_keys: tuple[float, list[bytes]] | None = None
_keys_lock = threading.Lock()


def parse_key_secret(value: str) -> list[bytes]:
    """The tracking_hmac secret: {"keys": ["<base64url>", ...]} (first signs), {"key": "..."} or
    a bare string. Keys shorter than 32 bytes are refused."""
    value = (value or "").strip()
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    if isinstance(parsed, dict):
        raw = parsed.get("keys") or ([parsed["key"]] if parsed.get("key") else [])
    elif isinstance(parsed, list):
        raw = parsed
    else:
        raw = [parsed] if parsed else []
    keys = [_key_bytes(str(item)) for item in raw if item]
    return [key for key in keys if len(key) >= 32]


def _key_bytes(text: str) -> bytes:
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(decoded) >= 32:
            return decoded
    except (ValueError, TypeError):
        pass
    return text.encode()


def signing_keys() -> list[bytes]:
    """The tracking keys from Secrets Manager (the extension in AWS, else boto3), cached for KEY_CACHE_S."""
    global _keys
    now = time.monotonic()
    cached = _keys
    if cached is not None and now - cached[0] < KEY_CACHE_S:
        return cached[1]
    with _keys_lock:
        if _keys is None or now - _keys[0] >= KEY_CACHE_S:
            from outreachpass.config import settings
            from outreachpass.integrations.secrets import secret_string

            keys = parse_key_secret(secret_string(settings().secret_arn("tracking_hmac"), max_age_s=0))
            if not keys:
                logger().error("the tracking_hmac secret holds no usable key (32+ bytes): signed links are refused")
            _keys = (now, keys)
        return _keys[1]


def reset_signing_keys() -> None:
    global _keys
    with _keys_lock:
        _keys = None


# --- recording --------------------------------------------------------------------------------


def _tenant_of(message_id: str, *, live_only: bool = True) -> UUID | None:
    """The tenant of a live message of ours, or (live_only=False) of any message of ours ever sent."""
    with system_tx() as conn:
        if live_only:
            return email_events.message_tenant(conn, message_id)
        return email_events.sent_message_tenant(conn, message_id)


def _device(user_agent: str | None, verdict: Verdict) -> tuple[Verdict, dict[str, str]]:
    """Device, browser and OS of a human hit (outreachpass.integrations.useragent when present);
    a user agent the parser knows as a bot makes the hit a machine one."""
    if not verdict.is_human or not user_agent:
        return verdict, {}
    try:
        from outreachpass.integrations.useragent import classify as parse_user_agent
    except ImportError:  # pragma: no cover - the parser ships with the core layer
        return verdict, {}
    info = parse_user_agent(user_agent)
    if info.device_type == "bot":
        return Verdict("machine", "user_agent_bot", verdict.via), {"device_type": "bot"}
    found = {"device_type": info.device_type}
    if info.browser:
        found["browser"] = info.browser
    if info.os:
        found["os"] = info.os
    return verdict, found


def _timing(conn: Conn, tenant_id: UUID, message_id: str, context: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    timing = email_events.message_timing(conn, tenant_id, message_id)
    if timing is None:
        return context["created_at"], None
    return timing["sent_at"] or timing["claimed_at"], timing["delivered_at"]


def _event_values(context: dict[str, Any], hit: Hit, event_type: str, verdict: Verdict, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": context["event_id"],
        "card_id": context["card_id"],
        "attendee_id": context["attendee_id"],
        "message_id": context["message_id"],
        "recipient_email": context["recipient_email"],
        "event_type": event_type,
        "classification": verdict.classification,
        "user_agent": hit.agent,
        "ip_address": clean_ip(hit.ip),
        "occurred_at": hit.at(),
        "metadata_json": metadata,
    }


def record_open(message_id: str | None, hit: Hit) -> bool:
    """Record an `opened` event for a live message of ours; False when there is none."""
    if not message_id or not MESSAGE_ID.match(message_id):
        return False
    tenant_id = _tenant_of(message_id)
    if tenant_id is None:
        return False
    with tenant_tx(tenant_id) as conn:
        context = email_events.live_context(conn, tenant_id, message_id)
        if context is None:  # SES's id, not ours, or expired
            return False
        if not _open_tracking_on(conn, tenant_id, context):
            return False
        sent_at, delivered_at = _timing(conn, tenant_id, message_id, context)
        verdict = classify_open(
            user_agent=hit.agent, ip=hit.ip, method=hit.method, occurred_at=hit.at(), sent_at=sent_at, delivered_at=delivered_at
        )
        verdict, device = _device(hit.agent, verdict)
        metadata = {"source": "pixel", **verdict.metadata(), **device}
        email_events.insert_event(conn, tenant_id, _event_values(context, hit, "opened", verdict, metadata))
    logger().info("email open recorded", extra={"tenant_id": str(tenant_id), "message_id": message_id,
                                                 "classification": verdict.classification, "reason": verdict.reason})
    return True


def _open_tracking_on(conn: Conn, tenant_id: UUID, context: dict[str, Any]) -> bool:
    """Opens are recorded only while the tenant (and the event's brand) keep open tracking on: a
    pixel of an email sent before it was switched off records nothing."""
    if context.get("event_id") is None:
        return is_enabled(conn, tenant_id, "email_open_tracking")
    return event_features(conn, tenant_id, context["event_id"]).enabled("email_open_tracking")


def resolve_click(message_id: str, *, link_id: str | None, url: str | None, signature: str | None, hit: Hit) -> str:
    """The URL a click goes to, after recording it; raises InvalidLink for anything else."""
    if not MESSAGE_ID.match(message_id or ""):
        raise InvalidLink("malformed message id")
    if link_id is not None and not LINK_ID.match(link_id):
        raise InvalidLink("malformed link id")
    if link_id is None and not (url and signature):
        raise InvalidLink("neither a link id nor a signed URL")
    tenant_id = _tenant_of(message_id, live_only=False)
    if tenant_id is None:
        raise InvalidLink("unknown message")
    with tenant_tx(tenant_id) as conn:
        context = email_events.live_context(conn, tenant_id, message_id)
        if context is not None:
            target, link_id = _live_target(context, message_id, link_id, url, signature)
            lasting = False
        else:
            context = email_sends.sent_message(conn, tenant_id, message_id)
            if context is None or context["card_id"] is None:
                raise InvalidLink("expired message of no live card")
            target, link_id = _lasting_target(context, message_id, link_id, url, signature)
            lasting = True
        if not _is_web_url(target):
            raise InvalidLink("target is not an http(s) URL")
        link_key = link_id or target
        at = hit.at()
        sent_at, delivered_at = _timing(conn, tenant_id, message_id, context)
        window = CLICK_BURST_WINDOW.total_seconds()
        prior_rows = email_events.recent_clicks(conn, tenant_id, message_id, around=at, window_s=window)
        prior = [PriorClick(row["link"] or row["link_url"] or "", row["occurred_at"]) for row in prior_rows]
        verdict = classify_click(
            user_agent=hit.agent, ip=hit.ip, link=link_key, method=hit.method, occurred_at=at,
            sent_at=sent_at, delivered_at=delivered_at, prior_clicks=prior,
        )
        verdict, device = _device(hit.agent, verdict)
        if burst_of(link_key, at, prior):
            # The earlier clicks of the burst were the same scanner: re-classify them too.
            burst_ids = [row["email_event_id"] for row in prior_rows if abs(at - row["occurred_at"]) <= CLICK_BURST_WINDOW]
            email_events.reclassify_machine(conn, tenant_id, burst_ids, "click_burst")
        metadata = {"source": "redirect", **({"link": link_id} if link_id else {}), **({"context": "expired"} if lasting else {}),
                    **verdict.metadata(), **device}
        values = _event_values(context, hit, "clicked", verdict, metadata)
        values["link_url"] = target
        email_events.insert_event(conn, tenant_id, values)
        # A wallet link's click also counts for the wallet (analytics: wallet email_clicked), also
        # once the context has expired (the context is then the send's row, without its tenant).
        record_email_click(
            conn, tenant_id, context, target, user_agent=hit.agent, ip_address=clean_ip(hit.ip),
            device_type="bot" if not verdict.is_human else device.get("device_type", "unknown"),
            metadata={"message_id": message_id, **({"link": link_id} if link_id else {})},
        )
    logger().info("email click recorded", extra={"tenant_id": str(tenant_id), "message_id": message_id, "link": link_id,
                                                  "classification": verdict.classification, "reason": verdict.reason})
    return target


def _live_target(context: dict[str, Any], message_id: str, link_id: str | None, url: str | None,
                 signature: str | None) -> tuple[str, str | None]:
    """(target, link id) while the context lives: exactly what the message linked to."""
    links: dict[str, str] = context["links"] or {}
    if link_id is not None:
        target = links.get(link_id)
        if target is None:
            raise InvalidLink("link id not in this message")
        return target, link_id
    _check_signature(message_id, url, signature)
    assert url is not None
    return url, next((key for key, value in links.items() if value == url), None)


def _lasting_target(sent: dict[str, Any], message_id: str, link_id: str | None, url: str | None,
                    signature: str | None) -> tuple[str, str | None]:
    """(target, link id) once the context is gone: the card's own URL the link pointed at, else
    the card page (never anywhere else)."""
    links = sent["links"]
    if link_id is not None:
        stored = stored_destination(links, link_id, sent["card_id"])
        if stored is None:
            raise InvalidLink("link id not in this message")
    else:
        _check_signature(message_id, url, signature)
        assert url is not None
        stored = url
        link_id = next((key for key, value in (links or {}).items() if value == url), None)
    if not _is_web_url(stored):  # refused, as it was while the context lived
        raise InvalidLink("target is not an http(s) URL")
    return lasting_destination(sent["card_id"], stored), link_id


def _check_signature(message_id: str, url: str | None, signature: str | None) -> None:
    if not url or not signature or len(url) > MAX_URL or not verify(message_id, url, signature, keys=signing_keys()):
        raise InvalidLink("bad signature")


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and "\\" not in url and not any(ord(c) < 32 for c in url)


# --- metrics ----------------------------------------------------------------------------------

FUNNEL_TYPES = ("sent", "delivered", "opened", "clicked", "bounced", "complained", "delayed", "rejected", "failed")


def funnel(conn: Conn, tenant_id: UUID, *, event_id: UUID | None = None, since: datetime | None = None,
           until: datetime | None = None) -> dict[str, dict[str, int]]:
    """{event type: {"total", "unique", "machine_total", "machine_unique"}}: the human counts
    (total events and distinct messages) and, apart, what machines did."""
    rows = {row["event_type"]: row for row in email_events.funnel(conn, tenant_id, event_id=event_id, since=since, until=until)}
    result = {}
    for event_type in FUNNEL_TYPES:
        row = rows.get(event_type) or {}
        result[event_type] = {
            "total": int(row.get("human_total") or 0),
            "unique": int(row.get("human_unique") or 0),
            "machine_total": int(row.get("machine_total") or 0),
            "machine_unique": int(row.get("machine_unique") or 0),
        }
    return result


def email_funnel(principal: Principal, *, event_id: UUID | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> dict[str, dict[str, int]]:
    with tenant_tx(principal.tenant_id) as conn:
        return funnel(conn, principal.tenant_id, event_id=event_id, since=since, until=until)
