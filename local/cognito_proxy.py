"""The local pool's front door for browsers: `POST /_local/cognito`, the Cognito Identity
Provider API as the console calls it (JSON 1.1 with `X-Amz-Target`), on the stack's own
origin.

The console talks to `https://cognito-idp.<region>.amazonaws.com/` in AWS and to this path
locally (`cognitoEndpoint` in /admin/config.json); the calls and answers are the same. What
this adds to moto, so that the local pool signs in as the real one does:

- **SRP.** The AWS app client allows only `USER_SRP_AUTH` and refresh (stacks/auth.py).
  moto answers SRP with random numbers and accepts any password; here Cognito's half of
  SRP runs (local.srp) against the password moto stores, a wrong password is refused, and
  only then does moto issue the tokens (AdminInitiateAuth), or the NEW_PASSWORD_REQUIRED
  challenge of an invited user's first sign-in.
- **Forgotten passwords.** moto accepts any code; here a 6-digit code is mailed (visible
  in /_local/mail), checked, and expires after an hour.
- **RevokeToken** (sign-out), which moto lacks.
- Unknown users get the same answers as wrong passwords (the client's
  PreventUserExistenceErrors), and flows the AWS client does not allow are refused.

The rest (GlobalSignOut, GetUser, UpdateUserAttributes, ChangePassword, the
NEW_PASSWORD_REQUIRED answer, refresh) is forwarded to moto as it came. Only same-origin
pages reach it (local.server refuses other origins on /_local/).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local import moto_cognito
from local.server import GatewayResponse
from local.srp import SrpServer

if TYPE_CHECKING:
    from local.stack import LocalStack

log = logging.getLogger("local.cognito_proxy")

PATH = "/_local/cognito"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
SRP_SESSION_S = 180  # the app client's AuthSessionValidity (3 minutes)
RESET_CODE_S = 3600
RESET_ATTEMPTS = 5
MAX_BODY = 64 * 1024
FORWARDED = frozenset({"GlobalSignOut", "GetUser", "UpdateUserAttributes", "ChangePassword"})
WRONG_CREDENTIALS = "Incorrect username or password."

SendMail = Callable[[str, str, str], None]  # (to, subject, text)


class CognitoError(Exception):
    def __init__(self, kind: str, message: str, status: int = 400):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


@dataclass
class _SrpSession:
    server: SrpServer
    username: str | None  # None: an unknown or disabled user, refused at the end like a wrong password
    expires: float


@dataclass
class _ResetCode:
    code: str
    expires: float
    attempts: int = 0


def _answer(status: int, payload: dict[str, Any]) -> GatewayResponse:
    return GatewayResponse(
        status=status,
        headers=[("content-type", CONTENT_TYPE), ("cache-control", "no-store")],
        body=json.dumps(payload).encode(),
    )


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


class CognitoFrontDoor:
    def __init__(self, stack: LocalStack, send_mail: SendMail):
        self.stack = stack
        self.send_mail = send_mail
        self._srp: dict[str, _SrpSession] = {}
        self._resets: dict[str, _ResetCode] = {}
        self._lock = threading.Lock()

    # --- dispatch -------------------------------------------------------------------------------

    def __call__(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> GatewayResponse | None:
        if path != PATH:
            return None
        if method != "POST":
            return _answer(405, {"__type": "MethodNotAllowed", "message": "POST a Cognito request here"})
        target = headers.get("x-amz-target", "")
        operation = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        try:
            if len(body) > MAX_BODY:
                raise CognitoError("InvalidParameterException", "The request is too large")
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                raise CognitoError("SerializationException", "The request body is not JSON") from None
            if not isinstance(payload, dict):
                raise CognitoError("SerializationException", "The request body is not a JSON object")
            return self._operation(operation, payload, body, target)
        except CognitoError as error:
            return _answer(error.status, {"__type": error.kind, "message": error.message})

    def _operation(self, operation: str, payload: dict[str, Any], body: bytes, target: str) -> GatewayResponse:
        if operation == "InitiateAuth":
            self._check_client(payload)
            flow = payload.get("AuthFlow")
            if flow == "USER_SRP_AUTH":
                return _answer(200, self._start_srp(payload.get("AuthParameters") or {}))
            if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
                return self._forward(target, body)
            raise CognitoError("InvalidParameterException", f"{flow} flow not enabled for this client")
        if operation == "RespondToAuthChallenge":
            self._check_client(payload)
            if payload.get("ChallengeName") == "PASSWORD_VERIFIER":
                return _answer(200, self._verify_srp(payload.get("ChallengeResponses") or {}))
            return self._forward(target, body)
        if operation == "ForgotPassword":
            self._check_client(payload)
            return _answer(200, self._forgot_password(str(payload.get("Username") or "")))
        if operation == "ConfirmForgotPassword":
            self._check_client(payload)
            self._confirm_forgot_password(payload)
            return _answer(200, {})
        if operation == "RevokeToken":
            self._check_client(payload)
            moto_cognito.revoke_refresh_token(self.stack.region, self._pool().pool_id, self._pool().client_id, str(payload.get("Token") or ""))
            return _answer(200, {})
        if operation in FORWARDED:
            return self._forward(target, body)
        raise CognitoError("UnknownOperationException", f"{operation or 'this operation'} is not offered to browsers locally")

    def _pool(self) -> Any:
        pool = self.stack.cognito.pool if self.stack.cognito is not None else None
        if pool is None:
            raise CognitoError("ResourceNotFoundException", "The user pool does not exist", 400)
        return pool

    def _check_client(self, payload: dict[str, Any]) -> None:
        if payload.get("ClientId") != self._pool().client_id:
            raise CognitoError("ResourceNotFoundException", "User pool client does not exist.")

    # --- SRP ------------------------------------------------------------------------------------

    def _start_srp(self, parameters: dict[str, Any]) -> dict[str, Any]:
        pool = self._pool()
        username = str(parameters.get("USERNAME") or "")
        srp_a = str(parameters.get("SRP_A") or "")
        if not username or not srp_a:
            raise CognitoError("InvalidParameterException", "Missing required parameter USERNAME or SRP_A")
        user = moto_cognito.find_user(self.stack.region, pool.pool_id, username)
        if user is not None and not user.enabled:
            raise CognitoError("NotAuthorizedException", "User is disabled.")
        known = user is not None and user.password is not None
        user_id = user.username if user is not None else str(uuid.uuid4())
        password = user.password if known and user is not None and user.password else secrets.token_urlsafe(24)
        try:
            server = SrpServer.start(user_pool_id=pool.pool_id, user_id=user_id, password=password, srp_a_hex=srp_a)
        except ValueError:
            raise CognitoError("InvalidParameterException", "SRP_A is not a valid value") from None
        now = time.monotonic()
        with self._lock:
            for block, session in list(self._srp.items()):
                if session.expires < now:
                    del self._srp[block]
            self._srp[server.secret_block] = _SrpSession(server, user_id if known else None, now + SRP_SESSION_S)
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": server.salt_hex,
                "SRP_B": format(server.b_public, "x"),
                "SECRET_BLOCK": server.secret_block,
                "USER_ID_FOR_SRP": user_id,
                "USERNAME": user_id,
            },
        }

    def _verify_srp(self, responses: dict[str, Any]) -> dict[str, Any]:
        block = str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "")
        with self._lock:
            session = self._srp.pop(block, None)  # single use, right or wrong
        if session is None or session.expires < time.monotonic():
            raise CognitoError("NotAuthorizedException", "Invalid session for the user, session is expired.")
        signature = str(responses.get("PASSWORD_CLAIM_SIGNATURE") or "")
        stamp = str(responses.get("TIMESTAMP") or "")
        if (
            session.username is None
            or responses.get("USERNAME") != session.username
            or not signature
            or not stamp
            or not session.server.verify(signature, stamp)
        ):
            raise CognitoError("NotAuthorizedException", WRONG_CREDENTIALS)
        pool = self._pool()
        user = moto_cognito.find_user(self.stack.region, pool.pool_id, session.username)
        if user is None or not user.enabled or user.password is None:
            raise CognitoError("NotAuthorizedException", WRONG_CREDENTIALS)
        client = self.stack.boto("cognito-idp")
        try:
            result = client.admin_initiate_auth(
                UserPoolId=pool.pool_id,
                ClientId=pool.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user.username, "PASSWORD": user.password},
            )
        except client.exceptions.NotAuthorizedException:
            raise CognitoError("NotAuthorizedException", WRONG_CREDENTIALS) from None
        answer: dict[str, Any] = {k: v for k, v in result.items() if k != "ResponseMetadata"}
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            visible = {k: v for k, v in user.attributes.items() if k in ("email", "email_verified", "name")}
            answer["ChallengeParameters"] = {
                "USER_ID_FOR_SRP": user.username,
                "requiredAttributes": "[]",
                "userAttributes": json.dumps(visible),
            }
        return answer

    # --- forgotten passwords --------------------------------------------------------------------

    def _forgot_password(self, username: str) -> dict[str, Any]:
        pool = self._pool()
        user = moto_cognito.find_user(self.stack.region, pool.pool_id, username)
        email = user.attributes.get("email") if user is not None else None
        if user is not None and user.enabled and email:
            code = f"{secrets.randbelow(1_000_000):06d}"
            with self._lock:
                self._resets[user.username] = _ResetCode(code, time.monotonic() + RESET_CODE_S)
            self.send_mail(
                email,
                "Your OutreachPass verification code",
                f"Your password reset code is {code}. It expires in one hour.\n\n"
                "If you did not ask for it, ignore this message: your password stays as it is.",
            )
        destination = _masked(email or (username if "@" in username else "user@example.com"))
        return {"CodeDeliveryDetails": {"Destination": destination, "DeliveryMedium": "EMAIL", "AttributeName": "email"}}

    def _confirm_forgot_password(self, payload: dict[str, Any]) -> None:
        pool = self._pool()
        user = moto_cognito.find_user(self.stack.region, pool.pool_id, str(payload.get("Username") or ""))
        code = str(payload.get("ConfirmationCode") or "")
        password = str(payload.get("Password") or "")
        with self._lock:
            pending = self._resets.get(user.username) if user is not None else None
            if pending is None or pending.expires < time.monotonic():
                raise CognitoError("ExpiredCodeException", "Invalid code provided, please request a code again.")
            if not secrets.compare_digest(pending.code, code):
                pending.attempts += 1
                if pending.attempts >= RESET_ATTEMPTS:
                    del self._resets[user.username]  # type: ignore[union-attr]
                raise CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.")
        try:
            moto_cognito.check_password_policy(self.stack.region, pool.pool_id, password)
        except Exception as exc:  # moto's InvalidPasswordException
            message = getattr(exc, "message", None) or "Password does not conform to policy"
            raise CognitoError("InvalidPasswordException", str(message)) from None
        assert user is not None
        moto_cognito.set_password(self.stack.region, pool.pool_id, user.username, password)
        with self._lock:
            self._resets.pop(user.username, None)

    # --- moto -----------------------------------------------------------------------------------

    def _forward(self, target: str, body: bytes) -> GatewayResponse:
        request = urllib.request.Request(  # noqa: S310 (moto's http:// endpoint on loopback)
            self.stack.aws_endpoint_url + "/",
            data=body,
            method="POST",
            headers={"content-type": CONTENT_TYPE, "x-amz-target": target},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310 (moto on loopback, http only)
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, payload = error.code, error.read()
        return GatewayResponse(status=status, headers=[("content-type", CONTENT_TYPE), ("cache-control", "no-store")], body=payload)
