"""Exhibitors (a sponsor or booth of an event) through their real handlers and the real database,
their staff (users with the exhibitor role and an exhibitor_id) invited through the local stack
(local Cognito), and what an exhibitor user sees of the tenant: its exhibitor's event, nothing
else (403 on every other admin route, with real ids)."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

import routes
from tests.integration.exhibitor_helpers import attach, exhibitor_claims, make_event, make_exhibitor

ADMIN = "/api/v1/admin"
USERS = f"{ADMIN}/users"


@pytest.fixture
def tenant(tenant_factory, claims_for, database):
    tenant_id = tenant_factory()
    return {"id": tenant_id, "admin": claims_for(tenant_id, "admin"), "user": claims_for(tenant_id, "user"),
            "event_id": make_event(database, tenant_id, name="Expo", timezone="Europe/Berlin")}


def create(call_route, tenant, claims=None, **body):
    body.setdefault("name", "Acme Robotics")
    response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/exhibitors", claims=claims or tenant["user"], json_body=body)
    assert response.status == 201, response
    return response.json["data"]


def audit(database, tenant_id, entity_id):
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT action, before, after FROM audit_log WHERE tenant_id = %s AND entity_id = %s ORDER BY audit_id", (tenant_id, str(entity_id))
        ).fetchall()


# --- the exhibitor routes -------------------------------------------------------------------------


def test_editors_create_read_list_update_and_delete_exhibitors(call_route, tenant, database):
    for claims in (tenant["admin"], tenant["user"]):
        response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/exhibitors", claims=claims,
                              json_body={"name": "  Acme Robotics ", "contact_email": "Sales@Acme.Example"})
        assert response.status == 201, response
        exhibitor = response.json["data"]
        assert response.headers["location"] == f"{ADMIN}/exhibitors/{exhibitor['exhibitor_id']}"
        assert (exhibitor["name"], exhibitor["contact_email"], exhibitor["event_id"]) == (
            "Acme Robotics", "sales@acme.example", str(tenant["event_id"]))

    listed = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/exhibitors?limit=1", claims=tenant["user"])
    assert listed.status == 200 and len(listed.json["data"]) == 1
    rest = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/exhibitors?limit=1&cursor={listed.json['meta']['next_cursor']}",
                      claims=tenant["user"])
    assert len(rest.json["data"]) == 1 and rest.json["meta"]["next_cursor"] is None
    assert rest.json["data"][0]["exhibitor_id"] != listed.json["data"][0]["exhibitor_id"]

    one = exhibitor["exhibitor_id"]
    read = call_route("GET", f"{ADMIN}/exhibitors/{one}", claims=tenant["admin"])
    assert read.json["data"] == exhibitor
    changed = call_route("PATCH", f"{ADMIN}/exhibitors/{one}", claims=tenant["user"], json_body={"name": "Acme", "contact_email": None})
    assert changed.status == 200, changed
    assert (changed.json["data"]["name"], changed.json["data"]["contact_email"]) == ("Acme", None)
    assert call_route("DELETE", f"{ADMIN}/exhibitors/{one}", claims=tenant["user"]).status == 204
    gone = call_route("GET", f"{ADMIN}/exhibitors/{one}", claims=tenant["admin"])
    assert (gone.status, gone.json["error"]["code"]) == (404, "EXHIBITOR_NOT_FOUND")
    assert [row["action"] for row in audit(database, tenant["id"], one)] == ["exhibitor.create", "exhibitor.update", "exhibitor.delete"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "Acme", "contact_email": "not-an-address"}, "contact_email"),
    ({"name": "Acme", "event_id": str(uuid.uuid4())}, "event_id"),
])
def test_bad_exhibitors_are_refused_with_the_field(call_route, tenant, database, body, field):
    response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/exhibitors", claims=tenant["user"], json_body=body)
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert field in [detail["field"] for detail in response.json["error"]["details"]]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM exhibitors WHERE tenant_id = %s", (tenant["id"],)).fetchone()[0] == 0


def test_patch_refuses_a_null_name_and_changes_nothing_when_nothing_changes(call_route, tenant, database):
    exhibitor = create(call_route, tenant)
    path = f"{ADMIN}/exhibitors/{exhibitor['exhibitor_id']}"
    refused = call_route("PATCH", path, claims=tenant["user"], json_body={"name": None})
    assert refused.status == 400 and refused.json["error"]["details"][0]["field"] == "name"
    same = call_route("PATCH", path, claims=tenant["user"], json_body={"name": exhibitor["name"]})
    assert same.json["data"]["updated_at"] == exhibitor["updated_at"]
    assert [row["action"] for row in audit(database, tenant["id"], exhibitor["exhibitor_id"])] == ["exhibitor.create"]


def test_unknown_and_other_tenants_events_and_exhibitors_are_not_found(call_route, tenant, tenant_factory, claims_for, database):
    other = tenant_factory()
    other_event = make_event(database, other)
    other_exhibitor = make_exhibitor(database, other, other_event)
    for event_id in (uuid.uuid4(), other_event):
        for method, body in (("GET", None), ("POST", {"name": "Acme"})):
            response = call_route(method, f"{ADMIN}/events/{event_id}/exhibitors", claims=tenant["admin"], json_body=body)
            assert (response.status, response.json["error"]["code"]) == (404, "EVENT_NOT_FOUND"), (method, event_id)
    for exhibitor_id in (uuid.uuid4(), other_exhibitor):
        for method, body in (("GET", None), ("PATCH", {"name": "Mine"}), ("DELETE", None)):
            response = call_route(method, f"{ADMIN}/exhibitors/{exhibitor_id}", claims=tenant["admin"], json_body=body)
            assert (response.status, response.json["error"]["code"]) == (404, "EXHIBITOR_NOT_FOUND"), (method, exhibitor_id)
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT name FROM exhibitors WHERE exhibitor_id = %s", (other_exhibitor,)).fetchone()[0] == "Booth"


def test_deleting_an_exhibitor_deletes_its_leads_and_detaches_its_users(call_route, tenant, claims_for, database):
    from tests.integration.email_helpers import make_world

    world = make_world(database, tenant["id"], [{"email": "ada@example.com", "first_name": "Ada"}])
    exhibitor = make_exhibitor(database, tenant["id"], world.event_id)
    staff = exhibitor_claims(claims_for, database, tenant["id"], exhibitor)
    captured = call_route("POST", "/api/v1/leads", claims=staff, json_body={"scan": str(world.attendees[0]["card_id"])})
    assert captured.status == 201, captured

    assert call_route("DELETE", f"{ADMIN}/exhibitors/{exhibitor}", claims=tenant["user"]).status == 204
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM leads WHERE exhibitor_id = %s", (exhibitor,)).fetchone()[0] == 0
        assert conn.execute("SELECT exhibitor_id, status FROM users WHERE cognito_sub = %s", (staff["sub"],)).fetchone() == (None, "active")
    (entry,) = [row for row in audit(database, tenant["id"], exhibitor) if row["action"] == "exhibitor.delete"]
    assert (entry["before"]["leads_deleted"], entry["before"]["users_detached"]) == (1, 1)
    # Its staff now sees nothing and captures nothing.
    assert call_route("GET", f"{ADMIN}/events", claims=staff).json["data"] == []
    refused = call_route("POST", "/api/v1/leads", claims=staff, json_body={"scan": str(world.attendees[0]["card_id"])})
    assert (refused.status, refused.json["error"]["code"]) == (403, "EXHIBITOR_REQUIRED")


def test_the_schema_keeps_exhibitors_in_their_tenant_and_to_the_exhibitor_role(tenant, tenant_factory, database, claims_for):
    other_exhibitor = make_exhibitor(database, tenant_factory())
    mine = make_exhibitor(database, tenant["id"], tenant["event_id"])
    admin_sub = tenant["admin"]["sub"]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("UPDATE users SET role = 'exhibitor', exhibitor_id = %s WHERE cognito_sub = %s", (other_exhibitor, admin_sub))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE users SET exhibitor_id = %s WHERE cognito_sub = %s", (mine, admin_sub))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # a lead's event is its exhibitor's
            conn.execute(
                "INSERT INTO leads (tenant_id, exhibitor_id, event_id, card_id, name) "
                "SELECT tenant_id, %s, %s, card_id, 'x' FROM cards LIMIT 1", (mine, make_event(database, tenant["id"])),
            )


# --- exhibitor users: invited by editors, each to one exhibitor ------------------------------------


@pytest.fixture
def staffed(local_stack, tenant_factory, database):
    tenant_id = tenant_factory()
    event_id = make_event(database, tenant_id)
    return {"id": tenant_id, "event_id": event_id, "exhibitor_id": make_exhibitor(database, tenant_id, event_id),
            "admin": local_stack.token_for(tenant_id, "admin"), "user": local_stack.token_for(tenant_id, "user")}


def new_email(prefix="booth"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.test"


def user_row(database, user_id):
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM users WHERE user_id = %s", (user_id,)).fetchone()


def count_users(database, tenant_id):
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute("SELECT count(*) FROM users WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]


def test_admins_and_users_invite_exhibitor_users_to_an_exhibitor(local_stack, staffed, database):
    for inviter in ("admin", "user"):
        response = local_stack.request("POST", USERS, token=staffed[inviter],
                                       json={"email": new_email(), "role": "exhibitor", "exhibitor_id": str(staffed["exhibitor_id"])})
        assert response.status == 201, response.text
        user = response.json()["data"]
        assert (user["role"], user["exhibitor_id"]) == ("exhibitor", str(staffed["exhibitor_id"]))
        assert user_row(database, user["user_id"])["exhibitor_id"] == staffed["exhibitor_id"]
        account = local_stack.boto("cognito-idp").admin_get_user(UserPoolId=local_stack.user_pool_id, Username=user["email"])
        assert {a["Name"]: a["Value"] for a in account["UserAttributes"]}["custom:role"] == "exhibitor"
    listed = local_stack.request("GET", f"{USERS}?role=exhibitor", token=staffed["admin"]).json()["data"]
    assert {u["exhibitor_id"] for u in listed} == {str(staffed["exhibitor_id"])}


def test_a_user_invites_exhibitor_users_only(local_stack, staffed, database):
    before = count_users(database, staffed["id"])
    for role in ("user", "admin"):
        response = local_stack.request("POST", USERS, token=staffed["user"], json={"email": new_email(role), "role": role})
        assert (response.status, response.json()["error"]["code"]) == (403, "EXHIBITOR_INVITES_ONLY" if role == "user" else "ROLE_ABOVE_CALLER")
    assert count_users(database, staffed["id"]) == before


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"role": "exhibitor"}, 400, "VALIDATION_ERROR"),
    ({"role": "user", "exhibitor_id": "EXHIBITOR"}, 400, "VALIDATION_ERROR"),
    ({"role": "admin", "exhibitor_id": "EXHIBITOR"}, 400, "VALIDATION_ERROR"),
    ({"role": "exhibitor", "exhibitor_id": "not-a-uuid"}, 400, "VALIDATION_ERROR"),
    ({"role": "exhibitor", "exhibitor_id": "UNKNOWN"}, 422, "EXHIBITOR_NOT_FOUND"),
    ({"role": "exhibitor", "exhibitor_id": "OTHER_TENANT"}, 422, "EXHIBITOR_NOT_FOUND"),
])
def test_the_exhibitor_of_an_invite_is_required_for_that_role_and_refused_for_the_others(
    local_stack, staffed, database, tenant_factory, body, status, code
):
    values = {"EXHIBITOR": str(staffed["exhibitor_id"]), "UNKNOWN": str(uuid.uuid4()),
              "OTHER_TENANT": str(make_exhibitor(database, tenant_factory()))}
    body = {key: values.get(value, value) for key, value in body.items()}
    before = count_users(database, staffed["id"])
    response = local_stack.request("POST", USERS, token=staffed["admin"], json={"email": new_email(), **body})
    assert (response.status, response.json()["error"]["code"]) == (status, code), response.text
    if status == 400:
        assert "exhibitor_id" in [d["field"] for d in response.json()["error"]["details"]]
    assert count_users(database, staffed["id"]) == before


def test_patch_moves_an_exhibitor_user_and_a_role_change_drops_or_needs_the_exhibitor(local_stack, staffed, database):
    other = make_exhibitor(database, staffed["id"], staffed["event_id"], name="Other booth")
    user = local_stack.request("POST", USERS, token=staffed["admin"],
                               json={"email": new_email(), "role": "exhibitor", "exhibitor_id": str(staffed["exhibitor_id"])}).json()["data"]
    path = f"{USERS}/{user['user_id']}"
    moved = local_stack.request("PATCH", path, token=staffed["admin"], json={"exhibitor_id": str(other)})
    assert moved.status == 200 and moved.json()["data"]["exhibitor_id"] == str(other)
    for body in ({"exhibitor_id": None}, {"role": "user", "exhibitor_id": str(other)}):
        refused = local_stack.request("PATCH", path, token=staffed["admin"], json=body)
        assert (refused.status, refused.json()["error"]["details"][0]["field"]) == (400, "exhibitor_id"), body
    unknown = local_stack.request("PATCH", path, token=staffed["admin"], json={"exhibitor_id": str(uuid.uuid4())})
    assert (unknown.status, unknown.json()["error"]["code"]) == (422, "EXHIBITOR_NOT_FOUND")
    promoted = local_stack.request("PATCH", path, token=staffed["admin"], json={"role": "user"})
    assert promoted.status == 200 and promoted.json()["data"]["exhibitor_id"] is None
    assert user_row(database, user["user_id"])["exhibitor_id"] is None
    back = local_stack.request("PATCH", path, token=staffed["admin"], json={"role": "exhibitor"})
    assert (back.status, back.json()["error"]["details"][0]["field"]) == (400, "exhibitor_id")
    back = local_stack.request("PATCH", path, token=staffed["admin"], json={"role": "exhibitor", "exhibitor_id": str(other)})
    assert back.status == 200 and back.json()["data"]["exhibitor_id"] == str(other)
    # Editors invite exhibitor users; changing them stays an admin's.
    refused = local_stack.request("PATCH", path, token=staffed["user"], json={"exhibitor_id": str(staffed["exhibitor_id"])})
    assert (refused.status, refused.json()["error"]["code"]) == (403, "FORBIDDEN")


def test_the_exhibitor_is_read_from_the_users_row_at_each_request(local_stack, staffed, database):
    """Moving a user to another exhibitor, or deleting its exhibitor, takes effect on its next request."""
    second_event = make_event(database, staffed["id"], name="Second")
    elsewhere = make_exhibitor(database, staffed["id"], second_event)
    email = new_email()
    token = local_stack.token_for(staffed["id"], "exhibitor", username=email)
    attach(database, staffed["id"], email, staffed["exhibitor_id"])
    def events():
        response = local_stack.request("GET", f"{ADMIN}/events", token=token)
        assert response.status == 200, response.text
        return [e["event_id"] for e in response.json()["data"]]

    assert events() == [str(staffed["event_id"])]
    attach(database, staffed["id"], email, elsewhere)
    assert events() == [str(second_event)]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("DELETE FROM exhibitors WHERE exhibitor_id = %s", (elsewhere,))
    assert events() == []


# --- what an exhibitor user sees of the tenant -----------------------------------------------------


@pytest.fixture
def show(tenant, claims_for, database):
    """A tenant with data everywhere (seeded) and a second event whose exhibitor's user is the caller."""
    from tests.fixtures.database import seed_tenant_graph

    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        graph = seed_tenant_graph(conn, tenant["id"])
        conn.execute("UPDATE events SET settings_json = %s, venue_json = %s WHERE event_id = %s",
                     (psycopg.types.json.Jsonb({"internal": "budget 12k"}),
                      psycopg.types.json.Jsonb({"name": "Messe Berlin", "address": "Messedamm 22, Berlin"}), tenant["event_id"]))
    exhibitor = make_exhibitor(database, tenant["id"], tenant["event_id"])
    return {**tenant, "graph": graph, "exhibitor_id": exhibitor, "staff": exhibitor_claims(claims_for, database, tenant["id"], exhibitor)}


