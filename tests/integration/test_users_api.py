"""Users end to end through the local stack (HTTP server, JWT authorizer, local Cognito in moto):
invite creates the Cognito account (custom:tenant_id, custom:role) and the users row; role
changes reach the account and the next token; disable stops sign-in; the last admin stays;
duplicates, other tenants' users, bad input and lower roles are refused."""

from __future__ import annotations

import uuid

import jwt
import psycopg
import pytest

from tests.integration.exhibitor_helpers import make_exhibitor

USERS = "/api/v1/admin/users"
EVENTS = "/api/v1/admin/events"
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture
def tenant(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    return {"id": str(tenant_id), "admin": local_stack.token_for(tenant_id, "admin")}


def unique_email(prefix="staff"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@Example.com"


def invite(local_stack, tenant, **body):
    body.setdefault("email", unique_email())
    response = local_stack.request("POST", USERS, token=tenant["admin"], json=body)
    assert response.status == 201, response.text
    return response.json()["data"]


def pool_user(local_stack, email):
    user = local_stack.boto("cognito-idp").admin_get_user(UserPoolId=local_stack.user_pool_id, Username=email)
    return {**{a["Name"]: a["Value"] for a in user["UserAttributes"]}, "_enabled": user["Enabled"], "_status": user["UserStatus"]}


def sign_in(local_stack, email, password=PASSWORD):
    cognito = local_stack.boto("cognito-idp")
    result = cognito.admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=local_stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]


def accept_invitation(local_stack, email):
    """What the invitee does with the e-mailed temporary password: choose their own."""
    local_stack.boto("cognito-idp").admin_set_user_password(UserPoolId=local_stack.user_pool_id, Username=email, Password=PASSWORD, Permanent=True)


def db_user(database, user_id):
    with psycopg.connect(database.admin_url) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute("SELECT * FROM users WHERE user_id = %s", (user_id,)).fetchone()


def test_invite_creates_the_account_and_the_row_and_the_user_can_work(local_stack, tenant, database):
    email = unique_email("ada")
    response = local_stack.request("POST", USERS, token=tenant["admin"], json={"email": email, "full_name": "Ada Lovelace", "role": "user"})
    assert response.status == 201, response.text
    user = response.json()["data"]
    assert user["email"] == email.lower()
    assert (user["full_name"], user["role"], user["status"]) == ("Ada Lovelace", "user", "invited")
    assert response.headers["location"] == f"{USERS}/{user['user_id']}"

    account = pool_user(local_stack, email.lower())
    assert account["custom:tenant_id"] == tenant["id"]
    assert account["custom:role"] == "user"
    assert account["email"] == email.lower()
    assert account["_status"] == "FORCE_CHANGE_PASSWORD"  # invited: a temporary password was e-mailed
    row = db_user(database, user["user_id"])
    assert row["cognito_sub"] == account["sub"]
    assert str(row["tenant_id"]) == tenant["id"]

    accept_invitation(local_stack, email.lower())
    token = sign_in(local_stack, email.lower())
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["custom:tenant_id"], claims["custom:role"]) == (tenant["id"], "user")
    assert local_stack.request("GET", EVENTS, token=token).status == 200
    refused = local_stack.request("GET", USERS, token=token)
    assert (refused.status, refused.json()["error"]["code"]) == (403, "FORBIDDEN")

    listed = local_stack.request("GET", f"{USERS}?role=user", token=tenant["admin"]).json()["data"]
    assert [u["user_id"] for u in listed] == [user["user_id"]]
    admins = local_stack.request("GET", f"{USERS}?role=admin", token=tenant["admin"]).json()["data"]
    assert [(u["role"], u["email"]) for u in admins] == [("admin", jwt.decode(tenant["admin"], options={"verify_signature": False})["email"])]

    with psycopg.connect(database.admin_url) as conn:
        action, after = conn.execute("SELECT action, after FROM audit_log WHERE entity_id = %s", (user["user_id"],)).fetchone()
    assert (action, after["email"], after["role"]) == ("user.invite", email.lower(), "user")


