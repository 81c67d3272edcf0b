"""Test data for the public card routes: a tenant with a brand, an event and an attendee's card,
created through the product's own service (create_attendee_with_card) as the app role."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

THEME = {
    "primary_color": "#0b3d91",
    "accent_color": "#f59e0b",
    "background_color": "#ffffff",
    "text_color": "#111827",
    "font_family": "Inter, Helvetica Neue",
}


def make_card(database, tenant_id: uuid.UUID, *, theme: dict | None = None, brand_name: str = "Acme Events",
              event_name: str = "PyCon Berlin 2027", features: dict | None = None, **attendee: Any) -> dict[str, Any]:
    """A brand, an event and an attendee with its card in `tenant_id`; returns the ids."""
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.attendees import create_attendee_with_card

    tag = uuid.uuid4().hex[:10]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name, theme_json, features_json) VALUES (%s, %s, %s, %s, %s) RETURNING brand_id",
            (tenant_id, f"B{tag}".upper(), brand_name, Jsonb(THEME if theme is None else theme), Jsonb(features or {})),
        ).fetchone()[0]
        event_id = conn.execute(
            """INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, status)
               VALUES (%s, %s, %s, %s, '2027-04-01T09:00Z', '2027-04-03T18:00Z', 'active') RETURNING event_id""",
            (tenant_id, brand_id, event_name, f"ev-{tag}"),
        ).fetchone()[0]
    values = {
        "email": f"ada-{tag}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "+44 20 7946 0958",
        "org_name": "Analytical Engines Ltd",
        "title": "Chief Programmer",
        "linkedin_url": "https://www.linkedin.com/in/ada-lovelace",
    }
    values.update(attendee)
    with tenant_tx(tenant_id) as conn:
        created = create_attendee_with_card(conn, tenant_id, event_id, values)
    return {"tenant_id": tenant_id, "brand_id": brand_id, "event_id": event_id, "card_id": created["card_id"],
            "attendee_id": created["attendee_id"], "email": values.get("email")}


def rows(database, query: str, params: tuple = ()) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with psycopg.connect(database.admin_url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()


def views(database, card_id) -> list[dict[str, Any]]:
    return rows(database, "SELECT * FROM card_view_events WHERE card_id = %s ORDER BY view_event_id", (card_id,))


def exports(database, card_id) -> list[dict[str, Any]]:
    return rows(database, "SELECT * FROM contact_export_events WHERE card_id = %s ORDER BY export_event_id", (card_id,))


def base_url() -> str:
    """The public base URL the handlers use now (the local stack's API URL once it is up)."""
    from outreachpass.config import settings

    return settings().public_base_url
