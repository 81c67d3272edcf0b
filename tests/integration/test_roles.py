"""Roles on every admin route, derived from the route table (routes other features add later are
covered without touching this file).

1. The table follows the policy: admin may do everything; user everything but users (it may
   invite exhibitor users: POST /users), brands, feature flags and the audit log; exhibitor (a
   sponsor's staff) only reads events (the services show it its exhibitor's event alone), and
   nothing else of the tenant: no attendees, cards, analytics, exports, jobs, users, brands.
   The exhibitor API (/api/v1/leads) is the exhibitor's only.
2. Each handler enforces its table entry: through the local stack with real Cognito tokens of
   each role, the allowed roles are never refused (401/403) nor crash (5xx), and the others get
   exactly 403 FORBIDDEN, before anything reads the body.
"""

from __future__ import annotations

import re
import uuid

import pytest

import routes

ROLES = ("admin", "user", "exhibitor")
ADMIN_ONLY_AREAS = {"users", "brands", "feature-flags", "audit-log", "email-settings", "suppressions"}
# What an editor may do in an admin-only area: invite the staff of the exhibitors it creates.
USER_ALLOWED_IN_ADMIN_AREAS = {"POST /api/v1/admin/users"}
EXHIBITOR_READABLE = {"GET /api/v1/admin/events", "GET /api/v1/admin/events/{event_id}"}
ADMIN_ROUTES = [route for route in routes.ROUTES if route.path.startswith(routes.ADMIN_PREFIX + "/")]
EXHIBITOR_ROUTES = [route for route in routes.ROUTES if route.path.startswith("/api/v1/leads")]


def area(route: routes.Route) -> str:
    """The first path segment after the prefix: /api/v1/admin/events/{event_id}/attendees -> events."""
    return route.path[len(routes.ADMIN_PREFIX) + 1 :].split("/", 1)[0]


def policy_roles(route: routes.Route) -> set[str]:
    allowed = {"admin"}
    if area(route) not in ADMIN_ONLY_AREAS or route.route_key in USER_ALLOWED_IN_ADMIN_AREAS:
        allowed.add("user")
    if route.route_key in EXHIBITOR_READABLE:
        allowed.add("exhibitor")
    return allowed


def test_the_table_has_the_admin_routes_of_the_contract():
    keys = {route.route_key for route in ADMIN_ROUTES}
    for key in (
        "GET /api/v1/admin/events/{event_id}/attendees",
        "POST /api/v1/admin/events/{event_id}/attendees",
        "PATCH /api/v1/admin/attendees/{attendee_id}",
        "DELETE /api/v1/admin/attendees/{attendee_id}",
        "PATCH /api/v1/admin/cards/{card_id}",
        "POST /api/v1/admin/users",
        "PATCH /api/v1/admin/users/{user_id}",
        "PUT /api/v1/admin/feature-flags",
        "GET /api/v1/admin/audit-log",
        "GET /api/v1/admin/jobs",
        "GET /api/v1/admin/jobs/{job_id}/errors",
        "POST /api/v1/admin/events/{event_id}/imports/preview",
    ):
        assert key in keys


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.route_key)
def test_every_admin_route_follows_the_role_policy(route):
    assert route.roles is not None, "admin routes need a token"
    assert set(route.roles) == policy_roles(route), f"{route.route_key}: the table allows {route.roles}"


def test_the_exhibitor_api_is_the_exhibitors_only():
    keys = {route.route_key for route in EXHIBITOR_ROUTES}
    assert {"POST /api/v1/leads", "GET /api/v1/leads", "GET /api/v1/leads/export.csv", "GET /api/v1/leads/{lead_id}",
            "PATCH /api/v1/leads/{lead_id}", "DELETE /api/v1/leads/{lead_id}"} <= keys
    for route in EXHIBITOR_ROUTES:
        assert route.roles == ("exhibitor",), route.route_key


def test_an_exhibitor_reads_nothing_of_the_tenant_but_events():
    readable = {route.route_key for route in routes.ROUTES if route.roles and "exhibitor" in route.roles}
    assert readable == EXHIBITOR_READABLE | {route.route_key for route in EXHIBITOR_ROUTES}


@pytest.fixture(scope="module")
def tokens(local_stack, database):
    """A fresh tenant (no data but an event with an exhibitor, which the exhibitor's user works for:
    every id below is unknown to it) and a real id token per role."""
    import psycopg

    from tests.fixtures.database import make_tenant

    tenant_id = make_tenant(database)
    found = {role: local_stack.token_for(tenant_id, role) for role in ROLES}
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        event_id = conn.execute(
            "INSERT INTO events (tenant_id, name, slug, starts_at, ends_at) VALUES (%s, 'Roles', 'roles', "
            "'2031-01-01T09:00Z', '2031-01-02T09:00Z') RETURNING event_id", (tenant_id,)
        ).fetchone()[0]
        exhibitor_id = conn.execute(
            "INSERT INTO exhibitors (tenant_id, event_id, name) VALUES (%s, %s, 'Booth') RETURNING exhibitor_id", (tenant_id, event_id)
        ).fetchone()[0]
        conn.execute("UPDATE users SET exhibitor_id = %s WHERE tenant_id = %s AND role = 'exhibitor'", (exhibitor_id, tenant_id))
    return found


def concrete_path(route: routes.Route) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ADMIN_ROUTES + EXHIBITOR_ROUTES, ids=lambda r: r.route_key)
def test_each_role_is_allowed_or_refused_as_the_table_says(local_stack, tokens, route, role):
    body = {} if route.method in ("POST", "PUT", "PATCH") else None  # invalid for most: an allowed role gets 400/404, never 403
    response = local_stack.request(route.method, concrete_path(route), token=tokens[role], json=body)
    if role in route.roles:
        assert response.status not in (401, 403), f"{role} refused on {route.route_key}: {response.text[:300]}"
        assert response.status < 500, f"{route.route_key} failed for {role}: {response.status} {response.text[:300]}"
    else:
        assert response.status == 403, f"{role} not refused on {route.route_key}: {response.status} {response.text[:300]}"
        assert response.json()["error"]["code"] == "FORBIDDEN"
