"""The local pool as a browser meets it, through the real local server and moto:
/_local/cognito signs in with SRP only when the password is right, gives an invited user the
NEW_PASSWORD_REQUIRED step with the temporary password mailed to them, resets a forgotten
password with a mailed code, refreshes and revokes; users cannot write their own tenant or
role (the app client's write permissions); other origins are refused."""

from __future__ import annotations

import json
import re
import uuid

import jwt
import pytest

from local.srp import SrpClient, SrpServer, timestamp

TARGET = "AWSCognitoIdentityProviderService."
USERS = "/api/v1/admin/users"
EVENTS = "/api/v1/admin/events"
NEW_PASSWORD = "Brand-New-Passw0rd!"


def cognito(local_stack, operation, payload, headers=None):
    response = local_stack.request(
        "POST",
        "/_local/cognito",
        body=json.dumps(payload).encode(),
        headers={"content-type": "application/x-amz-json-1.1", "x-amz-target": TARGET + operation, **(headers or {})},
    )
    return response.status, (response.json() if response.body else {})


def srp_sign_in(local_stack, username, password):
    """USER_SRP_AUTH as the console does it: (status, answer) of the PASSWORD_VERIFIER step."""
    client = SrpClient(local_stack.user_pool_id)
    status, challenge = cognito(
        local_stack, "InitiateAuth",
        {"ClientId": local_stack.client_id, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {"USERNAME": username, "SRP_A": client.srp_a}},
    )
    assert status == 200, challenge
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    params = challenge["ChallengeParameters"]
    claim = client.claim(
        user_id=params["USER_ID_FOR_SRP"], password=password, salt_hex=params["SALT"], srp_b_hex=params["SRP_B"],
        secret_block=params["SECRET_BLOCK"],
    )
    return cognito(
        local_stack, "RespondToAuthChallenge",
        {"ClientId": local_stack.client_id, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": claim},
    )


@pytest.fixture
def member(local_stack, tenant_factory):
    """A confirmed user of a new tenant with a known password."""
    tenant_id = tenant_factory()
    email = f"member-{uuid.uuid4().hex[:8]}@example.com"
    local_stack.token_for(tenant_id, "user", username=email)
    return {"tenant_id": str(tenant_id), "email": email, "password": local_stack.cognito.password_of(email)}


def mail_to(local_stack, address):
    return [m for m in local_stack.sent_emails() if address in json.dumps(m.get("destinations"))]


def test_srp_math_agrees_between_the_two_halves():
    server = SrpServer.start(user_pool_id="us-east-1_Pool", user_id="u-1", password="Secret-Passw0rd!", srp_a_hex=SrpClient("us-east-1_Pool", 12345).srp_a)
    client = SrpClient("us-east-1_Pool", 12345)
    when = timestamp()
    right = client.claim(user_id="u-1", password="Secret-Passw0rd!", salt_hex=server.salt_hex, srp_b_hex=format(server.b_public, "x"), secret_block=server.secret_block, when=when)
    wrong = client.claim(user_id="u-1", password="Secret-Passw0rd?", salt_hex=server.salt_hex, srp_b_hex=format(server.b_public, "x"), secret_block=server.secret_block, when=when)
    assert server.verify(right["PASSWORD_CLAIM_SIGNATURE"], when)
    assert not server.verify(wrong["PASSWORD_CLAIM_SIGNATURE"], when)
    assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d UTC \d{4}", when)


def test_srp_sign_in_gives_id_tokens_the_api_accepts_and_a_wrong_password_nothing(local_stack, member):
    status, answer = srp_sign_in(local_stack, member["email"], member["password"])
    assert status == 200, answer
    result = answer["AuthenticationResult"]
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["token_use"] == "id"
    assert claims["custom:tenant_id"] == member["tenant_id"]
    assert claims["custom:role"] == "user"
    assert claims["aud"] == local_stack.client_id
    assert local_stack.request("GET", EVENTS, token=result["IdToken"]).status == 200
    assert result["RefreshToken"] and result["AccessToken"]

    status, answer = srp_sign_in(local_stack, member["email"], member["password"] + "x")
    assert status == 400
    assert answer == {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}

    # Unknown users look like wrong passwords (PreventUserExistenceErrors).
    status, answer = srp_sign_in(local_stack, f"nobody-{uuid.uuid4().hex[:6]}@example.com", "Whatever-Passw0rd!")
    assert (status, answer["__type"], answer["message"]) == (400, "NotAuthorizedException", "Incorrect username or password.")


def test_a_claim_is_used_once_and_flows_the_client_does_not_allow_are_refused(local_stack, member):
    client = SrpClient(local_stack.user_pool_id)
    _, challenge = cognito(local_stack, "InitiateAuth", {"ClientId": local_stack.client_id, "AuthFlow": "USER_SRP_AUTH",
                                                         "AuthParameters": {"USERNAME": member["email"], "SRP_A": client.srp_a}})
    params = challenge["ChallengeParameters"]
    claim = client.claim(user_id=params["USER_ID_FOR_SRP"], password=member["password"], salt_hex=params["SALT"],
                         srp_b_hex=params["SRP_B"], secret_block=params["SECRET_BLOCK"])
    body = {"ClientId": local_stack.client_id, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": claim}
    assert cognito(local_stack, "RespondToAuthChallenge", body)[0] == 200
    status, replay = cognito(local_stack, "RespondToAuthChallenge", body)
    assert (status, replay["__type"]) == (400, "NotAuthorizedException")

    status, answer = cognito(local_stack, "InitiateAuth", {"ClientId": local_stack.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                                                           "AuthParameters": {"USERNAME": member["email"], "PASSWORD": member["password"]}})
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    status, answer = cognito(local_stack, "InitiateAuth", {"ClientId": "not-our-client", "AuthFlow": "USER_SRP_AUTH",
                                                           "AuthParameters": {"USERNAME": member["email"], "SRP_A": client.srp_a}})
    assert (status, answer["__type"]) == (400, "ResourceNotFoundException")
    status, answer = cognito(local_stack, "AdminCreateUser", {"UserPoolId": local_stack.user_pool_id, "Username": "x@example.com"})
    assert (status, answer["__type"]) == (400, "UnknownOperationException")


def test_refresh_then_revoke_ends_the_session(local_stack, member):
    _, answer = srp_sign_in(local_stack, member["email"], member["password"])
    refresh = answer["AuthenticationResult"]["RefreshToken"]
    body = {"ClientId": local_stack.client_id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh}}
    status, refreshed = cognito(local_stack, "InitiateAuth", body)
    assert status == 200, refreshed
    claims = jwt.decode(refreshed["AuthenticationResult"]["IdToken"], options={"verify_signature": False})
    assert claims["custom:tenant_id"] == member["tenant_id"]

    assert cognito(local_stack, "RevokeToken", {"ClientId": local_stack.client_id, "Token": refresh}) == (200, {})
    status, answer = cognito(local_stack, "InitiateAuth", body)
    assert (status, answer["__type"]) == (400, "NotAuthorizedException")
    # The access tokens made from it are gone too.
    status, answer = cognito(local_stack, "GetUser", {"AccessToken": refreshed["AuthenticationResult"]["AccessToken"]})
    assert (status, answer["__type"]) == (400, "NotAuthorizedException")


def test_global_sign_out_revokes_refresh_tokens(local_stack, member):
    _, answer = srp_sign_in(local_stack, member["email"], member["password"])
    tokens = answer["AuthenticationResult"]
    assert cognito(local_stack, "GlobalSignOut", {"AccessToken": tokens["AccessToken"]})[0] == 200
    status, answer = cognito(local_stack, "InitiateAuth", {"ClientId": local_stack.client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                                                           "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}})
    assert (status, answer["__type"]) == (400, "NotAuthorizedException")


def test_users_cannot_write_their_own_role_or_tenant(local_stack, member):
    _, answer = srp_sign_in(local_stack, member["email"], member["password"])
    access = answer["AuthenticationResult"]["AccessToken"]
    for name, value in (("custom:role", "admin"), ("custom:tenant_id", str(uuid.uuid4())), ("email", "other@example.com")):
        status, refused = cognito(local_stack, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": name, "Value": value}]})
        assert (status, refused["__type"]) == (400, "NotAuthorizedException"), name
        # Straight to moto, as a script on the machine could: the same rule.
        with pytest.raises(local_stack.boto("cognito-idp").exceptions.NotAuthorizedException):
            local_stack.boto("cognito-idp").update_user_attributes(AccessToken=access, UserAttributes=[{"Name": name, "Value": value}])
    status, _ = cognito(local_stack, "UpdateUserAttributes", {"AccessToken": access, "UserAttributes": [{"Name": "name", "Value": "Ada L."}]})
    assert status == 200
    user = local_stack.boto("cognito-idp").admin_get_user(UserPoolId=local_stack.user_pool_id, Username=member["email"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (attributes["custom:role"], attributes["custom:tenant_id"], attributes["name"]) == ("user", member["tenant_id"], "Ada L.")


def test_an_invited_user_gets_a_mailed_temporary_password_and_chooses_their_own(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    admin = local_stack.token_for(tenant_id, "admin")
    email = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    # An exhibitor user works for one exhibitor (a booth at an event): the invitation names it.
    brand = local_stack.request("POST", "/api/v1/admin/brands", token=admin, json={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand.text
    event = local_stack.request("POST", EVENTS, token=admin, json={
        "name": "Invite Expo", "slug": f"invite-expo-{uuid.uuid4().hex[:6]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z",
    })
    assert event.status == 201, event.text
    booth = local_stack.request("POST", f"{EVENTS}/{event.json()['data']['event_id']}/exhibitors", token=admin, json={"name": "Booth 7"})
    assert booth.status == 201, booth.text
    exhibitor_id = booth.json()["data"]["exhibitor_id"]
    invited = local_stack.request("POST", USERS, token=admin, json={"email": email, "role": "exhibitor", "exhibitor_id": exhibitor_id})
    assert invited.status == 201, invited.text
    assert invited.json()["data"]["exhibitor_id"] == exhibitor_id

    (invitation,) = mail_to(local_stack, email)
    assert invitation["subject"] == "Your temporary password"
    temporary = re.search(r"temporary password (\S+)", invitation["body"]).group(1)
    assert f"{local_stack.api_url}/admin/" in invitation["body"]

    status, answer = srp_sign_in(local_stack, email, temporary)
    assert status == 200, answer
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    user_id = answer["ChallengeParameters"]["USER_ID_FOR_SRP"]
    assert json.loads(answer["ChallengeParameters"]["userAttributes"])["email"] == email

    status, refused = cognito(local_stack, "RespondToAuthChallenge", {
        "ClientId": local_stack.client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": answer["Session"],
        "ChallengeResponses": {"USERNAME": user_id, "NEW_PASSWORD": "short"},
    })
    assert (status, refused["__type"]) == (400, "InvalidPasswordException")
    status, done = cognito(local_stack, "RespondToAuthChallenge", {
        "ClientId": local_stack.client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": answer["Session"],
        "ChallengeResponses": {"USERNAME": user_id, "NEW_PASSWORD": NEW_PASSWORD},
    })
    assert status == 200, done
    claims = jwt.decode(done["AuthenticationResult"]["IdToken"], options={"verify_signature": False})
    assert (claims["custom:tenant_id"], claims["custom:role"]) == (str(tenant_id), "exhibitor")

    assert srp_sign_in(local_stack, email, temporary)[0] == 400
    assert "AuthenticationResult" in srp_sign_in(local_stack, email, NEW_PASSWORD)[1]


def test_forgotten_password_resets_with_the_mailed_code_only(local_stack, member):
    email = member["email"]
    status, answer = cognito(local_stack, "ForgotPassword", {"ClientId": local_stack.client_id, "Username": email})
    assert status == 200
    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert email not in answer["CodeDeliveryDetails"]["Destination"]  # masked
    code = re.search(r"code is (\d{6})", mail_to(local_stack, email)[-1]["body"]).group(1)

    confirm = {"ClientId": local_stack.client_id, "Username": email, "Password": NEW_PASSWORD}
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    status, answer = cognito(local_stack, "ConfirmForgotPassword", {**confirm, "ConfirmationCode": wrong})
    assert (status, answer["__type"]) == (400, "CodeMismatchException")
    status, answer = cognito(local_stack, "ConfirmForgotPassword", {**confirm, "ConfirmationCode": code, "Password": "weak"})
    assert (status, answer["__type"]) == (400, "InvalidPasswordException")
    assert cognito(local_stack, "ConfirmForgotPassword", {**confirm, "ConfirmationCode": code})[0] == 200
    status, answer = cognito(local_stack, "ConfirmForgotPassword", {**confirm, "ConfirmationCode": code})
    assert (status, answer["__type"]) == (400, "ExpiredCodeException")  # used once

    assert srp_sign_in(local_stack, email, member["password"])[0] == 400
    assert srp_sign_in(local_stack, email, NEW_PASSWORD)[0] == 200

    # An unknown address gets the same answer and no mail.
    before = len(local_stack.sent_emails())
    status, answer = cognito(local_stack, "ForgotPassword", {"ClientId": local_stack.client_id, "Username": "ghost@example.com"})
    assert status == 200 and answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert len(local_stack.sent_emails()) == before


@pytest.mark.parametrize("path", ["/_local/cognito", "/_local/mail", "/_local/mail/1"])
def test_local_pages_refuse_other_origins(local_stack, path):
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"}, {"sec-fetch-site": "cross-site"},
                    {"sec-fetch-site": "same-site", "origin": "http://127.0.0.1:1"}):
        response = local_stack.request("POST" if "cognito" in path else "GET", path, body=b"{}", headers=headers)
        assert response.status == 403, (path, headers)
        assert response.json()["error"]["code"] == "CROSS_ORIGIN_FORBIDDEN"
        assert "access-control-allow-origin" not in response.headers
    own = local_stack.api_url
    response = local_stack.request("GET", "/_local/mail", headers={"origin": own, "sec-fetch-site": "same-origin"})
    assert response.status == 200
    assert "access-control-allow-origin" not in response.headers
