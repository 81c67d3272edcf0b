"""What one card email says and who it comes from: the tenant's sender identity, the card's
links (what the message context stores for click tracking), and the rendered MIME message
(jinja2 templates, the QR code inline).

An event's own template (services/email/templates), when it has one, replaces the subject and
the opening text with the organisers' words, its placeholders filled in for the recipient
(integrations/email/placeholders); the layout around it stays ours. Every card e-mail carries
its one-click unsubscribe link (services/email/unsubscribe) in its headers and footer.

The e-mail speaks its attendee's language, else its event's (an event always has one), with
the event's dates written as that language writes them, in the event's time zone: the layout's
words (greeting, introduction, buttons, footer) come from the catalogues, and an event's own
template is the organisers' words as they wrote them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from outreachpass.config import Settings
from outreachpass.integrations.locales import Language, choose, days_until, event_dates
from outreachpass.services.email.tracking import click_url, pixel_url
from outreachpass.services.feature_flags import Features

COUNTDOWN_DAYS = 60  # "It starts in N days" up to this far ahead; further out the dates say enough
LINK_PLACEHOLDERS = {"card_url": "card", "apple_wallet_url": "apple", "google_wallet_url": "google", "vcard_url": "vcard"}


@dataclass(frozen=True)
class EmailTemplate:
    """An event's own subject and body (placeholders unrendered)."""

    subject: str
    body: str


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


def email_language(recipient: dict[str, Any], event: dict[str, Any]) -> Language:
    """The attendee's language, else the event's (each only when we have its catalogue), else English."""
    return choose([recipient.get("language"), event.get("language")])


def event_when(event: dict[str, Any], language: Language) -> str | None:
    return event_dates(event.get("starts_at"), event.get("ends_at"), event.get("timezone"), language.format_locale)


@dataclass
class Outbound:
    message_id: str
    raw: bytes
    links: dict[str, str]
    subject: str = ""


@dataclass(frozen=True)
class RenderedEmail:
    """A card email before it becomes MIME (what a preview shows)."""

    subject: str
    html: str
    text: str
    qr_cid: str
    qr_png: bytes
    display_name: str
    links: dict[str, str]  # link id -> destination (what the message context stores)


def render_email(
    *,
    message_id: str,
    base_url: str,
    recipient: dict[str, Any],
    event: dict[str, Any],
    sender: SenderIdentity,
    subject: str | None,
    custom_message: str | None,
    template: EmailTemplate | None = None,
    unsubscribe_url: str | None = None,
    tracked: bool = True,
    now: datetime | None = None,
) -> RenderedEmail:
    """The subject and bodies of one attendee's email, in its language (email_language).
    tracked=False (previews, test sends): the links go straight to their destinations and there is
    no open pixel, so nothing is recorded."""
    from outreachpass.integrations.email import placeholders
    from outreachpass.integrations.email.mime import new_cid
    from outreachpass.integrations.email.render import EmailContent, render, safe_theme
    from outreachpass.integrations.qr import render_png

    features = Features.of_row(event)  # the event row carries the tenant's flags and its brand's features
    links = card_links(base_url, recipient["card_id"], features)
    shown = {link_id: click_url(base_url, message_id, link_id) for link_id in links} if tracked else dict(links)
    qr_cid = new_cid(message_id)
    qr_png = render_png(f"{base_url}/c/{recipient['card_id']}?src=qr")
    brand_name = event.get("brand_name") or sender.name or "OutreachPass"
    first_name = (recipient.get("first_name") or "").strip()
    display_name = recipient.get("display_name") or " ".join(
        part for part in (recipient.get("first_name"), recipient.get("last_name")) if part
    ) or recipient["email"]
    language = email_language(recipient, event)
    days = days_until(event.get("starts_at"), event.get("timezone"), now or datetime.now(UTC))
    values = template_values(recipient, event, language, display_name=display_name, brand_name=brand_name,
                             sender_name=sender.name or brand_name, links=shown, unsubscribe_url=unsubscribe_url)
    if subject:
        subject = placeholders.render_line(subject, values)
    if custom_message:
        custom_message = placeholders.render_text(custom_message, values)
    body_html = body_text = None
    if template is not None:
        subject = subject or placeholders.render_line(template.subject, values)
        link_style = f"color:{safe_theme(event.get('theme_json'))['accent_color']};"
        body_html = placeholders.render_html(template.body, values, link_style=link_style)
        body_text = placeholders.render_text(template.body, values).strip()
    content = EmailContent(
        language=language,
        subject=subject or language.gettext("Your digital card for %(event)s") % {"event": event["name"]},
        first_name=first_name or None,
        display_name=display_name,
        event_name=event["name"],
        event_when=event_when(event, language),
        days_to_go=days if days is not None and 0 < days <= COUNTDOWN_DAYS else None,
        brand_name=brand_name,
        sender_name=sender.name or brand_name,
        links=shown,
        pixel_url=pixel_url(base_url, message_id) if tracked and features.enabled("email_open_tracking") else None,
        theme=event.get("theme_json") or {},
        custom_message=custom_message,
        qr_cid=qr_cid,
        body_html=body_html,
        body_text=body_text,
        unsubscribe_url=unsubscribe_url,
    )
    html, text = render(content)
    return RenderedEmail(subject=content.subject, html=html, text=text, qr_cid=qr_cid, qr_png=qr_png,
                         display_name=display_name, links=links)


