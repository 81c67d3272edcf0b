"""The local JWT authorizer, with real tokens of the local Cognito pool, through the real
local server and the real admin handlers.

A token the JWT authorizer would refuse (none, expired, signed by another key, another
pool, another app client, an access token, a tampered one) gets 401 from the local server
before any handler runs; a valid token whose role is too low gets 403 from the handler.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.cognito import JwtVerifier, LocalCognito, TokenError, UserPool, bearer_token
from local.config import ACCOUNT_ID
from tests.integration.exhibitor_helpers import attach, make_exhibitor

EVENTS = "/api/v1/admin/events"
BRANDS = "/api/v1/admin/brands"


@pytest.fixture(scope="module")
def tenant(local_stack, database):
    """A tenant with one brand and one event, created through the API as its admin."""
    from tests.fixtures.database import make_tenant

    tenant_id = make_tenant(database)
    admin = local_stack.token_for(tenant_id, "admin")
    brand = local_stack.request("POST", BRANDS, token=admin, json={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand.text
    event = local_stack.request(
        "POST",
        EVENTS,
        token=admin,
        json={"name": "Auth Expo", "slug": f"auth-expo-{uuid.uuid4().hex[:6]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z", "timezone": "UTC"},
    )
    assert event.status == 201, event.text
    return {"id": str(tenant_id), "admin": admin, "event_id": event.json()["data"]["event_id"]}


def assert_refused_by_the_gateway(response, description_part=None):
    assert response.status == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "UNAUTHORIZED"
    assert error["correlation_id"] == response.headers["x-correlation-id"]
    # The gateway's own answer: API Gateway's request id header is only on invoked routes.
    assert "apigw-requestid" not in response.headers
    assert response.headers["www-authenticate"].startswith("Bearer")
    if description_part:
        assert description_part in response.headers["www-authenticate"]


def moto_pool(local_stack):
    """moto's in-process model of the local pool (to mint tokens only moto could sign)."""
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[ACCOUNT_ID][local_stack.region].user_pools[local_stack.user_pool_id]


def test_a_valid_admin_token_lists_the_tenants_events_and_only_them(local_stack, tenant, tenant_factory):
    response = local_stack.request("GET", EVENTS, token=tenant["admin"])
    assert response.status == 200, response.text
    assert [e["event_id"] for e in response.json()["data"]] == [tenant["event_id"]]
    assert response.json()["meta"]["correlation_id"] == response.headers["x-correlation-id"]
    assert response.headers["apigw-requestid"] == response.headers["x-correlation-id"]

    other = local_stack.token_for(tenant_factory(), "admin")
    response = local_stack.request("GET", EVENTS, token=other)
    assert response.status == 200
    assert response.json()["data"] == []


def test_no_token_is_refused_with_401(local_stack, tenant):
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS))
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, headers={"Authorization": "Bearer "}))
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, headers={"Authorization": "Basic dXNlcjpwYXNz"}))


def test_an_expired_token_is_refused_with_401(local_stack, tenant):
    pool = moto_pool(local_stack)
    username = local_stack.cognito.default_username(tenant["id"], "admin")
    # Signed by the pool's own key, with the pool's issuer and audience: only exp is wrong.
    expired, _ = pool.create_jwt(
        local_stack.client_id,
        username,
        "id",
        expires_in=-60,
        extra_data={"custom:tenant_id": tenant["id"], "custom:role": "admin"},
    )
    claims = jwt.decode(expired, options={"verify_signature": False})
    assert claims["exp"] < time.time()
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=expired), "expired")


def test_a_token_signed_by_another_key_is_refused_with_401(local_stack, tenant):
    claims = jwt.decode(tenant["admin"], options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "dummy"})  # the pool's kid
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=forged), "signature")

    unknown_kid = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "not-a-key-of-this-pool"})
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=unknown_kid))

    symmetric = jwt.encode(claims, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256", headers={"kid": "dummy"})
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=symmetric))

    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=f"{header}.{payload}."))


def test_a_tampered_token_is_refused_with_401(local_stack, tenant, tenant_factory):
    header, payload, signature = tenant["admin"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["custom:tenant_id"] = str(tenant_factory())  # try to switch tenants
    tampered_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=f"{header}.{tampered_payload}.{signature}"), "signature")
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token="not-a-jwt"))


