"""Contact exchange, the other direction: a visitor of a card page shares their own details with
the card's owner ("Share my details"), as HiHello, Blinq and Popl cards do.

The details go by e-mail to the card's owner only, as plain text: the owner's address (the
card's, else its attendee's) never leaves the server, the visitor chooses no recipient (nothing
goes back to the address they typed: that would mail whoever they name), and what they wrote
is cleaned of control and direction-changing characters and quoted, so it cannot pass for the
message's own lines. It is spam-resistant:
* a honeypot field: a form that fills it gets the normal answer, nothing is sent or recorded;
* rate limits in the database, over the last hour: CARD_LIMIT shares per card, IP_LIMIT per
  visitor IP address across the tenant's cards (generous: a venue's attendees share one NAT
  address), counted under a per-card lock so concurrent shares cannot overshoot;
* explicit consent (the request model refuses a share without it);
* the `contact_share` feature flag turns it off (on unless the tenant, or the card's brand, sets it
  off: services.feature_flags).
Each share records a `contact_shared` engagement event of the card (card_engagement_events), in
the transaction that sends the message: a message SES refuses leaves no event, and no count.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import card_engagement as engagement_data
from outreachpass.data import email_sends as email_data
from outreachpass.data.cards_public import bind_card_tenant
from outreachpass.data.conn import Conn
from outreachpass.db.connection import system_tx
from outreachpass.errors import Forbidden, NotFound, ServiceUnavailable, TooManyRequests, Unprocessable
from outreachpass.integrations.useragent import MAX_USER_AGENT, classify
from outreachpass.ipaddr import clean_ip
from outreachpass.models.contact_share import ContactShareIn
from outreachpass.observability import logger
from outreachpass.services.card_appearance import parse_card_id
from outreachpass.services.card_tracking import Visitor
from outreachpass.services.email.compose import SenderIdentity, resolve_sender
from outreachpass.services.email.suppressions import suppressed_addresses
from outreachpass.services.feature_flags import Features

FLAG = "contact_share"
WINDOW = timedelta(hours=1)
CARD_LIMIT = 20
IP_LIMIT = 30
SEND_ATTEMPTS = 2  # a visitor is waiting: one retry at most


def share_details(raw_card_id: str, request: ContactShareIn, visitor: Visitor) -> None:
    """Mail the visitor's details to the card's owner and record the share. NotFound for no such
    card; Forbidden CONTACT_SHARE_DISABLED when its tenant or brand turned it off or the owner cannot get
    mail; TooManyRequests over a limit; ServiceUnavailable when SES cannot take it now."""
    from outreachpass.integrations.email import ses

    card_id = parse_card_id(raw_card_id)
    log = logger()
    if request.website:
        log.info("contact share dropped: honeypot filled", extra={"card_id": str(card_id)})
        return
    ip_address = clean_ip(visitor.ip_address)
    user_agent = (visitor.user_agent or "")[:MAX_USER_AGENT] or None
    with system_tx() as conn:
        tenant_id = bind_card_tenant(conn, card_id)
        if tenant_id is None:
            raise NotFound("card", card_id)
        target = engagement_data.share_target(conn, tenant_id, card_id)
        if target is None:  # pragma: no cover - the resolver only binds live cards
            raise NotFound("card", card_id)
        if not Features.of_row(target).enabled(FLAG) or not _can_receive(conn, tenant_id, target["owner_email"]):
            raise _disabled()
        engagement_data.lock_card_shares(conn, card_id)
        recent = engagement_data.recent_shares(conn, tenant_id, card_id, ip_address, datetime.now(UTC) - WINDOW)
        if recent["card"] >= CARD_LIMIT or (ip_address and recent["ip"] >= IP_LIMIT):
            log.info("contact share refused: rate limit", extra={"card_id": str(card_id), "per_card": recent["card"]})
            raise TooManyRequests("Too many details were shared here in the last hour; please try again later")
        engagement_data.record(conn, tenant_id, {
            "event_id": target["event_id"], "card_id": card_id, "event_type": "contact_shared", "ip_address": ip_address,
            "user_agent": user_agent, "device_type": classify(user_agent).device_type,
        })
        config = settings()
        sender = resolve_sender(email_data.sender_settings(conn, tenant_id), target["brand_name"], config)
        message_id = str(uuid.uuid4())
        raw = compose(message_id, target, request, sender)
        try:
            ses.send_raw(raw, sender=sender.address, recipient=target["owner_email"], configuration_set=sender.configuration_set,
                         tags={"op_kind": "contact_share", "op_tenant_id": str(tenant_id)}, max_attempts=SEND_ATTEMPTS)
        except ses.SendOutcomeUnknown:
            # It may have gone out: keep the record, and let the visitor not send it twice.
            log.warning("contact share: SES outcome unknown", extra={"card_id": str(card_id), "message_id": message_id})
        except ses.SendRejected as exc:
            log.warning("contact share: SES refused the message", extra={"card_id": str(card_id), "code": exc.code})
            raise Unprocessable("This card cannot receive details right now", code="CONTACT_SHARE_UNDELIVERABLE") from None
        except ses.SendRetryLater as exc:
            log.warning("contact share: SES unavailable", extra={"card_id": str(card_id), "code": exc.code})
            raise ServiceUnavailable("Your details could not be sent right now; please try again in a moment") from None
    log.info("contact details shared", extra={"card_id": str(card_id), "message_id": message_id})


def _can_receive(conn: Conn, tenant_id: UUID, owner_email: str | None) -> bool:
    return owner_email is not None and not suppressed_addresses(conn, tenant_id, [owner_email])


def _disabled() -> Forbidden:
    return Forbidden("This card does not take shared details", code="CONTACT_SHARE_DISABLED")


# --- the message --------------------------------------------------------------------------------

# Direction overrides and isolates (U+202A-202E, U+2066-2069) and the marks (U+200E, U+200F, U+061C)
# can make text read differently than it is; controls could break lines or hide text.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def plain(text: str | None, *, multiline: bool = False, limit: int = 1000) -> str:
    """Visitor text made safe to quote in a plain-text message (and a header, single-line)."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    if not multiline:
        text = text.replace("\n", " ")
    kept = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    if not multiline:
        kept = " ".join(kept.split())
    else:
        kept = "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip("\n")
    return kept[:limit]


