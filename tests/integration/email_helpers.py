"""Shared set-up of the email tests: a tenant with a brand, an event and attendees (with cards),
sent messages' contexts, captured mail parsing, and a scriptable SES client."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

ADMIN = "/api/v1/admin"


@dataclass
class EmailWorld:
    tenant_id: uuid.UUID
    brand_id: uuid.UUID
    event_id: uuid.UUID
    attendees: list[dict[str, Any]] = field(default_factory=list)

    def attendee(self, email: str) -> dict[str, Any]:
        return next(a for a in self.attendees if a["email"] == email)


def make_world(database, tenant_id: uuid.UUID, people: list[dict[str, Any]], *, tenant_key: str | None = None,
               theme: dict[str, Any] | None = None) -> EmailWorld:
    """Brand + event (as admin) and attendees with cards (through the service, as the app role)."""
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.attendees import create_attendee_with_card

    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        if tenant_key:
            conn.execute("UPDATE tenants SET tenant_key = %s WHERE tenant_id = %s", (tenant_key, tenant_id))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name, theme_json) VALUES (%s, %s, %s, %s) RETURNING brand_id",
            (tenant_id, f"B{tag}".upper(), "Expo Brand", Jsonb(theme or {"primary_color": "#123456", "accent_color": "#abcdef"})),
        ).fetchone()[0]
        event_id = conn.execute(
            """INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status)
               VALUES (%s, %s, 'Expo 2030', %s, '2030-05-01T09:00Z', '2030-05-02T18:00Z', 'Europe/Berlin', 'active')
               RETURNING event_id""",
            (tenant_id, brand_id, f"expo-{tag}"),
        ).fetchone()[0]
    world = EmailWorld(tenant_id=tenant_id, brand_id=brand_id, event_id=event_id)
    with tenant_tx(tenant_id) as conn:
        for person in people:
            values = {"email": None, "phone": None, "first_name": None, "last_name": None, "org_name": None,
                      "title": None, "linkedin_url": None, **person}
            world.attendees.append(create_attendee_with_card(conn, tenant_id, event_id, values))
    return world


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def insert_message(database, world: EmailWorld, attendee: dict[str, Any], *, sent_ago: timedelta = timedelta(hours=1),
                   expires_in: timedelta = timedelta(days=7), links: dict[str, str] | None = None) -> str:
    """A sent message (context + send log row) as the worker leaves it, sent `sent_ago`."""
    message_id = str(uuid.uuid4())
    sent_at = datetime.now(UTC) - sent_ago
    card = f"https://cards.example.test/c/{attendee['card_id']}"
    links = links or {"card": f"{card}?src=email", "vcard": f"{card}/vcard", "apple": f"{card}/wallet/apple"}
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO message_contexts (message_id, tenant_id, event_id, card_id, attendee_id, recipient_email, links,
                                             expires_at, created_at, provider_message_id)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (message_id, world.tenant_id, world.event_id, attendee["card_id"], attendee["attendee_id"], attendee["email"],
             Jsonb(links), datetime.now(UTC) + expires_in, sent_at, f"ses-{message_id}"),
        )
        conn.execute(
            """INSERT INTO email_sends (tenant_id, event_id, attendee_id, card_id, message_id, provider_message_id,
                                        recipient_email, status, claimed_at, sent_at, links)
               VALUES (%s, %s, %s, %s, %s, %s, %s, 'sent', %s, %s, %s)""",
            (world.tenant_id, world.event_id, attendee["attendee_id"], attendee["card_id"], message_id, f"ses-{message_id}",
             attendee["email"], sent_at, sent_at, Jsonb(links)),
        )
    return message_id


def email_events(database, message_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute(
            "SELECT * FROM email_events WHERE message_id = %s ORDER BY occurred_at, email_event_id", (message_id,)
        ).fetchall()


def job_row(database, job_id) -> dict[str, Any]:
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute("SELECT * FROM jobs WHERE job_id = %s", (job_id,)).fetchone()


def sends_of_job(database, job_id) -> list[dict[str, Any]]:
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute("SELECT * FROM email_sends WHERE job_id = %s ORDER BY send_id", (job_id,)).fetchall()


def parse_mime(raw: str | bytes) -> EmailMessage:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[return-value]


def captured_for(local_stack, recipient: str) -> list[EmailMessage]:
    """The messages moto captured for `recipient`, oldest first, parsed."""
    found = []
    for mail in local_stack.sent_emails():
        if mail.get("raw") and any(recipient in str(d) for d in (mail.get("destinations") or [])):
            found.append(parse_mime(mail["raw"]))
    return found


HREF = re.compile(r'href="([^"]+)"')
IMG_SRC = re.compile(r'<img src="([^"]+)"')


def html_links(message: EmailMessage) -> list[str]:
    html = message.get_body(preferencelist=("html",)).get_content()
    return [link.replace("&amp;", "&") for link in HREF.findall(html)]


def pixel_src(message: EmailMessage) -> str:
    html = message.get_body(preferencelist=("html",)).get_content()
    return next(src for src in IMG_SRC.findall(html) if "/api/track/email/open/" in src)


class FakeSes:
    """A SESv2 client whose send_email follows a script: each entry is an exception to raise or
    None to accept (then it answers with a fresh MessageId). Past the script it accepts."""

    def __init__(self, *script: Exception | None):
        self.script = list(script)
        self.calls: list[dict[str, Any]] = []

    def send_email(self, **request: Any) -> dict[str, Any]:
        self.calls.append(request)
        if self.script:
            outcome = self.script.pop(0)
            if outcome is not None:
                raise outcome
        return {"MessageId": f"fake-{uuid.uuid4()}"}


def client_error(code: str, status: int = 400, message: str = "refused") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")
