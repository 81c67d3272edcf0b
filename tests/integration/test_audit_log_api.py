"""The audit log through its real handler: mutations made through the API appear with who,
what, before and after; filters, cursor pagination, tenancy and roles."""

from __future__ import annotations

import uuid

import psycopg
import pytest

ADMIN = "/api/v1/admin"
AUDIT = f"{ADMIN}/audit-log"


@pytest.fixture
def tenant(tenant_factory, claims_for, call_route, database):
    """A tenant whose admin has a users row (so the trail names them), a brand and an event."""
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin", with_user=False)  # its row is made here, with a name to show
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        user_id = conn.execute(
            "INSERT INTO users (tenant_id, email, role, status, cognito_sub) VALUES (%s, 'boss@example.com', 'admin', 'active', %s) RETURNING user_id",
            (tenant_id, admin["sub"]),
        ).fetchone()[0]
    assert call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    event = call_route(
        "POST",
        f"{ADMIN}/events",
        claims=admin,
        json_body={"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"},
    ).json["data"]
    return {"id": tenant_id, "admin": admin, "user_id": str(user_id), "event_id": event["event_id"], "role": lambda r: claims_for(tenant_id, r)}


def test_mutations_show_up_newest_first_with_who_and_what(call_route, tenant):
    attendee = call_route(
        "POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body={"first_name": "Ada", "email": "ada@example.com"}
    ).json["data"]
    editor = tenant["role"]("user")
    assert call_route("PATCH", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=editor, json_body={"last_name": "Lovelace"}).status == 200

    response = call_route("GET", AUDIT, claims=tenant["admin"])
    assert response.status == 200, response
    entries = response.json["data"]
    assert [e["action"] for e in entries] == ["card.update", "attendee.update", "attendee.create", "event.create", "brand.create"]
    update = entries[1]
    assert (update["entity_type"], update["entity_id"]) == ("attendee", attendee["attendee_id"])
    assert update["actor_sub"] == editor["sub"]
    assert update["actor_user_id"] is not None and update["actor_email"] == f"{editor['sub']}@users.example.test"
    assert (update["before"]["last_name"], update["after"]["last_name"]) == (None, "Lovelace")
    assert update["correlation_id"]
    create = entries[2]
    assert (create["actor_sub"], create["actor_user_id"], create["actor_email"]) == (tenant["admin"]["sub"], tenant["user_id"], "boss@example.com")
    assert create["before"] is None and create["after"]["first_name"] == "Ada"


def test_filters(call_route, tenant):
    first = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body={"first_name": "A"}).json["data"]
    call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body={"first_name": "B"})
    call_route("PATCH", f"{ADMIN}/attendees/{first['attendee_id']}", claims=tenant["admin"], json_body={"first_name": "AA"})

    def actions(query):
        response = call_route("GET", f"{AUDIT}?{query}", claims=tenant["admin"])
        assert response.status == 200, response
        return [e["action"] for e in response.json["data"]]

    assert actions("entity_type=attendee") == ["attendee.update", "attendee.create", "attendee.create"]
    assert actions(f"entity_type=attendee&entity_id={first['attendee_id']}") == ["attendee.update", "attendee.create"]
    assert actions(f"entity_id={first['card_id']}") == ["card.update"]
    assert actions("action=event.create") == ["event.create"]
    assert actions("entity_type=nothing") == []


def test_cursor_pagination_walks_the_trail_once(call_route, tenant):
    for i in range(4):
        call_route("PATCH", f"{ADMIN}/events/{tenant['event_id']}", claims=tenant["admin"], json_body={"name": f"Expo {i}"})
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = call_route("GET", f"{AUDIT}{query}", claims=tenant["admin"])
        assert response.status == 200
        seen += [e["audit_id"] for e in response.json["data"]]
        cursor = response.json["meta"]["next_cursor"]
        pages += 1
        if not cursor:
            break
    assert pages == 3  # brand.create, event.create, 4 x event.update
    assert len(seen) == len(set(seen)) == 6
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("query", ["?limit=0", "?limit=500", "?cursor=nope", "?cursor=WyJ4IiwgMV0", "?entity_type="])
def test_bad_parameters_are_refused(call_route, tenant, query):
    response = call_route("GET", f"{AUDIT}{query}", claims=tenant["admin"])
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_the_trail_is_per_tenant_and_admin_only(call_route, tenant, tenant_factory, claims_for):
    other = claims_for(tenant_factory(), "admin")
    assert call_route("GET", AUDIT, claims=other).json["data"] == []
    for role in ("user", "exhibitor"):
        response = call_route("GET", AUDIT, claims=tenant["role"](role))
        assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN")
