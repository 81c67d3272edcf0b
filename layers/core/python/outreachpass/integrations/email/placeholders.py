"""The placeholder syntax of the organisers' e-mail templates, parsed and rendered by our own code.

A template is plain text. `{{ name }}` is replaced by the recipient's value of `name` (spaces
inside the braces are optional); `{{ name | text }}` gives the text to use when that value is
empty (`Hi {{ first_name | there }},`). For a link (`card_url`, `apple_wallet_url`,
`google_wallet_url`, `vcard_url`, `unsubscribe_url`) the text after `|` is the link's text in
the HTML e-mail (`{{ card_url | Open your card }}`); the plain-text e-mail shows that text
followed by the URL. Every `{{ ... }}` must be one of PLACEHOLDERS: anything else is refused
when the template is saved, naming what is not known. There is nothing more to the language:
no expressions, no attribute access, no loops, so a template can never run code or read
anything but the values below (a deliberate choice over handing user text to jinja2).

Rendering escapes for HTML: values and the template's own text become text, never markup; blank
lines make paragraphs and single line breaks `<br>`. Only the link placeholders produce links,
and only to the URLs we built, so a template cannot add a link of its own to the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
NAME = re.compile(r"^[a-z_]+$")
MAX_FALLBACK = 200
PARAGRAPH = Markup('<p style="margin:0 0 12px 0;font-size:16px;line-height:1.5;">{}</p>')

# name -> what it stands for (the API documents these; GET .../email-template returns them).
PLACEHOLDERS: dict[str, str] = {
    "first_name": "The attendee's first name",
    "last_name": "The attendee's last name",
    "full_name": "The name on the attendee's card (else first and last name)",
    "email": "The attendee's e-mail address",
    "organization": "The attendee's organisation",
    "title": "The attendee's job title",
    "event_name": "The event's name",
    "event_dates": "The event's dates, in its time zone",
    "event_venue": "The event's venue (name and address)",
    "brand_name": "The brand's (or organisation's) name",
    "sender_name": "Who the e-mail comes from (the sender settings' name)",
    "card_url": "Link: the attendee's card page",
    "apple_wallet_url": "Link: add the card to Apple Wallet (empty when the brand turned Apple Wallet off)",
    "google_wallet_url": "Link: add the card to Google Wallet (empty when the brand turned Google Wallet off)",
    "vcard_url": "Link: download the attendee's contact (vCard)",
    "unsubscribe_url": "Link: stop e-mails from this organisation (one click, no sign-in)",
}
LINKS = frozenset(name for name in PLACEHOLDERS if name.endswith("_url"))


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Placeholder:
    name: str
    fallback: str | None  # the text when the value is empty (a link's text, for links)


Part = Text | Placeholder


class TemplateError(ValueError):
    """The template uses placeholders that do not exist (or are malformed); `unknown` lists them
    as written, for an error message a person can act on."""

    def __init__(self, unknown: list[str]):
        self.unknown = unknown
        shown = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        super().__init__(f"unknown placeholder{'s' if len(unknown) > 1 else ''}: {shown}")


def parse(template: str) -> list[Part]:
    """The template's text and placeholders, in order; raises TemplateError naming every unknown one."""
    parts: list[Part] = []
    unknown: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append(Text(template[position : match.start()]))
        position = match.end()
        inside = match.group(1)
        name, bar, fallback = inside.partition("|")
        name = name.strip()
        fallback_text = " ".join(fallback.split()) if bar else None
        if name not in PLACEHOLDERS or not NAME.match(name) or (fallback_text is not None and len(fallback_text) > MAX_FALLBACK):
            shown = " ".join(inside.split())[:60] or "(empty)"
            if shown not in unknown:
                unknown.append(shown)
            continue
        parts.append(Placeholder(name, fallback_text or None))
    if position < len(template):
        parts.append(Text(template[position:]))
    if unknown:
        raise TemplateError(unknown)
    return parts


def validate(template: str) -> None:
    parse(template)


def render_text(template: str, values: Mapping[str, str | None]) -> str:
    """The plain-text rendering: values as they are (a link with a text: `text (url)`)."""
    out: list[str] = []
    for part in parse(template):
        if isinstance(part, Text):
            out.append(part.text)
            continue
        value = values.get(part.name) or ""
        if part.name in LINKS:
            out.append(f"{part.fallback} ({value})" if value and part.fallback else value)
        else:
            out.append(value or part.fallback or "")
    return "".join(out)


def render_line(template: str, values: Mapping[str, str | None]) -> str:
    """A one-line rendering (a subject): line breaks and runs of white space become one space."""
    return " ".join(render_text(template, values).split())


def render_html(template: str, values: Mapping[str, str | None], *, link_style: str = "") -> Markup:
    """HTML paragraphs of the template: everything escaped; a blank line starts a paragraph and
    a line break is kept; link placeholders become links to their (our) URLs."""
    paragraphs: list[list[Markup]] = [[]]
    for part in parse(template):
        if isinstance(part, Placeholder):
            paragraphs[-1].append(_placeholder_html(part, values.get(part.name) or "", link_style))
            continue
        chunks = re.split(r"\n[ \t]*\n\s*", part.text.replace("\r\n", "\n"))
        for index, chunk in enumerate(chunks):
            if index:
                paragraphs.append([])
            paragraphs[-1].append(Markup("<br>\n").join(escape(line) for line in chunk.split("\n")))
    rendered = (Markup("").join(parts).strip() for parts in paragraphs)
    return Markup("\n").join(PARAGRAPH.format(html) for html in rendered if html)


def _placeholder_html(part: Placeholder, value: str, link_style: str) -> Markup:
    if part.name not in LINKS:
        return escape(value or part.fallback or "")
    if not value:
        return Markup("")
    style = Markup(' style="{}"').format(link_style) if link_style else Markup("")
    return Markup('<a href="{}" ses:no-track{}>{}</a>').format(value, style, part.fallback or value)
