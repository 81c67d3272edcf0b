"""Access ends when it is taken away: every authenticated request is authorized from the
database's current state (the user's row and status, its stored role, its tenant's status),
not from the claims of a token that stays valid for an hour.

Through the local stack with real Cognito tokens (HTTP server, JWT verification, moto's
Cognito), and over every admin route of the table in-process.
"""

from __future__ import annotations

import re
import uuid

import jwt
import psycopg
import pytest

import routes
from tests.integration.exhibitor_helpers import make_exhibitor

USERS = "/api/v1/admin/users"
EVENTS = "/api/v1/admin/events"
ADMIN_ROUTES = [route for route in routes.ROUTES if route.path.startswith(routes.ADMIN_PREFIX + "/")]


@pytest.fixture
def tenant(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    return {
        "id": tenant_id,
        "boss": local_stack.token_for(tenant_id, "admin", username=f"boss-{uuid.uuid4().hex[:8]}@example.test"),
    }


def user_row(database, tenant_id, email):
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM users WHERE tenant_id = %s AND lower(email) = lower(%s)", (tenant_id, email)).fetchone()


def count_users(database, tenant_id) -> int:
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute("SELECT count(*) FROM users WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]


def error_of(response):
    return response.status, response.json()["error"]["code"]


def staff(local_stack, tenant, role):
    username = f"{role}-{uuid.uuid4().hex[:8]}@example.test"
    return username, local_stack.token_for(tenant["id"], role, username=username)


def test_a_demoted_admin_cannot_promote_itself_back_or_invite_a_backdoor(local_stack, tenant, database):
    email, token = staff(local_stack, tenant, "admin")
    me = user_row(database, tenant["id"], email)
    assert local_stack.request("GET", USERS, token=token).status == 200  # an admin, for now

    demoted = local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=tenant["boss"], json={"role": "user"})
    assert demoted.status == 200, demoted.text
    assert jwt.decode(token, options={"verify_signature": False})["custom:role"] == "admin"  # the old token still says admin

    again = local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=token, json={"role": "admin"})
    assert error_of(again) == (403, "FORBIDDEN")
    before = count_users(database, tenant["id"])
    backdoor = local_stack.request("POST", USERS, token=token, json={"email": f"backdoor-{uuid.uuid4().hex[:6]}@example.test", "role": "admin"})
    assert error_of(backdoor) == (403, "ROLE_ABOVE_CALLER")  # a user may invite (exhibitor users), never above itself
    assert count_users(database, tenant["id"]) == before
    assert user_row(database, tenant["id"], email)["role"] == "user"
    # What a user may do, it still may: the stored role decides.
    assert local_stack.request("GET", EVENTS, token=token).status == 200


def test_a_disabled_user_is_refused_on_its_next_request_and_cannot_enable_itself(local_stack, tenant, database):
    email, token = staff(local_stack, tenant, "admin")
    me = user_row(database, tenant["id"], email)
    assert local_stack.request("GET", EVENTS, token=token).status == 200

    assert local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=tenant["boss"], json={"status": "disabled"}).status == 200

    assert error_of(local_stack.request("GET", EVENTS, token=token)) == (401, "USER_DISABLED")
    assert error_of(local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=token, json={"status": "active"})) == (401, "USER_DISABLED")
    before = count_users(database, tenant["id"])
    invite = local_stack.request("POST", USERS, token=token, json={"email": f"x-{uuid.uuid4().hex[:6]}@example.test", "role": "admin"})
    assert error_of(invite) == (401, "USER_DISABLED")
    # A body the validation would refuse is refused for who sends it, not for what it is.
    assert error_of(local_stack.request("POST", EVENTS, token=token, json={})) == (401, "USER_DISABLED")
    assert count_users(database, tenant["id"]) == before
    assert user_row(database, tenant["id"], email)["status"] == "disabled"


def test_a_promotion_takes_effect_on_the_next_request_too(local_stack, tenant, database):
    email, token = staff(local_stack, tenant, "user")
    assert error_of(local_stack.request("GET", USERS, token=token)) == (403, "FORBIDDEN")
    me = user_row(database, tenant["id"], email)
    assert local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=tenant["boss"], json={"role": "admin"}).status == 200
    assert local_stack.request("GET", USERS, token=token).status == 200  # the token still says "user"


def test_a_deleted_user_is_unknown(local_stack, tenant, database):
    email, token = staff(local_stack, tenant, "user")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE tenant_id = %s AND lower(email) = lower(%s)", (tenant["id"], email))
    assert error_of(local_stack.request("GET", EVENTS, token=token)) == (401, "USER_UNKNOWN")


def test_an_invited_user_becomes_active_with_its_first_request(local_stack, tenant, database):
    email, token = staff(local_stack, tenant, "user")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET status = 'invited' WHERE tenant_id = %s AND lower(email) = lower(%s)", (tenant["id"], email))
    assert local_stack.request("GET", EVENTS, token=token).status == 200
    assert user_row(database, tenant["id"], email)["status"] == "active"


def refresh(local_stack, refresh_token):
    return local_stack.boto("cognito-idp").admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=local_stack.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )


def sign_in(local_stack, username):
    return local_stack.boto("cognito-idp").admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=local_stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": local_stack.cognito.password_of(username)},
    )["AuthenticationResult"]


@pytest.mark.parametrize("change", [{"role": "user"}, {"role": "exhibitor"}, {"status": "disabled"}])
def test_a_demotion_or_a_disable_revokes_the_cognito_sessions(local_stack, tenant, database, change):
    if change.get("role") == "exhibitor":
        change = {**change, "exhibitor_id": str(make_exhibitor(database, tenant["id"]))}
    email, _ = staff(local_stack, tenant, "admin")
    session = sign_in(local_stack, email)
    assert refresh(local_stack, session["RefreshToken"])["AuthenticationResult"]["IdToken"]  # works before
    me = user_row(database, tenant["id"], email)
    assert local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=tenant["boss"], json=change).status == 200
    cognito = local_stack.boto("cognito-idp")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        refresh(local_stack, session["RefreshToken"])


