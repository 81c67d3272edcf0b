"""The demo data of the local stack: a tenant, its brand, its admin user, an event and a
few attendees with their cards.

Idempotent: every row has a fixed id (uuid5 of a fixed name) and is inserted with ON
CONFLICT DO NOTHING, so a second start finds it and adds nothing. Only the admin's
Cognito `sub` is refreshed (the local user pool is new at every start). Runs on the admin
connection as the owner role (whose policies allow it), like a platform job.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

log = logging.getLogger("local.seed")

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://outreachpass.dev/local-demo")


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, name)


DEMO_TENANT_ID = demo_id("tenant")
DEMO_BRAND_ID = demo_id("brand")
DEMO_ADMIN_USER_ID = demo_id("user:admin")
DEMO_EVENT_ID = demo_id("event")
DEMO_EVENT_SLUG = "demo-summit"
DEMO_EXHIBITOR_ID = demo_id("exhibitor:demo-booth")  # a sponsor's booth: its staff scan leads (/api/v1/leads)

_ATTENDEES = (
    ("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0001", "Analytical Engines Ltd", "Chief Mathematician"),
    ("Grace", "Hopper", "grace@example.com", "+1 202 555 0142", "US Navy", "Rear Admiral"),
    ("Alan", "Turing", "alan@example.com", "+44 161 496 0753", "Bletchley Park", "Cryptanalyst"),
    ("Katherine", "Johnson", "katherine@example.com", "+1 757 555 0199", "NASA Langley", "Research Mathematician"),
)


@dataclass
class DemoAttendee:
    attendee_id: str
    card_id: str
    name: str
    email: str
    card_url: str


@dataclass
class DemoData:
    tenant_id: str
    brand_id: str
    event_id: str
    event_slug: str
    admin_user_id: str
    attendees: list[DemoAttendee] = field(default_factory=list)
    exhibitor_id: str | None = None

    @property
    def card_urls(self) -> list[str]:
        return [a.card_url for a in self.attendees]


def seed_demo(admin_url: str, *, base_url: str, admin_email: str, admin_sub: str | None = None) -> DemoData:
    starts = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    with psycopg.connect(admin_url, autocommit=False) as conn:
        _as_owner(conn)
        with conn.transaction():
            cur = conn.cursor()
            cur.execute(
                "INSERT INTO tenants (tenant_id, name, tenant_key, status) VALUES (%s, %s, %s, 'active') "
                "ON CONFLICT DO NOTHING",
                (DEMO_TENANT_ID, "Demo Events Co.", "demo"),
            )
            cur.execute(
                "INSERT INTO brands (brand_id, tenant_id, brand_key, display_name, domain, theme_json, features_json) "
                "VALUES (%s, %s, %s, %s, NULL, %s, %s) ON CONFLICT DO NOTHING",
                (
                    DEMO_BRAND_ID,
                    DEMO_TENANT_ID,
                    "DEMO",
                    "OutreachPass Demo",
                    json.dumps({"primary_color": "#0f766e", "accent_color": "#f59e0b", "background_color": "#ffffff", "text_color": "#111827"}),
                    json.dumps({}),
                ),
            )
            cur.execute(
                "INSERT INTO users (user_id, tenant_id, email, full_name, role, status) "
                "VALUES (%s, %s, %s, %s, 'admin', 'active') ON CONFLICT DO NOTHING",
                (DEMO_ADMIN_USER_ID, DEMO_TENANT_ID, admin_email, "Demo Admin"),
            )
            if admin_sub:
                # The local pool is new at every start: the admin's sub changes with it.
                cur.execute(
                    "UPDATE users SET cognito_sub = NULL WHERE cognito_sub = %s AND user_id <> %s",
                    (admin_sub, DEMO_ADMIN_USER_ID),
                )
                cur.execute(
                    "UPDATE users SET cognito_sub = %s WHERE user_id = %s AND cognito_sub IS DISTINCT FROM %s",
                    (admin_sub, DEMO_ADMIN_USER_ID, admin_sub),
                )
            cur.execute(
                "INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status, created_by) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'active', %s) ON CONFLICT DO NOTHING",
                (
                    DEMO_EVENT_ID,
                    DEMO_TENANT_ID,
                    DEMO_BRAND_ID,
                    "OutreachPass Demo Summit",
                    DEMO_EVENT_SLUG,
                    starts,
                    starts + timedelta(days=2, hours=9),
                    "Europe/Berlin",
                    DEMO_ADMIN_USER_ID,
                ),
            )
            cur.execute(
                "INSERT INTO exhibitors (exhibitor_id, tenant_id, event_id, name, contact_email, created_by) "
                "VALUES (%s, %s, %s, 'Demo Booth', 'booth@example.com', %s) ON CONFLICT DO NOTHING",
                (DEMO_EXHIBITOR_ID, DEMO_TENANT_ID, DEMO_EVENT_ID, DEMO_ADMIN_USER_ID),
            )
            attendees = []
            for first, last, email, phone, org, title in _ATTENDEES:
                attendee_id = demo_id(f"attendee:{email}")
                card_id = demo_id(f"card:{email}")
                linkedin = f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}-demo"
                cur.execute(
                    "INSERT INTO attendees (attendee_id, tenant_id, event_id, email, phone, first_name, last_name, org_name, title, linkedin_url) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (attendee_id, DEMO_TENANT_ID, DEMO_EVENT_ID, email, phone, first, last, org, title, linkedin),
                )
                cur.execute(
                    "INSERT INTO cards (card_id, tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json, is_personal) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false) ON CONFLICT DO NOTHING",
                    (card_id, DEMO_TENANT_ID, DEMO_EVENT_ID, attendee_id, f"{first} {last}", email, phone, org, title, json.dumps({"linkedin": linkedin})),
                )
                cur.execute(
                    "UPDATE attendees SET card_id = %s WHERE attendee_id = %s AND card_id IS NULL",
                    (card_id, attendee_id),
                )
                attendees.append(
                    DemoAttendee(
                        attendee_id=str(attendee_id),
                        card_id=str(card_id),
                        name=f"{first} {last}",
                        email=email,
                        card_url=f"{base_url.rstrip('/')}/c/{card_id}",
                    )
                )
    return DemoData(
        tenant_id=str(DEMO_TENANT_ID),
        brand_id=str(DEMO_BRAND_ID),
        event_id=str(DEMO_EVENT_ID),
        event_slug=DEMO_EVENT_SLUG,
        admin_user_id=str(DEMO_ADMIN_USER_ID),
        attendees=attendees,
        exhibitor_id=str(DEMO_EXHIBITOR_ID),
    )


def _as_owner(conn: psycopg.Connection) -> None:
    """Act as the owner role when the admin connection may (superuser or member)."""
    try:
        conn.execute("SET ROLE outreachpass_owner")
        conn.commit()
    except psycopg.errors.InsufficientPrivilege:
        conn.rollback()
        log.info("admin connection cannot SET ROLE outreachpass_owner; seeding as itself")



def ensure_staff_user(admin_url: str, tenant_id: Any, *, email: str, role: str, sub: str) -> None:
    """The users row of a local Cognito account (made by LocalStack.token_for): created when
    missing, its sub and role brought to the account's; its status is left alone (a disabled
    user stays disabled). No-op for a tenant that does not exist."""
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("UPDATE users SET cognito_sub = NULL WHERE cognito_sub = %s AND tenant_id <> %s", (sub, str(tenant_id)))
        conn.execute(
            """
            INSERT INTO users (tenant_id, email, role, status, cognito_sub)
            SELECT t.tenant_id, %(email)s, %(role)s, 'active', %(sub)s FROM tenants t WHERE t.tenant_id = %(tenant)s
            ON CONFLICT (tenant_id, lower(email)) DO UPDATE SET cognito_sub = EXCLUDED.cognito_sub, role = EXCLUDED.role,
                exhibitor_id = CASE WHEN EXCLUDED.role = 'exhibitor' THEN users.exhibitor_id END
            """,
            {"tenant": str(tenant_id), "email": email, "role": role, "sub": sub},
        )
