"""How a card presents itself to the public: its id in a URL, its public URL, its links, and its
brand's colours as the card page and the wallet passes show them.

One copy of each rule, shared by the card page (services.cards_public), the wallet passes
(services.wallet), the admin API (services.cards) and the leads exhibitors capture
(services.leads: what the card shows, no more): a malformed card id is the same 404 as an
unknown card everywhere, and a brand colour is checked and made readable the same way
wherever it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreachpass.config import settings
from outreachpass.errors import NotFound
from outreachpass.integrations.locales import N_

# The defaults of a brand theme (models.brands.Theme has the same ones).
DEFAULT_THEME = {
    "primary_color": "#1f2937",
    "accent_color": "#2563eb",
    "background_color": "#ffffff",
    "text_color": "#111827",
}
WHITE = "#ffffff"
NEAR_BLACK = "#111827"  # the wallet passes' dark text
PAGE_DARK_TEXT = "#111111"  # the card page's dark text on filled buttons
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT = re.compile(r"^[A-Za-z][A-Za-z0-9 \-]{0,40}$")
# Unquoted on purpose: family names go into the page's <style> through an autoescaped variable,
# where quotes would arrive as entities (and break the font declaration).
SYSTEM_FONTS = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


# --- the card in a URL --------------------------------------------------------------------------


def parse_card_id(raw: str | UUID) -> UUID:
    """A card id from a URL or a body. Anything that is not a UUID raises the same NotFound as
    an unknown card (a 404, never a 500, and nothing tells a malformed id from a missing one)."""
    if isinstance(raw, UUID):
        return raw
    try:
        return UUID(str(raw).strip())
    except (ValueError, AttributeError, TypeError):
        raise NotFound("card") from None


def card_url(card_id: UUID | str, src: str | None = None) -> str:
    """The public page of a card, optionally tagged with its source (?src=qr on QR codes)."""
    base = f"{settings().public_base_url}/c/{card_id}"
    return f"{base}?src={src}" if src else base


def organisation_of(card: dict[str, Any]) -> str:
    """The name a pass shows as its issuer: the brand's, else the tenant's."""
    return str(card.get("brand_name") or card.get("tenant_name") or "OutreachPass").strip()


# --- colours --------------------------------------------------------------------------------------


def hex_colour(value: Any, default: str) -> str:
    """A brand colour as `#rrggbb` (lower case; `#rgb` expanded), or `default` for anything else:
    only checked colours reach CSS and pass JSON."""
    if isinstance(value, str) and _HEX.match(value.strip()):
        value = value.strip().lower()
        if len(value) == 4:
            value = "#" + "".join(ch * 2 for ch in value[1:])
        return str(value)
    return default


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = rgb(colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(colour: str) -> str:
    """White or near-black, whichever contrasts more with `colour` (the page's filled buttons)."""
    lum = luminance(colour)
    with_white = 1.05 / (lum + 0.05)
    with_black = (lum + 0.05) / 0.05
    return WHITE if with_white >= with_black else PAGE_DARK_TEXT


def mix(foreground: str, background: str, weight: float) -> str:
    """`weight` of foreground over background (the page's muted text)."""
    fr, fg, fb = rgb(foreground)
    br, bg, bb = rgb(background)
    mixed = (round(fr * weight + br * (1 - weight)), round(fg * weight + bg * (1 - weight)), round(fb * weight + bb * (1 - weight)))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


# --- the card page's theme --------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    primary: str
    accent: str
    background: str
    text: str
    on_primary: str  # readable text colour on the primary colour
    on_accent: str
    muted: str  # secondary text
    font_family: str


def page_theme(theme_json: dict[str, Any]) -> Theme:
    """The brand's colours, each checked (only #rgb / #rrggbb reach the CSS), with readable
    text colours computed for the filled buttons."""
    colours = {key: hex_colour(theme_json.get(key), default) for key, default in DEFAULT_THEME.items()}
    font = text_value(theme_json.get("font_family"))
    families = [part.strip() for part in (font or "").split(",") if part.strip()]
    safe = [family for family in families if _FONT.match(family)]
    return Theme(
        primary=colours["primary_color"],
        accent=colours["accent_color"],
        background=colours["background_color"],
        text=colours["text_color"],
        on_primary=readable_on(colours["primary_color"]),
        on_accent=readable_on(colours["accent_color"]),
        muted=mix(colours["text_color"], colours["background_color"], 0.62),
        font_family=", ".join([*safe, SYSTEM_FONTS]) if safe else SYSTEM_FONTS,
    )


def text_value(value: Any) -> str | None:
    """A non-empty string from a JSON document, else None."""
    return value if isinstance(value, str) and value else None


# --- the event's dates ----------------------------------------------------------------------------------


def event_dates(starts: datetime | None, ends: datetime | None, timezone: str | None) -> str | None:
    """When an event is, in its own time zone, as the emails show it: "Thu 1 May 2031",
    or "Thu 1 May - Fri 2 May 2031" (an en dash) over several days."""
    if starts is None:
        return None
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    start = starts.astimezone(zone)
    text = f"{start:%a} {start.day} {start:%b %Y}"
    if ends is not None:
        end = ends.astimezone(zone)
        if end.date() != start.date():
            text = f"{start:%a} {start.day} {start:%b} \u2013 {end:%a} {end.day} {end:%b %Y}"
    return text


# --- the wallet passes' colours -----------------------------------------------------------------------

# The theme keys a pass shows (pass_look's colours, the logo): a brand edit of another key (a
# font, the page's background) leaves its passes as they are.
PASS_THEME_KEYS = ("primary_color", "accent_color", "logo_s3_key")


@dataclass(frozen=True)
class PassLook:
    background: str
    foreground: str
    label: str
    dark_logo: bool  # the background is light: use the dark default logo


def pass_look(theme: dict[str, Any] | None) -> PassLook:
    """The brand's primary colour as the pass background, the more readable of white and near
    black as text, the accent colour for labels when it reads well enough (3:1), else the text
    colour."""
    theme = theme or {}
    background = hex_colour(theme.get("primary_color"), DEFAULT_THEME["primary_color"])
    foreground = WHITE if contrast(WHITE, background) >= contrast(NEAR_BLACK, background) else NEAR_BLACK
    accent = hex_colour(theme.get("accent_color"), DEFAULT_THEME["accent_color"])
    label = accent if contrast(accent, background) >= 3.0 else foreground
    return PassLook(background=background, foreground=foreground, label=label, dark_logo=foreground == NEAR_BLACK)


# Labels for the link keys cards use ({"linkedin": "https://..."}); others are title-cased. Names
# of services stay as they are; the words are translated where they are shown (N_ marks them for
# the catalogues; the card page and the vCard translate them, a lead keeps the English label).
LINK_LABELS = {
    "linkedin": "LinkedIn",
    "website": N_("Website"),
    "web": N_("Website"),
    "twitter": "X (Twitter)",
    "x": "X",
    "github": "GitHub",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "youtube": "YouTube",
    "calendar": N_("Book a meeting"),
}


def links(raw: Any) -> list[tuple[str, str]]:
    """(label, url) for each http(s) link of a card, in a stable order; anything else is dropped
    (a javascript: or data: URL never reaches the page)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, dict):
        items = [(str(key), value) for key, value in raw.items()]
    elif isinstance(raw, list):
        items = [(str(item.get("label") or item.get("type") or "link"), item.get("url")) for item in raw if isinstance(item, dict)]
    else:
        return pairs
    for key, url in items:
        if not isinstance(url, str) or len(url) > 2048:
            continue
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            continue
        if scheme in ("http", "https"):
            pairs.append((LINK_LABELS.get(key.lower(), key.replace("_", " ").strip().title() or "Link"), url))
    return pairs


def linkedin_url(raw: Any) -> str | None:
    """The card's LinkedIn link as the card page shows it (http(s) only), or None."""
    return next((url for label, url in links(raw) if label == LINK_LABELS["linkedin"]), None)
