"""Cards through their real handlers against the real database: read, update display fields and
links (vcard_rev bumps once per change), validation, tenancy, roles and the audit trail."""

from __future__ import annotations

import uuid

import psycopg
import pytest

ADMIN = "/api/v1/admin"


@pytest.fixture
def card(tenant_factory, call_route, claims_for):
    """A tenant with an event and one attendee; the attendee's card and the tenant's claims."""
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    assert call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    event = call_route(
        "POST",
        f"{ADMIN}/events",
        claims=admin,
        json_body={"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"},
    ).json["data"]
    attendee = call_route(
        "POST",
        f"{ADMIN}/events/{event['event_id']}/attendees",
        claims=admin,
        json_body={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "title": "Rear Admiral"},
    )
    assert attendee.status == 201, attendee
    attendee = attendee.json["data"]
    return {"tenant_id": tenant_id, "admin": admin, "event_id": event["event_id"], "attendee": attendee, "card_id": attendee["card_id"],
            "role": lambda role: claims_for(tenant_id, role)}


def test_read_a_card(call_route, card):
    refused = call_route("GET", f"{ADMIN}/cards/{card['card_id']}", claims=card["role"]("exhibitor"))
    assert (refused.status, refused.json["error"]["code"]) == (403, "FORBIDDEN")  # a sponsor's staff reads no cards
    response = call_route("GET", f"{ADMIN}/cards/{card['card_id']}", claims=card["role"]("user"))
    assert response.status == 200, response
    data = response.json["data"]
    assert data["card_id"] == card["card_id"]
    assert data["owner_attendee_id"] == card["attendee"]["attendee_id"]
    assert data["event_id"] == card["event_id"]
    assert (data["display_name"], data["email"], data["title"]) == ("Grace Hopper", "grace@example.com", "Rear Admiral")
    assert data["links"] == {}
    assert data["vcard_rev"] == 1
    assert data["url"].endswith(f"/c/{card['card_id']}")
    assert data["url"].startswith("http")


def test_update_changes_what_the_card_shows_and_bumps_vcard_rev_once(call_route, card, database):
    path = f"{ADMIN}/cards/{card['card_id']}"
    body = {
        "display_name": "Amazing Grace",
        "org_name": "US Navy",
        "phone": "+1 202 555 0142",
        "email": "Grace@Navy.example.COM",
        "links": {"website": "https://grace.example.com/about", "github": "https://github.com/grace"},
    }
    user = card["role"]("user")
    response = call_route("PATCH", path, claims=user, json_body=body)
    assert response.status == 200, response
    data = response.json["data"]
    assert data["display_name"] == "Amazing Grace"
    assert data["email"] == "grace@navy.example.com"
    assert data["links"] == {"website": "https://grace.example.com/about", "github": "https://github.com/grace"}
    assert data["title"] == "Rear Admiral"  # untouched
    assert data["vcard_rev"] == 2

    same = call_route("PATCH", path, claims=card["admin"], json_body={"display_name": "Amazing Grace"})
    assert same.json["data"]["vcard_rev"] == 2  # no change, no new revision
    cleared = call_route("PATCH", path, claims=card["admin"], json_body={"links": {}, "title": None})
    assert (cleared.json["data"]["links"], cleared.json["data"]["title"], cleared.json["data"]["vcard_rev"]) == ({}, None, 3)
    assert call_route("GET", path, claims=card["admin"]).json["data"] == cleared.json["data"]

    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute(
            "SELECT action, actor_sub, before->>'display_name', after->>'display_name', (after->>'vcard_rev')::int FROM audit_log "
            "WHERE entity_type = 'card' AND entity_id = %s ORDER BY audit_id",
            (card["card_id"],),
        ).fetchall()
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("card.update", "Grace Hopper", "Amazing Grace", 2),
        ("card.update", "Amazing Grace", "Amazing Grace", 3),
    ]
    assert rows[0][1] == user["sub"]  # who: the caller's subject


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": None}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"email": "not an email"}, "email"),
        ({"phone": "<script>"}, "phone"),
        ({"links": {"website": "javascript:alert(1)"}}, "links.website"),
        ({"links": {"Bad Key": "https://example.com"}}, "links.Bad Key.[key]"),
        ({"links": {f"k{i}": "https://example.com" for i in range(21)}}, "links"),
        ({"vcard_rev": 7}, "vcard_rev"),
        ({"avatar_s3_key": "x"}, "avatar_s3_key"),
    ],
)
def test_invalid_updates_are_refused_with_the_field(call_route, card, body, field):
    response = call_route("PATCH", f"{ADMIN}/cards/{card['card_id']}", claims=card["admin"], json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in response.json["error"]["details"]]
    assert call_route("GET", f"{ADMIN}/cards/{card['card_id']}", claims=card["admin"]).json["data"]["vcard_rev"] == 1


def test_other_tenants_and_unknown_cards_are_not_found(call_route, card, tenant_factory, claims_for):
    intruder = claims_for(tenant_factory(), "admin")
    for method, body in (("GET", None), ("PATCH", {"display_name": "Mallory"})):
        response = call_route(method, f"{ADMIN}/cards/{card['card_id']}", claims=intruder, json_body=body)
        assert (response.status, response.json["error"]["code"]) == (404, "CARD_NOT_FOUND")
    unknown = call_route("GET", f"{ADMIN}/cards/{uuid.uuid4()}", claims=card["admin"])
    assert (unknown.status, unknown.json["error"]["code"]) == (404, "CARD_NOT_FOUND")
    assert call_route("GET", f"{ADMIN}/cards/{card['card_id']}", claims=card["admin"]).json["data"]["display_name"] == "Grace Hopper"


def test_exhibitors_cannot_update_cards(call_route, card):
    response = call_route("PATCH", f"{ADMIN}/cards/{card['card_id']}", claims=card["role"]("exhibitor"), json_body={"display_name": "X"})
    assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN")
    assert call_route("GET", f"{ADMIN}/cards/{card['card_id']}", claims=card["admin"]).json["data"]["display_name"] == "Grace Hopper"


def test_card_changed_is_the_one_place_vcard_rev_moves(app_env, card, database):
    """The hook other features call (avatars, wallet): it bumps once per call, in the caller's transaction."""
    from outreachpass.data import cards as cards_data
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.cards import card_changed

    card_id = uuid.UUID(card["card_id"])
    with tenant_tx(card["tenant_id"]) as conn:
        row = cards_data.get(conn, card["tenant_id"], card_id, for_update=True)
        after = card_changed(conn, card["tenant_id"], row)
    assert after["vcard_rev"] == 2
    with pytest.raises(RuntimeError), tenant_tx(card["tenant_id"]) as conn:
        card_changed(conn, card["tenant_id"], after)
        raise RuntimeError("the caller's transaction fails")
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT vcard_rev FROM cards WHERE card_id = %s", (card_id,)).fetchone()[0] == 2