def compose(message_id: str, target: dict[str, Any], request: ContactShareIn, sender: SenderIdentity) -> bytes:
    """The plain-text message to the card's owner; replying writes to the visitor."""
    from outreachpass.integrations.email.mime import build_message

    name = plain(request.name, limit=100)
    where = f" at {plain(target['event_name'], limit=200)}" if target.get("event_name") else ""
    lines = [
        f"Hello {plain(target['display_name'], limit=200)},",
        "",
        f"Someone who viewed your digital card{where} shared their contact details with you:",
        "",
        f"  Name:    {name}",
        f"  Email:   {request.email}",
    ]
    if request.phone:
        lines.append(f"  Phone:   {plain(request.phone, limit=40)}")
    if request.company:
        lines.append(f"  Company: {plain(request.company, limit=200)}")
    note = plain(request.note, multiline=True)
    if note:
        lines += ["", "Their note:", *(f"  > {line}" for line in note.split("\n"))]
    lines += [
        "",
        "They agreed that you receive these details. We have not verified them: reply to this e-mail to write to them.",
        "",
        f"-- {sender.name or 'OutreachPass'}",
    ]
    return build_message(
        message_id=message_id,
        sender=sender.address,
        sender_name=sender.name,
        recipient=target["owner_email"],
        recipient_name=plain(target["display_name"], limit=200) or None,
        subject=f"{name} shared their contact details with you",
        text="\n".join(lines) + "\n",
        html=None,
        reply_to=request.email,
    )
