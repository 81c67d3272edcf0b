"""Tenant onboarding with the platform command (`python -m ops.tenants`), against the test
database and the local stack's Cognito: the new admin signs in with the password given and
uses the API; listing, disabling and enabling; failures leave neither rows nor accounts."""

from __future__ import annotations

import io
import json
import uuid

import jwt
import psycopg
import pytest

from ops.tenants import main

EVENTS = "/api/v1/admin/events"


@pytest.fixture
def local_dir(tmp_path, local_stack, database):
    """A data folder whose dev.json points at the test stack, as `make dev` writes it."""
    info = {
        "admin_database_url": database.admin_url,
        "aws_endpoint_url": local_stack.aws_endpoint_url,
        "region": local_stack.region,
        "user_pool_id": local_stack.user_pool_id,
        "user_pool_client_id": local_stack.client_id,
    }
    (tmp_path / "dev.json").write_text(json.dumps(info), encoding="utf-8")
    return tmp_path


def run(*argv, stdin: str = ""):
    out = io.StringIO()
    code = main(list(argv), environ={}, out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def create_json(local_dir, *argv):
    code, out = run("--local-dir", str(local_dir), "--json", "create", *argv)
    assert code == 0, out
    return json.loads(out)


def email(prefix="admin"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}@acme.test"


def sign_in(local_stack, username, password):
    cognito = local_stack.boto("cognito-idp")
    result = cognito.admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=local_stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]


def rows(database, query, *params):
    with psycopg.connect(database.admin_url) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute(query, params).fetchall()


def test_create_a_tenant_whose_admin_signs_in_and_uses_the_api(local_stack, local_dir, database):
    admin_email = email()
    password = "Acme-Admin-Passw0rd!"
    created = create_json(local_dir, "--name", "Acme Events", "--admin-email", admin_email.upper(), "--admin-name", "Ann Admin", "--password", password)
    tenant_id = created["tenant_id"]
    assert created["admin_email"] == admin_email
    assert created["brand_key"] == "ACME_EVENTS"
    assert created["invitation_sent"] is False
    assert "password" not in created  # a given password is never echoed

    # Signing in as a frontend would (InitiateAuth with the app client) gives an id token of the tenant's admin.
    auth = local_stack.boto("cognito-idp").initiate_auth(
        ClientId=local_stack.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": admin_email, "PASSWORD": password}
    )
    token = auth["AuthenticationResult"]["IdToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["custom:tenant_id"], claims["custom:role"], claims["email"]) == (tenant_id, "admin", admin_email)
    listed = local_stack.request("GET", EVENTS, token=token)
    assert (listed.status, listed.json()["data"]) == (200, [])
    # The default brand is there: an event needs one.
    event = local_stack.request(
        "POST", EVENTS, token=token,
        json={"name": "Launch", "slug": "launch", "starts_at": "2030-01-01T09:00:00Z", "ends_at": "2030-01-01T18:00:00Z"},
    )
    assert event.status == 201, event.text
    assert event.json()["data"]["brand_id"] == created["brand_id"]

    [tenant] = rows(database, "SELECT * FROM tenants WHERE tenant_id = %s", tenant_id)
    assert (tenant["name"], tenant["status"]) == ("Acme Events", "active")
    [user] = rows(database, "SELECT * FROM users WHERE tenant_id = %s", tenant_id)
    assert (user["email"], user["full_name"], user["role"], user["status"]) == (admin_email, "Ann Admin", "admin", "active")
    assert user["cognito_sub"] == claims["sub"]
    users = local_stack.request("GET", "/api/v1/admin/users", token=token).json()["data"]
    assert [u["email"] for u in users] == [admin_email]
    [audit] = rows(database, "SELECT * FROM audit_log WHERE tenant_id = %s AND entity_type = 'tenant'", tenant_id)
    assert audit["action"] == "tenant.create"
    assert audit["actor_sub"].startswith("platform")
    assert audit["after"]["brand"]["brand_key"] == "ACME_EVENTS"


def test_locally_a_password_is_generated_and_printed_once(local_stack, local_dir):
    admin_email = email()
    code, out = run("--local-dir", str(local_dir), "create", "--name", "Globex", "--admin-email", admin_email, "--brand-key", "GLOBEX")
    assert code == 0, out
    assert "Created tenant Globex" in out
    password = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("password"))
    assert sign_in(local_stack, admin_email, password)


def test_password_from_stdin(local_stack, local_dir):
    admin_email, password = email(), "Stdin-Passw0rd-123!"
    code, out = run("--local-dir", str(local_dir), "--json", "create", "--name", "Initech", "--admin-email", admin_email,
                    "--password-stdin", stdin=password + "\n")
    assert code == 0, out
    assert json.loads(out)["invitation_sent"] is False
    assert password not in out
    assert sign_in(local_stack, admin_email, password)
    empty = run("--local-dir", str(local_dir), "create", "--name", "X", "--admin-email", email(), "--password-stdin", stdin="\n")
    assert empty[0] == 2


