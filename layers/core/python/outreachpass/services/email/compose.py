"""What one card email says and who it comes from: the tenant's sender identity, the card's
links (what the message context stores for click tracking), and the rendered MIME message
(jinja2 templates, the QR code inline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from outreachpass.config import Settings
from outreachpass.services.card_appearance import event_dates
from outreachpass.services.email.tracking import click_url, pixel_url
from outreachpass.services.feature_flags import Features


@dataclass(frozen=True)
class SenderIdentity:
    address: str
    name: str | None
    reply_to: str | None
    configuration_set: str | None


def resolve_sender(row: dict[str, Any] | None, brand_name: str | None, config: Settings) -> SenderIdentity:
    """The tenant's sender, from tenant_email_settings, falling back to the platform's.

    Address: from_email, else DEFAULT_SENDER. Configuration set: configuration_set, else
    (a tenant with its own address and a tenant key: the set its tenant stack creates)
    `<SES_CONFIGURATION_SET>-<tenant_key>`, else SES_CONFIGURATION_SET. Name: from_name,
    else the brand's display name, else the tenant's name."""
    row = row or {}
    address = row.get("from_email") or config.default_sender
    if not address:
        raise RuntimeError("no sender address: set DEFAULT_SENDER (Needs.send_email) or the tenant's email settings")
    configuration_set = row.get("configuration_set")
    if not configuration_set and row.get("from_email") and row.get("tenant_key") and config.ses_configuration_set:
        configuration_set = f"{config.ses_configuration_set}-{row['tenant_key']}"
    return SenderIdentity(
        address=address,
        name=row.get("from_name") or brand_name or row.get("tenant_name"),
        reply_to=row.get("reply_to"),
        configuration_set=configuration_set or config.ses_configuration_set,
    )


def card_links(base_url: str, card_id: UUID, features: Features) -> dict[str, str]:
    """The destinations of the email's links (what the message context stores): the card, and
    the vCard and wallet links of the features the tenant and brand have on."""
    card = f"{base_url}/c/{card_id}"
    links = {"card": f"{card}?src=email"}
    if features.enabled("vcard_download"):
        links["vcard"] = f"{card}/vcard"
    if features.enabled("apple_wallet"):
        links["apple"] = f"{card}/wallet/apple"
    if features.enabled("google_wallet"):
        links["google"] = f"{card}/wallet/google"
    return links


def event_when(event: dict[str, Any]) -> str | None:
    return event_dates(event.get("starts_at"), event.get("ends_at"), event.get("timezone"))


@dataclass
class Outbound:
    message_id: str
    raw: bytes
    links: dict[str, str]


def compose(
    *,
    message_id: str,
    base_url: str,
    recipient: dict[str, Any],
    event: dict[str, Any],
    sender: SenderIdentity,
    subject: str | None,
    custom_message: str | None,
) -> Outbound:
    """Render the email of one attendee (jinja2 + MIME; the QR inline)."""
    from outreachpass.integrations.email.mime import InlineImage, build_message, new_cid
    from outreachpass.integrations.email.render import EmailContent, render
    from outreachpass.integrations.qr import render_png

    features = Features.of_row(event)  # the event row carries the tenant's flags and its brand's features
    links = card_links(base_url, recipient["card_id"], features)
    tracked = {link_id: click_url(base_url, message_id, link_id) for link_id in links}
    qr = InlineImage(cid=new_cid(message_id), data=render_png(f"{base_url}/c/{recipient['card_id']}?src=qr"))
    brand_name = event.get("brand_name") or sender.name or "OutreachPass"
    first_name = (recipient.get("first_name") or "").strip()
    display_name = recipient.get("display_name") or " ".join(
        part for part in (recipient.get("first_name"), recipient.get("last_name")) if part
    ) or recipient["email"]
    content = EmailContent(
        subject=subject or f"Your digital card for {event['name']}",
        greeting=f"Hi {first_name}," if first_name else "Hello,",
        display_name=display_name,
        event_name=event["name"],
        event_when=event_when(event),
        brand_name=brand_name,
        sender_name=sender.name or brand_name,
        links=tracked,
        pixel_url=pixel_url(base_url, message_id) if features.enabled("email_open_tracking") else None,
        theme=event.get("theme_json") or {},
        custom_message=custom_message,
        qr_cid=qr.cid,
    )
    html, text = render(content)
    raw = build_message(
        message_id=message_id,
        sender=sender.address,
        sender_name=sender.name,
        recipient=recipient["email"],
        recipient_name=display_name if display_name != recipient["email"] else None,
        subject=content.subject,
        text=text,
        html=html,
        reply_to=sender.reply_to,
        inline_images=(qr,),
    )
    return Outbound(message_id=message_id, raw=raw, links=links)
