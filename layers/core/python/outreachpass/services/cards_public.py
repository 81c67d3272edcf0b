"""The public faces of a card: its branded page, its vCard and its QR codes.

Each request resolves the card's tenant with the SECURITY DEFINER resolver and continues in
that same transaction under row-level security (data/cards_public): one resolver statement,
one query joining card, attendee, event and brand, and the tracking insert, sent together
in one pipeline (BEGIN, one exchange, COMMIT). A malformed id, an unknown card, a deleted
card and a card of a disabled tenant are all the same "not found", and nothing is recorded
for them. A feature the card's tenant or brand switched off (services.feature_flags) has no
button on the page, and its route answers 404 FEATURE_DISABLED, recording nothing.

The page is made to be shown at a booth: its own QR code (full screen on tap) lets two phones swap
cards without e-mail, and only the wallet of the visitor's platform is offered first
(`wallet_order`: Apple's on iOS and macOS Safari, Google's on Android, both elsewhere), each as
its official, localized badge (integrations.wallet_badges).

A card speaks its attendee's language, else its event's, else (the page and the vCard only: an
e-mail has no browser) the first language of the visitor's Accept-Language we have a catalogue
for, else English (`card_language`). An event always has a language (default "en"), so the
browser decides for cards outside any event and for events in a language without a catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from outreachpass.data import cards_public as cards_data
from outreachpass.data import tracking as tracking_data
from outreachpass.db.connection import system_tx, tenant_tx
from outreachpass.errors import NotFound
from outreachpass.integrations import public_assets, qr, vcard, wallet_badges
from outreachpass.integrations.locales import Language, accept_language, choose, event_dates
from outreachpass.observability import logger
from outreachpass.services.card_appearance import Theme, card_url, links, page_theme, parse_card_id, text_value
from outreachpass.services.card_tracking import Visitor, export_values, view_values
from outreachpass.services.feature_flags import Features

# --- the page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPage:
    card_id: UUID
    tenant_id: UUID
    name: str
    initials: str
    title: str | None
    org: str | None
    email: str | None
    phone: str | None
    bio: str | None
    website: str | None  # http(s)
    links: list[tuple[str, str]]  # (label, http(s) url); the website is not repeated among them
    avatar_url: str | None
    logo_url: str | None
    brand_name: str
    event_name: str | None
    theme: Theme
    url: str  # canonical card URL
    share_url: str
    vcard_url: str | None  # None: the feature is off (no button)
    apple_wallet_url: str | None
    google_wallet_url: str | None
    qr_url: str  # the page's own QR code (same origin: the page's CSP allows it)
    wallets: tuple[wallet_badges.Badge, ...]  # the wallets offered, the visitor's platform's first
    wallet_first: bool  # the first wallet is the visitor's platform's: the others wait behind "more"
    language: Language  # what the page speaks (its catalogue, date locale, direction)
    event_dates: str | None  # the event's dates as the language writes them, in the event's time zone
    share_button: bool
    contact_share: bool = False  # the "Share my details" form (services/contact_share.py)
    view: dict[str, Any] = field(default_factory=dict)

    @property
    def image_origins(self) -> list[str]:
        """Origins the page loads images from (for its Content-Security-Policy)."""
        origins = []
        for url in (self.avatar_url, self.logo_url):
            if url:
                parts = urlsplit(url)
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in origins:
                    origins.append(origin)
        return origins


def card_language(card: dict[str, Any], accept: str | None = None) -> Language:
    """The language a card speaks: its attendee's, else its event's, else the browser's (the
    Accept-Language header, by q-value), else English; each only when we have its catalogue."""
    return choose([card.get("attendee_language"), card.get("event_language"), *accept_language(accept)])


def open_card_page(raw_card_id: str, visitor: Visitor, src: str | None, accept: str | None = None) -> CardPage | None:
    """The card page of a live card, with the view recorded; None when there is no such card.
    `accept` is the visitor's Accept-Language header."""
    try:
        card_id = parse_card_id(raw_card_id)
    except NotFound:
        return None
    values = view_values(visitor, src)
    with system_tx() as conn:
        card, view = cards_data.open_card(conn, card_id, record=lambda c: tracking_data.queue_card_view(c, card_id, values))
    if card is None:
        return None
    return _page(card, view or {}, card_language(card, accept), platform_wallet(values.get("os"), values.get("browser")))