def test_an_exhibitor_user_lists_and_reads_its_exhibitors_event_only(call_route, show):
    listed = call_route("GET", f"{ADMIN}/events", claims=show["staff"])
    assert listed.status == 200
    (event,) = listed.json["data"]
    assert event["event_id"] == str(show["event_id"])
    assert (event["name"], event["timezone"], event["venue"], event["settings"], event["created_by"]) == (
        "Expo", "Europe/Berlin", {"name": "Messe Berlin", "address": "Messedamm 22, Berlin", "latitude": None, "longitude": None},
        {}, None)  # the venue, not the organisers' settings
    assert call_route("GET", f"{ADMIN}/events?status=draft", claims=show["staff"]).json["data"] == []
    read = call_route("GET", f"{ADMIN}/events/{show['event_id']}", claims=show["staff"])
    assert read.status == 200 and read.json["data"] == event
    for other in (show["graph"]["event_id"], uuid.uuid4()):
        hidden = call_route("GET", f"{ADMIN}/events/{other}", claims=show["staff"])
        assert (hidden.status, hidden.json["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    # Organisers see it all, as before.
    full = call_route("GET", f"{ADMIN}/events/{show['event_id']}", claims=show["user"]).json["data"]
    assert full["settings"]["internal"] == "budget 12k"
    assert len(call_route("GET", f"{ADMIN}/events", claims=show["user"]).json["data"]) == 2


def real_path(route: routes.Route, show) -> str:
    ids = {**{key: str(value) for key, value in show["graph"].items() if key.endswith("_id")},
           "event_id": str(show["event_id"]), "exhibitor_id": str(show["exhibitor_id"]),
           "email": show["graph"]["suppressed_email"]}
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], route.path)


@pytest.mark.parametrize("route", [r for r in routes.ROUTES if r.path.startswith(routes.ADMIN_PREFIX + "/")
                                   and r.route_key not in ("GET /api/v1/admin/events", "GET /api/v1/admin/events/{event_id}")],
                         ids=lambda r: r.route_key)
def test_every_other_admin_route_refuses_an_exhibitor_user_with_real_ids(call_route, show, route, database):
    """Attendee lists and reads, cards, the tenant's analytics and export.csv, jobs, users, brands,
    flags, exhibitors...: 403 FORBIDDEN for the exhibitor's staff, on its own event's real rows too."""
    body = {} if route.method in ("POST", "PUT", "PATCH") else None
    query = f"?event_id={show['event_id']}&report=exports" if "analytics" in route.path else ""
    response = call_route(route.method, real_path(route, show) + query, claims=show["staff"], json_body=body)
    assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN"), response
