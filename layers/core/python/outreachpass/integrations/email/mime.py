"""The raw MIME message SES sends (SendEmail with Content.Raw), built with the stdlib.

The card email:

    multipart/alternative
      text/plain                  (the plain-text body)
      multipart/related
        text/html                 (the HTML body, refers to cid:<qr>)
        image/png                 (the card's QR code, inline, Content-ID <qr>)

A message without HTML (the contact details a card page visitor shares with the card's owner)
is a single text/plain part.

Our message id travels in the X-OutreachPass-Message-Id header (and as an SES tag, which
the SES events carry back). A card email carries RFC 8058 one-click unsubscribe: List-Unsubscribe
with its HTTPS URL and List-Unsubscribe-Post: List-Unsubscribe=One-Click (Gmail's and Yahoo's
bulk-sender rules; SES's DKIM signature covers both). The URL is written on one line: folded
or encoded as RFC 2047 words (what the email package does to a long header) no mail client
would find it.

The texts that become headers (subject, the From and To display
names) are made one line first (sanitize.clean_text): an event or brand name stored with a
line break must not fail every message of a send. An address with one is not "cleaned"
into another address: the email package raises (HeaderInjection), and the worker fails
that one recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime, formataddr, make_msgid
from typing import cast
from urllib.parse import urlsplit

from outreachpass.sanitize import clean_text, has_control_characters

MESSAGE_ID_HEADER = "X-OutreachPass-Message-Id"
ONE_CLICK = "List-Unsubscribe=One-Click"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_HEADER_LINE = 998  # RFC 5322's limit for a line, the header's name included
MAX_SUBJECT = 400
MAX_DISPLAY_NAME = 200


class HeaderInjection(ValueError):
    """A value that would become a header cannot be one (an address with a line break)."""


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets
    data: bytes
    subtype: str = "png"
    filename: str = "qr.png"


def new_cid(message_id: str, name: str = "qr") -> str:
    """A Content-ID unique to the message (RFC 2392 form, no angle brackets)."""
    return make_msgid(idstring=f"{name}.{message_id}", domain="outreachpass").strip("<>")


def build_message(
    *,
    message_id: str,
    sender: str,
    sender_name: str | None,
    recipient: str,
    recipient_name: str | None,
    subject: str,
    text: str,
    html: str | None,
    reply_to: str | None = None,
    inline_images: tuple[InlineImage, ...] = (),
    date: datetime | None = None,
    list_unsubscribe: str | None = None,
) -> bytes:
    for address in (sender, recipient, reply_to or ""):
        if has_control_characters(address):
            raise HeaderInjection("an address holds a control character")
    subject = clean_text(subject, MAX_SUBJECT) or "(no subject)"
    sender_name = clean_text(sender_name, MAX_DISPLAY_NAME)
    recipient_name = clean_text(recipient_name, MAX_DISPLAY_NAME)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = _address(recipient, recipient_name)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["MIME-Version"] = "1.0"
    message[MESSAGE_ID_HEADER] = message_id
    if list_unsubscribe:
        message["List-Unsubscribe"] = _OneLine("List-Unsubscribe", f"<{_https_url(list_unsubscribe)}>")
        message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is None:
        return message.as_bytes(policy=SMTP)
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if inline_images:
        html_part = cast(EmailMessage, message.get_payload(1))  # the html alternative, after the text one
        for image in inline_images:
            html_part.add_related(
                image.data, maintype="image", subtype=image.subtype, cid=f"<{image.cid}>", filename=image.filename,
                disposition="inline",
            )
    return message.as_bytes(policy=SMTP)


class _OneLine(str):
    """A header value the email package writes as it is, on one line (its policy calls fold() of a
    value with a `name`), instead of folding or encoding it."""

    name: str

    def __new__(cls, name: str, value: str) -> _OneLine:
        if len(name) + 2 + len(value) > MAX_HEADER_LINE or not value.isascii() or any(ch < " " or ch == "\x7f" for ch in value):
            raise ValueError(f"{name} must be one printable ASCII line of at most {MAX_HEADER_LINE} characters")
        header = str.__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _https_url(url: str) -> str:
    """RFC 8058's one-click needs an HTTPS URI; plain http only for the local stack on loopback."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise ValueError("the List-Unsubscribe URL must be https")
    return url


def _address(email: str, name: str | None) -> str:
    if not name:
        return email
    local, _, domain = email.rpartition("@")
    try:
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, IndexError):
        return email