def template_values(
    recipient: dict[str, Any], event: dict[str, Any], language: Language, *, display_name: str, brand_name: str, sender_name: str,
    links: dict[str, str], unsubscribe_url: str | None,
) -> dict[str, str | None]:
    """What each placeholder of integrations/email/placeholders stands for, for this recipient (the
    event's dates as the e-mail's language writes them)."""
    venue = event.get("venue_json") or {}
    venue_text = ", ".join(str(venue[key]).strip() for key in ("name", "address") if isinstance(venue.get(key), str) and venue[key].strip())
    values: dict[str, str | None] = {
        "first_name": (recipient.get("first_name") or "").strip() or None,
        "last_name": (recipient.get("last_name") or "").strip() or None,
        "full_name": display_name,
        "email": recipient.get("email"),
        "organization": recipient.get("org_name"),
        "title": recipient.get("title"),
        "event_name": event["name"],
        "event_dates": event_when(event, language),
        "event_venue": venue_text or None,
        "brand_name": brand_name,
        "sender_name": sender_name,
        "unsubscribe_url": unsubscribe_url,
    }
    values |= {name: links.get(link_id) for name, link_id in LINK_PLACEHOLDERS.items()}
    return values


def compose(
    *,
    message_id: str,
    base_url: str,
    recipient: dict[str, Any],
    event: dict[str, Any],
    sender: SenderIdentity,
    subject: str | None,
    custom_message: str | None,
    template: EmailTemplate | None = None,
    unsubscribe_url: str | None = None,
    tracked: bool = True,
    to: str | None = None,
    now: datetime | None = None,
) -> Outbound:
    """Render the email of one attendee (jinja2 + MIME; the QR inline; the List-Unsubscribe headers).
    to: another address than the attendee's (a test send to the organiser)."""
    from outreachpass.integrations.email.mime import InlineImage, build_message

    rendered = render_email(
        message_id=message_id, base_url=base_url, recipient=recipient, event=event, sender=sender, subject=subject,
        custom_message=custom_message, template=template, unsubscribe_url=unsubscribe_url, tracked=tracked, now=now,
    )
    raw = build_message(
        message_id=message_id,
        sender=sender.address,
        sender_name=sender.name,
        recipient=to or recipient["email"],
        recipient_name=None if to or rendered.display_name == recipient["email"] else rendered.display_name,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        reply_to=sender.reply_to,
        inline_images=(InlineImage(cid=rendered.qr_cid, data=rendered.qr_png),),
        list_unsubscribe=unsubscribe_url,
    )
    return Outbound(message_id=message_id, raw=raw, links=rendered.links, subject=rendered.subject)