def test_a_rename_or_a_promotion_keeps_the_sessions(local_stack, tenant, database):
    email, _ = staff(local_stack, tenant, "user")
    session = sign_in(local_stack, email)
    me = user_row(database, tenant["id"], email)
    assert local_stack.request("PATCH", f"{USERS}/{me['user_id']}", token=tenant["boss"], json={"role": "admin", "full_name": "Promoted"}).status == 200
    assert refresh(local_stack, session["RefreshToken"])["AuthenticationResult"]["IdToken"]


def set_tenant_status(local_stack, database, tenant_id, status):
    from outreachpass.integrations.cognito import UserDirectory
    from outreachpass.services.tenants import set_tenant_status as apply

    directory = UserDirectory(local_stack.boto("cognito-idp"), local_stack.user_pool_id)
    with psycopg.connect(database.admin_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        return apply(conn, directory, tenant_id, status)


def test_a_disabled_tenant_loses_its_whole_admin_api_at_once(local_stack, tenant, database):
    tenant_id = tenant["id"]
    assert local_stack.request("POST", "/api/v1/admin/brands", token=tenant["boss"], json={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    event = local_stack.request(
        "POST", EVENTS, token=tenant["boss"],
        json={"name": "Summit", "slug": f"summit-{uuid.uuid4().hex[:6]}", "starts_at": "2027-05-01T09:00:00Z", "ends_at": "2027-05-01T18:00:00Z"},
    )
    assert event.status == 201, event.text
    event_id = event.json()["data"]["event_id"]
    attendees = f"{EVENTS}/{event_id}/attendees"
    assert local_stack.request("POST", attendees, token=tenant["boss"], json={"first_name": "Ada", "last_name": "L", "email": "ada@example.com"}).status == 201

    changed = set_tenant_status(local_stack, database, tenant_id, "disabled")
    assert changed["status"] == "disabled"
    boss_email = jwt.decode(tenant["boss"], options={"verify_signature": False})["email"]
    assert local_stack.boto("cognito-idp").admin_get_user(UserPoolId=local_stack.user_pool_id, Username=boss_email)["Enabled"] is False

    assert error_of(local_stack.request("GET", attendees, token=tenant["boss"])) == (403, "TENANT_DISABLED")
    before = count_users(database, tenant_id)
    invite = local_stack.request("POST", USERS, token=tenant["boss"], json={"email": f"late-{uuid.uuid4().hex[:6]}@example.test", "role": "admin"})
    assert error_of(invite) == (403, "TENANT_DISABLED")
    assert count_users(database, tenant_id) == before
    send = local_stack.request("POST", f"{EVENTS}/{event_id}/emails", token=tenant["boss"], json={})
    assert error_of(send) == (403, "TENANT_DISABLED")
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE tenant_id = %s", (tenant_id,)).fetchone()[0] == 0

    set_tenant_status(local_stack, database, tenant_id, "active")
    assert local_stack.request("GET", attendees, token=tenant["boss"]).status == 200


# --- every admin route, in-process ------------------------------------------------------------------


def concrete_path(route: routes.Route) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)


@pytest.fixture(scope="module")
def refused_callers(database):
    """Per refusal: the claims of a caller whose own role every admin route allows (admin), and
    the code it must get."""
    from tests.conftest import ensure_user
    from tests.fixtures.database import make_tenant

    disabled_user_tenant = make_tenant(database)
    ensure_user(database.admin_url, disabled_user_tenant, "disabled-admin", "admin", status="disabled")
    disabled_tenant = make_tenant(database, status="disabled")
    ensure_user(database.admin_url, disabled_tenant, "admin-of-disabled", "admin")
    unknown_tenant = make_tenant(database)

    def claims(tenant_id, sub):
        return {"sub": sub, "custom:tenant_id": str(tenant_id), "custom:role": "admin", "token_use": "id"}

    return {
        (401, "USER_DISABLED"): claims(disabled_user_tenant, "disabled-admin"),
        (403, "TENANT_DISABLED"): claims(disabled_tenant, "admin-of-disabled"),
        (401, "USER_UNKNOWN"): claims(unknown_tenant, "nobody-here"),
    }


@pytest.mark.parametrize("refusal", [(401, "USER_DISABLED"), (403, "TENANT_DISABLED"), (401, "USER_UNKNOWN")])
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.route_key)
def test_every_admin_route_refuses_a_caller_the_database_refuses(call_route, refused_callers, route, refusal):
    body = {} if route.method in ("POST", "PUT", "PATCH") else None
    response = call_route(route.method, concrete_path(route), claims=refused_callers[refusal], json_body=body)
    assert (response.status, response.json["error"]["code"]) == refusal, response


def test_nobody_gives_a_role_above_their_own(app_env, tenant_factory, claims_for):
    """Users routes are admin-only today; the rule holds in the service for any caller."""
    from outreachpass.errors import Forbidden
    from outreachpass.models.users import UserInvite
    from outreachpass.principal import Principal, begin_request, end_request
    from outreachpass.services.users import invite_user

    tenant_id = tenant_factory()
    principal = Principal.from_claims(claims_for(tenant_id, "user"))
    begin_request(principal, ("admin", "user"))
    try:
        with pytest.raises(Forbidden) as refused:
            invite_user(principal, UserInvite(email="boss@example.test", role="admin"), directory=object())  # type: ignore[arg-type]
    finally:
        end_request()
    assert refused.value.code == "ROLE_ABOVE_CALLER"