def platform_wallet(os_name: str | None, browser: str | None) -> str | None:
    """The wallet of the visitor's platform: Apple's on iOS/iPadOS (any browser hands a .pkpass to
    Wallet) and in Safari on macOS (iPadOS asks for desktop pages as macOS Safari), Google's on
    Android; None elsewhere (a desktop browser: both are offered side by side)."""
    if os_name == "iOS" or (os_name in ("Mac OS X", "macOS") and browser == "Safari"):
        return "apple"
    if os_name == "Android":
        return "google"
    return None


def wallet_order(available: list[str], platform: str | None) -> tuple[list[str], bool]:
    """The wallets to offer, the platform's first, and whether that first one is the platform's."""
    if platform in available:
        return [platform, *(wallet for wallet in available if wallet != platform)], True
    return available, False


def _page(card: dict[str, Any], view: dict[str, Any], language: Language, platform: str | None = None) -> CardPage:
    card_id, tenant_id = card["card_id"], card["tenant_id"]
    theme_json = card.get("theme_json") or {}
    features = Features.of_row(card)
    base = f"/c/{card_id}"
    name = card["display_name"].strip()
    apple_url = f"{base}/wallet/apple" if features.enabled("apple_wallet") else None
    google_url = f"{base}/wallet/google" if features.enabled("google_wallet") else None
    available = [wallet for wallet, url in (("apple", apple_url), ("google", google_url)) if url]
    order, first = wallet_order(available, platform)
    return CardPage(
        card_id=card_id,
        tenant_id=tenant_id,
        name=name,
        initials=initials(name),
        title=card.get("title"),
        org=card.get("org_name"),
        email=card.get("email"),
        phone=card.get("phone"),
        bio=card.get("bio"),
        website=_web_url(card.get("website")),
        links=[(label, url) for label, url in links(card.get("links_json")) if url != card.get("website")],
        avatar_url=public_assets.browser_url(card.get("avatar_s3_key"), tenant_id),
        logo_url=public_assets.browser_url(text_value(theme_json.get("logo_s3_key")), tenant_id),
        brand_name=card.get("brand_name") or card.get("event_name") or "OutreachPass",
        event_name=card.get("event_name"),
        theme=page_theme(theme_json),
        url=card_url(card_id),
        share_url=card_url(card_id, "share"),
        vcard_url=f"{base}/vcard" if features.enabled("vcard_download") else None,
        apple_wallet_url=apple_url,
        google_wallet_url=google_url,
        share_button=features.enabled("share_button"),
        contact_share=features.enabled("contact_share") and bool(card.get("owner_has_email")),
        qr_url=f"{base}/qr.svg",
        wallets=tuple(wallet_badges.badge(wallet, language.code) for wallet in order),
        wallet_first=first,
        language=language,
        event_dates=event_dates(card.get("starts_at"), card.get("ends_at"), card.get("timezone"), language.format_locale),
        view=view,
    )


def _web_url(value: Any) -> str | None:
    """An http(s) URL, else None (the column's check says so; this is the page's own guard)."""
    if not isinstance(value, str):
        return None
    try:
        return value if urlsplit(value).scheme.lower() in ("http", "https") else None
    except ValueError:
        return None