def test_a_deployed_stage_by_flags_gets_an_invitation(local_stack, database):
    admin_email = email()
    code, out = run(
        "--database-url", database.admin_url, "--user-pool-id", local_stack.user_pool_id, "--region", local_stack.region,
        "--endpoint-url", local_stack.aws_endpoint_url, "--json", "create", "--name", "Umbrella", "--admin-email", admin_email,
        "--tenant-key", "umbrella-" + uuid.uuid4().hex[:6],
    )
    assert code == 0, out
    created = json.loads(out)
    assert created["invitation_sent"] is True
    assert created["admin_status"] == "invited"
    assert "password" not in created
    account = local_stack.boto("cognito-idp").admin_get_user(UserPoolId=local_stack.user_pool_id, Username=admin_email)
    assert account["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attributes = {a["Name"]: a["Value"] for a in account["UserAttributes"]}
    assert (attributes["custom:tenant_id"], attributes["custom:role"]) == (created["tenant_id"], "admin")


def test_list_disable_and_enable(local_stack, local_dir, database):
    admin_email, password = email(), "Disable-Me-Passw0rd!"
    created = create_json(local_dir, "--name", "Soylent", "--admin-email", admin_email, "--password", password)
    tenant_id = created["tenant_id"]

    code, out = run("--local-dir", str(local_dir), "list", "--json")
    assert code == 0
    [listed] = [t for t in json.loads(out) if t["tenant_id"] == tenant_id]
    assert (listed["name"], listed["status"], listed["admins"], listed["users"], listed["events"]) == ("Soylent", "active", 1, 1, 0)
    code, out = run("--local-dir", str(local_dir), "list")
    assert code == 0 and tenant_id in out and "Soylent" in out

    code, out = run("--local-dir", str(local_dir), "disable", tenant_id)
    assert code == 0, out
    assert "Disabled tenant Soylent" in out and "1 user account" in out
    assert rows(database, "SELECT status FROM tenants WHERE tenant_id = %s", tenant_id) == [{"status": "disabled"}]
    cognito = local_stack.boto("cognito-idp")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        sign_in(local_stack, admin_email, password)
    code, out = run("--local-dir", str(local_dir), "list", "--status", "disabled", "--json")
    assert tenant_id in [t["tenant_id"] for t in json.loads(out)]

    code, out = run("--local-dir", str(local_dir), "enable", tenant_id, "--json")
    assert code == 0, out
    assert json.loads(out)["status"] == "active"
    assert sign_in(local_stack, admin_email, password)
    actions = [r["action"] for r in rows(database, "SELECT action FROM audit_log WHERE tenant_id = %s AND entity_type = 'tenant' ORDER BY audit_id", tenant_id)]
    assert actions == ["tenant.create", "tenant.disable", "tenant.enable"]

    unknown = run("--local-dir", str(local_dir), "disable", str(uuid.uuid4()))
    assert unknown[0] == 1


def test_failures_leave_neither_rows_nor_accounts(local_stack, local_dir, database, capsys):
    taken = email("taken")
    local_stack.token_for(uuid.uuid4(), "admin", username=taken)  # the address has an account already
    name = f"Dup {uuid.uuid4().hex[:6]}"
    code, _ = run("--local-dir", str(local_dir), "create", "--name", name, "--admin-email", taken, "--password", "Some-Passw0rd-123!")
    assert code == 1
    assert "USER_EMAIL_TAKEN" in capsys.readouterr().err
    assert rows(database, "SELECT * FROM tenants WHERE name = %s", name) == []

    key = "key-" + uuid.uuid4().hex[:6]
    create_json(local_dir, "--name", "Keyed", "--admin-email", email(), "--tenant-key", key, "--password", "Some-Passw0rd-123!")
    second = email()
    code, _ = run("--local-dir", str(local_dir), "create", "--name", "Keyed again", "--admin-email", second, "--tenant-key", key)
    assert code == 1
    assert "TENANT_KEY_TAKEN" in capsys.readouterr().err
    cognito = local_stack.boto("cognito-idp")
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=local_stack.user_pool_id, Username=second)

    weak = email()
    code, _ = run("--local-dir", str(local_dir), "create", "--name", "Weak", "--admin-email", weak, "--password", "alllowercase")
    assert code == 1
    assert "password" in capsys.readouterr().err
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=local_stack.user_pool_id, Username=weak)
    assert rows(database, "SELECT * FROM users WHERE email = %s", weak) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "--name", "X", "--admin-email", "not-an-email"], "--admin-email"),
        (["create", "--name", "", "--admin-email", "a@acme.test"], "--name"),
        (["create", "--name", "X", "--admin-email", "a@acme.test", "--brand-key", "lower"], "--brand-key"),
        (["create", "--name", "X", "--admin-email", "a@acme.test", "--tenant-key", "Bad Key"], "--tenant-key"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(local_dir, argv, message, capsys):
    code, _ = run("--local-dir", str(local_dir), *argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_unclear_or_unreachable_targets_are_explained(tmp_path, local_stack, database, capsys):
    assert run("--local-dir", str(tmp_path), "list")[0] == 1
    assert "make dev" in capsys.readouterr().err
    assert run("--database-url", database.admin_url, "list")[0] == 1
    assert "--user-pool-id" in capsys.readouterr().err
    # The application role cannot act across tenants.
    code, _ = run("--database-url", database.app_url, "--user-pool-id", local_stack.user_pool_id, "--region", "us-east-1", "list")
    assert code == 1
    err = capsys.readouterr().err
    assert "master" in err
    assert database.app_password not in err