def test_an_address_is_taken_in_its_tenant_and_in_the_pool(local_stack, tenant, tenant_factory, database):
    email = unique_email()
    invite(local_stack, tenant, email=email)
    again = local_stack.request("POST", USERS, token=tenant["admin"], json={"email": email.upper(), "role": "user"})
    assert (again.status, again.json()["error"]["code"]) == (409, "USER_EMAIL_TAKEN")

    other_tenant = tenant_factory()
    elsewhere = local_stack.request("POST", USERS, token=local_stack.token_for(other_tenant, "admin"), json={"email": email})
    assert (elsewhere.status, elsewhere.json()["error"]["code"]) == (409, "USER_EMAIL_TAKEN")
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE tenant_id = %s AND lower(email) = lower(%s)", (other_tenant, email)).fetchone()[0] == 0
    assert pool_user(local_stack, email.lower())["custom:tenant_id"] == tenant["id"]  # untouched


def test_role_change_reaches_the_account_and_the_next_token(local_stack, tenant, database):
    user = invite(local_stack, tenant, role="exhibitor", exhibitor_id=str(make_exhibitor(database, tenant["id"])))
    accept_invitation(local_stack, user["email"])
    response = local_stack.request("PATCH", f"{USERS}/{user['user_id']}", token=tenant["admin"], json={"role": "admin", "full_name": "Boss"})
    assert response.status == 200, response.text
    assert (response.json()["data"]["role"], response.json()["data"]["full_name"]) == ("admin", "Boss")
    assert pool_user(local_stack, user["email"])["custom:role"] == "admin"
    token = sign_in(local_stack, user["email"])
    assert jwt.decode(token, options={"verify_signature": False})["custom:role"] == "admin"
    assert local_stack.request("GET", USERS, token=token).status == 200
    assert db_user(database, user["user_id"])["role"] == "admin"
    assert db_user(database, user["user_id"])["exhibitor_id"] is None  # an admin works for no exhibitor


