"""The card email's HTML and plain-text bodies, rendered with jinja2.

HTML is autoescaped (an attendee named `<script>` is shown, never run); the plain-text
template is not escaped (it is text). Colours come from the brand theme and are used only
when they are #rrggbb, so a theme value can never inject CSS. jinja2 is imported on first
use: the tracking routes that import this package never pay for it.

Both bodies are in the e-mail's language (integrations.locales: {% trans %} blocks translated
from the render's `language`); the HTML carries its lang and dir, so Arabic and Hebrew read
right to left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreachpass.integrations.locales import Language, install
from outreachpass.lazy import lazy

if TYPE_CHECKING:
    from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SAFE_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,120}$")
TEMPLATE_LINKS = ("card", "apple", "google", "vcard")  # what the templates show when present
DEFAULT_FONTS = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

DEFAULT_THEME = {
    "primary_color": "#1f2937",
    "accent_color": "#2563eb",
    "background_color": "#ffffff",
    "text_color": "#111827",
}



@dataclass(frozen=True)
class EmailContent:
    """What the templates show; every string is plain text (the HTML template escapes it)."""

    language: Language
    subject: str
    first_name: str | None  # the greeting's name ("Hello," without one)
    display_name: str
    event_name: str
    event_when: str | None  # the event's dates, as the language writes them
    days_to_go: int | None  # days until the event starts, when it is still ahead
    brand_name: str
    sender_name: str
    links: dict[str, str]  # card, apple, google, vcard: the tracked URLs
    pixel_url: str | None  # None: no open pixel (open tracking off for the tenant; previews and test sends)
    theme: dict[str, Any] = field(default_factory=dict)
    custom_message: str | None = None
    qr_cid: str | None = None  # Content-ID of the inline QR image, when there is one
    # The event's own opening text in place of the greeting and introduction: HTML escaped by
    # integrations/email/placeholders (a markupsafe.Markup, so the template does not escape it again),
    # and its plain text.
    body_html: Markup | None = None
    body_text: str | None = None
    unsubscribe_url: str | None = None  # the one-click unsubscribe page (footer link)


def safe_theme(theme: dict[str, Any] | None) -> dict[str, str]:
    theme = theme or {}
    safe = {key: (value if isinstance(value := theme.get(key), str) and HEX_COLOUR.match(value) else default)
            for key, default in DEFAULT_THEME.items()}
    font = theme.get("font_family")
    safe["font_stack"] = f"{font}, {DEFAULT_FONTS}" if isinstance(font, str) and SAFE_FONT.match(font) else DEFAULT_FONTS
    return safe


@lazy
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals.clear()  # nothing but what we pass in, and the translations
    install(environment)
    return environment


def render(content: EmailContent) -> tuple[str, str]:
    """(html, text) of the card email."""
    env = _env()
    values = {
        "language": content.language,
        "subject": content.subject,
        "first_name": content.first_name,
        "display_name": content.display_name,
        "event_name": content.event_name,
        "event_when": content.event_when,
        "days_to_go": content.days_to_go,
        "brand_name": content.brand_name,
        "sender_name": content.sender_name,
        "links": {link: content.links.get(link) for link in TEMPLATE_LINKS},  # absent ones are None, not undefined
        "pixel_url": content.pixel_url,
        "theme": safe_theme(content.theme),
        "custom_message": content.custom_message,
        "qr_cid": content.qr_cid,
        "body_html": content.body_html,  # markupsafe.Markup from placeholders.render_html: escaped there
        "body_text": content.body_text,
        "unsubscribe_url": content.unsubscribe_url,
    }
    html = env.get_template("email.html").render(values)
    text = env.get_template("email.txt").render(values)
    return html, text