def test_tokens_of_another_app_client_or_another_pool_are_refused_with_401(local_stack, tenant):
    cognito = local_stack.boto("cognito-idp")
    other_client = cognito.create_user_pool_client(
        UserPoolId=local_stack.user_pool_id, ClientName="other-app", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    username = local_stack.cognito.default_username(tenant["id"], "admin")
    password = local_stack.cognito.password_of(username)
    other_audience = cognito.admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=other_client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=other_audience["IdToken"]), "audience")

    other = LocalCognito(cognito, region=local_stack.region, endpoint_url=local_stack.aws_endpoint_url)
    other.create_pool("another-pool")
    foreign = other.token_for(tenant["id"], "admin")
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=foreign), "issuer")


def test_an_access_token_is_refused_with_401(local_stack, tenant):
    username = local_stack.cognito.default_username(tenant["id"], "admin")
    result = local_stack.boto("cognito-idp").admin_initiate_auth(
        UserPoolId=local_stack.user_pool_id,
        ClientId=local_stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": local_stack.cognito.password_of(username)},
    )["AuthenticationResult"]
    # An access token has no `aud` (it carries client_id): the authorizer configured with
    # the app client as audience refuses it, and so does the local one.
    assert_refused_by_the_gateway(local_stack.request("GET", EVENTS, token=result["AccessToken"]))


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("exhibitor", "POST", EVENTS, {"name": "Nope", "slug": "nope-exhibitor", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T09:00:00Z", "timezone": "UTC"}),
        ("user", "GET", BRANDS, None),
        ("user", "POST", BRANDS, {"brand_key": "NOPE", "display_name": "Nope"}),
    ],
)
def test_a_role_too_low_is_refused_by_the_handler_with_403(local_stack, tenant, role, method, path, body):
    token = local_stack.token_for(tenant["id"], role)
    response = local_stack.request(method, path, token=token, json=body)
    assert response.status == 403, response.text
    assert response.json()["error"]["code"] == "FORBIDDEN"
    # The handler answered (the gateway let the valid token through).
    assert response.headers["apigw-requestid"] == response.headers["x-correlation-id"]


def test_a_lower_role_can_still_do_what_it_may(local_stack, tenant, database):
    username = f"booth-{tenant['id']}@example.test"
    token = local_stack.token_for(tenant["id"], "exhibitor", username=username)
    response = local_stack.request("GET", EVENTS, token=token)
    assert response.status == 200, response.text
    assert response.json()["data"] == []  # an exhibitor user of no exhibitor sees no event
    attach(database, tenant["id"], username, make_exhibitor(database, tenant["id"], tenant["event_id"]))
    response = local_stack.request("GET", EVENTS, token=token)
    assert [e["event_id"] for e in response.json()["data"]] == [tenant["event_id"]]  # its exhibitor's


def test_public_routes_need_no_token(local_stack):
    response = local_stack.request("GET", "/health")
    assert response.status == 200, response.text
    assert response.json()["data"]["status"] == "ok"


def test_token_for_updates_an_existing_users_role(local_stack, tenant):
    username = f"switch-{uuid.uuid4().hex[:6]}@example.com"
    first = jwt.decode(local_stack.token_for(tenant["id"], "user", username=username), options={"verify_signature": False})
    second = jwt.decode(local_stack.token_for(tenant["id"], "exhibitor", username=username), options={"verify_signature": False})
    assert (first["custom:role"], second["custom:role"]) == ("user", "exhibitor")
    assert first["sub"] == second["sub"]


# --- the verifier and header parsing, directly ----------------------------------------------


def test_verifier_returns_the_claims_of_a_valid_token(local_stack, tenant):
    claims = JwtVerifier(local_stack.cognito.pool).verify(tenant["admin"])
    assert claims["custom:tenant_id"] == tenant["id"]
    assert claims["iss"] == f"https://cognito-idp.{local_stack.region}.amazonaws.com/{local_stack.user_pool_id}"
    assert claims["aud"] == local_stack.client_id


def test_verifier_reports_unreachable_keys_as_a_refusal(tenant):
    pool = UserPool(pool_id="us-east-1_nowhere", client_id="x", region="us-east-1", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(TokenError, match="could not be fetched"):
        JwtVerifier(pool).verify(tenant["admin"])


def test_bearer_token_parsing():
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer abc") == "abc"
    assert bearer_token("abc.def.ghi") == "abc.def.ghi"  # the JWT authorizer accepts a bare token
    assert bearer_token("Basic dXNlcg==") is None
    assert bearer_token("") is None
    assert bearer_token(None) is None
