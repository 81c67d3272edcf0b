"""Roles on every admin route, derived from the route table (routes other features add later are
covered without touching this file).

1. The table follows the policy: admin may do everything; user everything but users, brands,
   feature flags and the audit log; exhibitor only reads events, attendees, cards, analytics
   and jobs.
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
ADMIN_ONLY_AREAS = {"users", "brands", "feature-flags", "audit-log"}
EXHIBITOR_READABLE_AREAS = {"events", "attendees", "cards", "analytics", "jobs"}
ADMIN_ROUTES = [route for route in routes.ROUTES if route.path.startswith(routes.ADMIN_PREFIX + "/")]


def area(route: routes.Route) -> str:
    """The first path segment after the prefix: /api/v1/admin/events/{event_id}/attendees -> events."""
    return route.path[len(routes.ADMIN_PREFIX) + 1 :].split("/", 1)[0]


def policy_roles(route: routes.Route) -> set[str]:
    allowed = {"admin"}
    if area(route) not in ADMIN_ONLY_AREAS:
        allowed.add("user")
    if route.method == "GET" and area(route) in EXHIBITOR_READABLE_AREAS:
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


@pytest.fixture(scope="module")
def tokens(local_stack, database):
    """A fresh tenant (no data: every id below is unknown to it) and a real id token per role."""
    from tests.fixtures.database import make_tenant

    tenant_id = make_tenant(database)
    return {role: local_stack.token_for(tenant_id, role) for role in ROLES}


def concrete_path(route: routes.Route) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.route_key)
def test_each_role_is_allowed_or_refused_as_the_table_says(local_stack, tokens, route, role):
    body = {} if route.method in ("POST", "PUT", "PATCH") else None  # invalid for most: an allowed role gets 400/404, never 403
    response = local_stack.request(route.method, concrete_path(route), token=tokens[role], json=body)
    if role in route.roles:
        assert response.status not in (401, 403), f"{role} refused on {route.route_key}: {response.text[:300]}"
        assert response.status < 500, f"{route.route_key} failed for {role}: {response.status} {response.text[:300]}"
    else:
        assert response.status == 403, f"{role} not refused on {route.route_key}: {response.status} {response.text[:300]}"
        assert response.json()["error"]["code"] == "FORBIDDEN"
