"""One-click unsubscribe from the card emails (RFC 8058), and the page behind the link.

Every card email carries

    List-Unsubscribe: <{base}/api/track/email/unsubscribe/{message_id}?s=<signature>>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

and the same URL in its footer. The signature is the tracking key's HMAC (services.email.tracking:
the same keys, the same rotation) over the message id, the tenant and the recipient's address, so
a link names one recipient of one tenant and cannot be made up or pointed at someone else; the
address itself never appears in the URL (it is read from the send log, kept for good).

- POST to the URL (what Gmail and Yahoo send, `List-Unsubscribe=One-Click`, and what the page's
  button sends): the address goes on the tenant's suppression list (reason `unsubscribe`), no
  sign-in, no cookie; later sends skip it and count it as suppressed. Doing it twice is harmless.
- GET shows a page with a button that POSTs. The GET itself changes nothing: mail scanners and
  link previewers fetch every link of a message, and must not unsubscribe anyone (RFC 8058 §3).

The list is the tenant's: one unsubscribe stops every later card email of that organisation
(the organiser can take the address off again: DELETE /api/v1/admin/suppressions/{email}).
A link that is malformed, unknown, of a disabled tenant or wrongly signed is the same
InvalidLink, which never says which check failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from outreachpass.data import email_events, email_sends
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.observability import logger
from outreachpass.services.email.suppressions import normalise, suppress_address, suppressed_addresses
from outreachpass.services.email.tracking import MESSAGE_ID, InvalidLink, sign, signing_keys, verify

PATH = "/api/track/email/unsubscribe"
MAX_SIGNATURE = 64


@dataclass(frozen=True)
class UnsubscribeTarget:
    """What the page shows: whose mail stops (the brand, else the organisation), for which
    (masked) address, and whether it is stopped already."""

    tenant_id: UUID
    sender_name: str
    masked_address: str
    theme: dict[str, Any]
    unsubscribed: bool
    languages: tuple[str | None, ...] = ()  # the e-mail's: its attendee's, its event's (the page speaks it)


def unsubscribe_url(base_url: str, tenant_id: UUID, message_id: str, email: str, *, key: bytes | None = None) -> str:
    """The signed one-click URL of one message (needs the tracking key)."""
    if key is None:
        keys = signing_keys()
        if not keys:
            raise RuntimeError("the tracking_hmac secret holds no usable key: card emails cannot carry their unsubscribe link")
        key = keys[0]
    signature = sign(message_id, _signed_text(tenant_id, email), key=key)
    return f"{base_url}{PATH}/{quote(message_id, safe='')}?{urlencode({'s': signature})}"


def show(message_id: str, signature: str | None) -> UnsubscribeTarget:
    """The GET: who would be unsubscribed. Reads only."""
    return _handle(message_id, signature, act=False)


def unsubscribe(message_id: str, signature: str | None) -> UnsubscribeTarget:
    """The POST: the recipient goes on the tenant's suppression list (idempotent)."""
    return _handle(message_id, signature, act=True)


def _handle(message_id: str, signature: str | None, *, act: bool) -> UnsubscribeTarget:
    if not MESSAGE_ID.match(message_id or "") or not signature or len(signature) > MAX_SIGNATURE:
        raise InvalidLink("malformed")
    with system_tx() as conn:
        tenant_id = email_events.email_tenant(conn, message_id)
    if tenant_id is None:
        raise InvalidLink("unknown message or disabled tenant")
    with tenant_tx(tenant_id) as conn:
        target = email_sends.unsubscribe_target(conn, tenant_id, message_id)
        if target is None or not target["recipient_email"]:
            raise InvalidLink("no such message of ours")
        email = normalise(target["recipient_email"])
        if not verify(message_id, _signed_text(tenant_id, email), signature, keys=signing_keys()):
            raise InvalidLink("bad signature")
        if act:
            added = suppress_address(conn, tenant_id, email, "unsubscribe", message_id=message_id)
            logger().info("one-click unsubscribe", extra={"message_id": message_id, "added": added})
        unsubscribed = act or email in suppressed_addresses(conn, tenant_id, [email])
    return UnsubscribeTarget(
        tenant_id=tenant_id,
        sender_name=target["brand_name"] or target["tenant_name"],
        masked_address=mask(email),
        theme=target["theme_json"] or {},
        unsubscribed=unsubscribed,
        languages=(target.get("attendee_language"), target.get("event_language")),
    )


def _signed_text(tenant_id: UUID, email: str) -> str:
    # Signed with the click links' keys and function; a click signature covers an http(s) URL,
    # never this text, so neither can stand for the other.
    return f"unsubscribe:{tenant_id}:{normalise(email)}"


def mask(email: str) -> str:
    """a…@example.com: enough for its owner to recognise, not the whole address for whoever the
    message was forwarded to."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2026@{domain}" if domain else "\u2026"