def test_disable_stops_sign_in_and_enable_restores_it(local_stack, tenant, database):
    user = invite(local_stack, tenant, role="user")
    accept_invitation(local_stack, user["email"])
    sign_in(local_stack, user["email"])

    disabled = local_stack.request("PATCH", f"{USERS}/{user['user_id']}", token=tenant["admin"], json={"status": "disabled"})
    assert disabled.status == 200, disabled.text
    assert disabled.json()["data"]["status"] == "disabled"
    assert pool_user(local_stack, user["email"])["_enabled"] is False
    cognito = local_stack.boto("cognito-idp")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        sign_in(local_stack, user["email"])

    enabled = local_stack.request("PATCH", f"{USERS}/{user['user_id']}", token=tenant["admin"], json={"status": "active"})
    assert enabled.json()["data"]["status"] == "active"
    assert pool_user(local_stack, user["email"])["_enabled"] is True
    assert sign_in(local_stack, user["email"])

    with psycopg.connect(database.admin_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity_id = %s ORDER BY audit_id", (user["user_id"],))]
    assert actions == ["user.invite", "user.disable", "user.update"]


def caller_user_id(local_stack, token):
    """The users row of a token's subject, as the API sees it."""
    email = jwt.decode(token, options={"verify_signature": False})["email"]
    listed = local_stack.request("GET", USERS, token=token).json()["data"]
    return next(u["user_id"] for u in listed if u["email"] == email)


def test_the_last_admin_cannot_be_demoted_or_disabled(local_stack, tenant):
    me = caller_user_id(local_stack, tenant["admin"])
    for body in ({"role": "user"}, {"status": "disabled"}):  # not even itself
        response = local_stack.request("PATCH", f"{USERS}/{me}", token=tenant["admin"], json=body)
        assert (response.status, response.json()["error"]["code"]) == (422, "LAST_ADMIN"), body

    second = invite(local_stack, tenant, role="admin")
    assert local_stack.request("PATCH", f"{USERS}/{second['user_id']}", token=tenant["admin"], json={"role": "user"}).status == 200
    assert pool_user(local_stack, second["email"])["custom:role"] == "user"
    refused = local_stack.request("PATCH", f"{USERS}/{me}", token=tenant["admin"], json={"status": "disabled"})
    assert (refused.status, refused.json()["error"]["code"]) == (422, "LAST_ADMIN")


def test_a_cognito_failure_leaves_no_row_behind(local_stack, tenant, database, monkeypatch):
    from outreachpass.config import reset_settings

    monkeypatch.setenv("USER_POOL_ID", "us-east-1_doesnotexist")
    reset_settings()
    try:
        email = unique_email()
        response = local_stack.request("POST", USERS, token=tenant["admin"], json={"email": email})
        assert (response.status, response.json()["error"]["code"]) == (503, "USER_DIRECTORY_UNAVAILABLE")
    finally:
        monkeypatch.undo()
        reset_settings()
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone()[0] == 0
    assert invite(local_stack, tenant, email=email)["status"] == "invited"  # and it works once Cognito is back


def test_other_tenants_users_are_not_found(local_stack, tenant, tenant_factory):
    user = invite(local_stack, tenant, role="user")
    intruder = local_stack.token_for(tenant_factory(), "admin")
    response = local_stack.request("PATCH", f"{USERS}/{user['user_id']}", token=intruder, json={"status": "disabled"})
    assert (response.status, response.json()["error"]["code"]) == (404, "USER_NOT_FOUND")
    seen = local_stack.request("GET", USERS, token=intruder).json()["data"]
    assert [u["user_id"] for u in seen] == [caller_user_id(local_stack, intruder)]  # only itself
    assert pool_user(local_stack, user["email"])["_enabled"] is True
    unknown = local_stack.request("PATCH", f"{USERS}/{uuid.uuid4()}", token=tenant["admin"], json={"role": "user"})
    assert (unknown.status, unknown.json()["error"]["code"]) == (404, "USER_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@example.com", "role": "root"}, "role"),
        ({"email": "a@example.com", "tenant_id": str(uuid.uuid4())}, "tenant_id"),
        ({"role": "user"}, "email"),
        ({"email": "a@example.com", "full_name": "x" * 201}, "full_name"),
    ],
)
def test_invalid_invitations_are_refused(local_stack, tenant, body, field):
    response = local_stack.request("POST", USERS, token=tenant["admin"], json=body)
    assert response.status == 400, response.text
    assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_invalid_updates_are_refused(local_stack, tenant):
    user = invite(local_stack, tenant)
    for body, field in (({"role": None}, "role"), ({"status": "invited"}, "status"), ({"email": "x@example.com"}, "email")):
        response = local_stack.request("PATCH", f"{USERS}/{user['user_id']}", token=tenant["admin"], json=body)
        assert response.status == 400, (body, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_users_and_exhibitors_cannot_manage_users(local_stack, tenant):
    """A user may invite exhibitor users (tests/integration/test_exhibitors_api.py), nobody else."""
    user = invite(local_stack, tenant)
    for role in ("user", "exhibitor"):
        token = local_stack.token_for(tenant["id"], role)
        for method, path, body in (("GET", USERS, None), ("POST", USERS, {"email": unique_email()}), ("PATCH", f"{USERS}/{user['user_id']}", {"role": "admin"})):
            response = local_stack.request(method, path, token=token, json=body)
            expected = "EXHIBITOR_INVITES_ONLY" if (role, method) == ("user", "POST") else "FORBIDDEN"
            assert (response.status, response.json()["error"]["code"]) == (403, expected), (role, method)
