"""Shared setup of the wallet tests: a tenant with a branded event and an attendee's card, made
through the real admin routes, and small readers of what the wallet wrote."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

import psycopg

ADMIN = "/api/v1/admin"


@dataclass
class CardSetup:
    tenant_id: uuid.UUID
    admin: dict[str, Any]  # JWT claims of the tenant's admin
    brand_id: str
    event_id: str
    attendee_id: str
    card_id: str


def make_card(call_route, claims_for, tenant_factory, *, theme: dict | None = None, event: dict | None = None, **attendee: Any) -> CardSetup:
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    brand = call_route(
        "POST", f"{ADMIN}/brands", claims=admin,
        json_body={"brand_key": "MAIN", "display_name": "Northwind Events", "theme": theme or {"primary_color": "#0b3d91", "accent_color": "#fbbf24"}},
    )
    assert brand.status == 201, brand
    event_extra = event
    event = call_route(
        "POST", f"{ADMIN}/events", claims=admin,
        json_body={"name": "Wallet Summit", "slug": f"wallet-{uuid.uuid4().hex[:8]}", "starts_at": "2031-05-01T09:00:00Z",
                   "ends_at": "2031-05-02T18:00:00Z", "timezone": "Europe/Berlin", **(event_extra or {})},
    )
    assert event.status == 201, event
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": f"ada-{uuid.uuid4().hex[:6]}@example.com",
            "title": "Chief Mathematician", "org_name": "Analytical Engines Ltd", "phone": "+44 20 7946 0001", **attendee}
    created = call_route("POST", f"{ADMIN}/events/{event.json['data']['event_id']}/attendees", claims=admin, json_body=body)
    assert created.status == 201, created
    data = created.json["data"]
    return CardSetup(
        tenant_id=tenant_id, admin=admin, brand_id=brand.json["data"]["brand_id"], event_id=event.json["data"]["event_id"],
        attendee_id=data["attendee_id"], card_id=data["card_id"],
    )


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pass_json(data: bytes) -> dict[str, Any]:
    return json.loads(unpack(data)["pass.json"])


def wallet_events(database, card_id: str) -> list[tuple[str, str]]:
    with psycopg.connect(database.admin_url) as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(
                "SELECT platform, event_type FROM wallet_pass_events WHERE card_id = %s ORDER BY wallet_event_id", (card_id,)
            )
        ]


def pass_rows(database, card_id: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute("SELECT * FROM wallet_passes WHERE card_id = %s", (card_id,)).fetchall()
    return {row["platform"]: row for row in rows}


def lproj_strings(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    """{language: pass.strings entries} of every .lproj folder of an unpacked .pkpass (parsed
    strictly: tests/apple_strings.py)."""
    from tests.apple_strings import parse

    found = {}
    for name, data in files.items():
        if name.endswith(".lproj/pass.strings"):
            found[name.split(".lproj/", 1)[0]] = parse(data)
    return found