def initials(name: str) -> str:
    words = [word for word in re.split(r"\s+", name) if word and word[0].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


# --- the vCard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VCardFile:
    text: str
    content_disposition: str
    vcard_rev: int
    tenant_id: UUID
    has_photo: bool


def download_vcard(raw_card_id: str, visitor: Visitor, accept: str | None = None) -> VCardFile:
    """The card as a vCard 3.0, with the download recorded; NotFound when there is no such card,
    FeatureDisabled (nothing recorded) when its tenant or brand switched vCards off. Its few words
    (the note, the card link's label) are in the card's language (card_language)."""
    card_id = parse_card_id(raw_card_id)
    values = export_values(visitor, "vcard_download")
    with system_tx() as conn:
        card, _ = cards_data.open_card(conn, card_id, record=lambda c: tracking_data.queue_contact_export(c, card_id, values))
        if card is not None:
            Features.of_row(card).require("vcard_download")  # raising here rolls the recorded export back
    if card is None:
        raise NotFound("card", card_id)
    photo = public_assets.vcard_photo(card["tenant_id"], card_id) if card.get("avatar_s3_key") else None
    return VCardFile(
        text=vcard.render(contact_of(card, photo, card_language(card, accept))),
        content_disposition=vcard.content_disposition(card["display_name"]),
        vcard_rev=card["vcard_rev"],
        tenant_id=card["tenant_id"],
        has_photo=photo is not None,
    )


def contact_of(card: dict[str, Any], photo: bytes | None = None, language: Language | None = None) -> vcard.Contact:
    """The vCard contact of a card row (with its attendee's names and its event's name)."""
    language = language or card_language(card)
    name = card["display_name"].strip()
    family, given = _structured_name(name, card.get("first_name"), card.get("last_name"))
    revised: datetime | None = card.get("updated_at")
    website = _web_url(card.get("website"))
    met = language.gettext("Met at %(event)s") % {"event": card["event_name"]} if card.get("event_name") else None
    note = "\n\n".join(part for part in (card.get("bio"), met) if part) or None
    return vcard.Contact(
        uid=f"urn:uuid:{card['card_id']}",
        formatted_name=name,
        family_name=family,
        given_name=given,
        org=card.get("org_name"),
        title=card.get("title"),
        emails=tuple(filter(None, [card.get("email")])),
        phones=tuple(filter(None, [card.get("phone")])),
        links=(
            *([vcard.Link(website, language.gettext("Website"))] if website else []),
            *(vcard.Link(url, language.gettext(label)) for label, url in links(card.get("links_json")) if url != website),
            vcard.Link(card_url(card["card_id"]), language.gettext("Digital card")),
        ),
        note=note,  # the bio, then where the two met
        photo_jpeg=photo,
        revised_at=revised,
        extensions=(("X-OUTREACHPASS-REV", str(card["vcard_rev"])),),
    )


def _structured_name(display_name: str, first: str | None, last: str | None) -> tuple[str, str]:
    """(family, given) for N: the attendee's own names when the card still shows them (in either
    order: "Taro Yamada" or "Yamada Taro"), else the whole display name as the given name."""
    first, last = (first or "").strip(), (last or "").strip()
    if first and (display_name in (f"{first} {last}".strip(), f"{last} {first}".strip(), f"{last}{first}")):
        return last, first
    return "", display_name


# --- QR codes ---------------------------------------------------------------------------------------


QR_CACHE_CONTROL = "public, max-age=31536000, immutable"


def qr_image(raw_card_id: str, fmt: qr.Format) -> bytes:
    """The QR code of the card's URL (?src=qr): from the S3 cache (qr/{tenant}/{card}.{fmt}, with a
    qr_codes row) after the first request, rendered and stored on the first; NotFound when there
    is no such card. A cached image of an outdated URL (the public domain changed) is replaced."""
    card_id = parse_card_id(raw_card_id)
    with system_tx() as conn:
        tenant_id = cards_data.bind_card_tenant(conn, card_id)
        if tenant_id is None:
            raise NotFound("card", card_id)
        cached = cards_data.qr_code(conn, tenant_id, card_id, fmt)
    url = card_url(card_id, "qr")
    if cached and cached["url_encoded"] == url:
        try:
            data = public_assets.get_object(cached["s3_key"], max_bytes=1024 * 1024)
        except Exception as exc:  # S3 hiccup: render instead of failing
            logger().warning("cached QR unreadable, rendering it again", extra={"error": type(exc).__name__})
            data = None
        if data:
            return data
    data = qr.render(url, fmt)
    key = public_assets.qr_key(tenant_id, card_id, fmt)
    public_assets.put_object(key, data, content_type=qr.MEDIA_TYPES[fmt], cache_control=QR_CACHE_CONTROL)
    with tenant_tx(tenant_id) as conn:
        cards_data.upsert_qr_code(conn, tenant_id, card_id, fmt, key, url)
    logger().info("QR code rendered and cached", extra={"card_id": str(card_id), "format": fmt})
    return data
