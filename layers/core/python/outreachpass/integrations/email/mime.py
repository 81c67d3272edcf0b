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
the SES events carry back). The texts that become headers (subject, the From and To display
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
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from typing import cast

from outreachpass.sanitize import clean_text, has_control_characters

MESSAGE_ID_HEADER = "X-OutreachPass-Message-Id"
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


def _address(email: str, name: str | None) -> str:
    if not name:
        return email
    local, _, domain = email.rpartition("@")
    try:
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, IndexError):
        return email
