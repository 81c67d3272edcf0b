"""The local Cognito user pool (in moto) and verification of its tokens.

`LocalCognito` creates the pool as the auth stack does (email as username, custom
attributes `tenant_id` and `role`), an app client, users, and real RS256 id tokens through
AdminInitiateAuth. `JwtVerifier` does what the HTTP API JWT authorizer does with a bearer
token: fetch the issuer's JWKS, check the signature, `exp`, `iss`, `aud` (the app client
id), and that it is an id token. moto serves the JWKS at
`<endpoint>/<pool_id>/.well-known/jwks.json`; tokens name the AWS issuer
`https://cognito-idp.<region>.amazonaws.com/<pool_id>`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import jwt

from local.config import DEMO_DOMAIN
from local.state import generate_password

CUSTOM_ATTRIBUTES = ("tenant_id", "role")
# The app client's attribute permissions, as stacks/auth.py gives them to the frontend client.
READ_ATTRIBUTES = ("email", "email_verified", "name", "custom:tenant_id", "custom:role")
WRITE_ATTRIBUTES = ("name",)


class TokenError(Exception):
    """A bearer token the JWT authorizer would refuse (401)."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class UserPool:
    pool_id: str
    client_id: str
    region: str
    endpoint_url: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"


class JwtVerifier:
    """Verifies Cognito id tokens against the pool's JWKS, as the JWT authorizer does."""

    def __init__(self, pool: UserPool, *, leeway_s: int = 0):
        self.pool = pool
        self.leeway_s = leeway_s
        self._jwks = jwt.PyJWKClient(pool.jwks_url, cache_keys=True, lifespan=300, timeout=5)

    def verify(self, token: str) -> dict[str, Any]:
        if not token:
            raise TokenError("no token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenError("the token is malformed") from None
        if header.get("alg") != "RS256":
            raise TokenError("the token's algorithm is not allowed")
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise TokenError("the issuer's keys could not be fetched") from None
        except (jwt.PyJWKClientError, jwt.DecodeError):
            raise TokenError("the token's signing key is unknown") from None
        try:
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256"],
                audience=self.pool.client_id,
                issuer=self.pool.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("the token has expired") from None
        except jwt.InvalidSignatureError:
            raise TokenError("the token's signature is invalid") from None
        except jwt.InvalidAudienceError:
            raise TokenError("the token's audience is not this API") from None
        except jwt.InvalidIssuerError:
            raise TokenError("the token's issuer is not this API's user pool") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"the token has no '{exc.claim}' claim") from None
        except jwt.InvalidTokenError:
            raise TokenError("the token is invalid") from None
        if claims.get("token_use") != "id":
            raise TokenError("the token is not an id token")
        return claims


def bearer_token(authorization: str | None) -> str | None:
    """The token of an Authorization header; like the JWT authorizer, a bare token is accepted."""
    if not authorization:
        return None
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip() or None
    return value if " " not in value else None


class LocalCognito:
    """The user pool in moto: creation, users, tokens. Thread-safe for the token cache."""

    def __init__(self, client: Any, *, region: str, endpoint_url: str):
        self._client = client
        self.region = region
        self.endpoint_url = endpoint_url
        self.pool: UserPool | None = None
        self._passwords: dict[str, str] = {}
        self._lock = threading.Lock()

    def create_pool(self, name: str) -> UserPool:
        pool = self._client.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
            Schema=[
                {"Name": attribute, "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MaxLength": "64"}}
                for attribute in CUSTOM_ATTRIBUTES
            ],
        )["UserPool"]
        client = self._client.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName=f"{name}-web",
            GenerateSecret=False,
            # Browsers sign in with SRP (the AWS client's only flow, stacks/auth.py) through
            # local.cognito_proxy; admin password auth is for local tokens (tests, local.token).
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            PreventUserExistenceErrors="ENABLED",
            EnableTokenRevocation=True,
            # As the auth stack's client: the tenant and role are readable, never writable by
            # their user (local.moto_cognito enforces WriteAttributes, which moto ignores).
            ReadAttributes=list(READ_ATTRIBUTES),
            WriteAttributes=list(WRITE_ATTRIBUTES),
        )["UserPoolClient"]
        self.pool = UserPool(pool_id=pool["Id"], client_id=client["ClientId"], region=self.region, endpoint_url=self.endpoint_url)
        return self.pool

    def _require_pool(self) -> UserPool:
        if self.pool is None:
            raise RuntimeError("the user pool has not been created")
        return self.pool

    def ensure_user(self, username: str, *, tenant_id: str, role: str, password: str) -> None:
        """Create the user, or bring an existing one to this tenant, role and password."""
        pool = self._require_pool()
        attributes = [
            {"Name": "custom:tenant_id", "Value": str(tenant_id)},
            {"Name": "custom:role", "Value": role},
        ]
        try:
            self._client.admin_create_user(
                UserPoolId=pool.pool_id,
                Username=username,
                UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}, *attributes],
                MessageAction="SUPPRESS",
            )
        except self._client.exceptions.UsernameExistsException:
            self._client.admin_update_user_attributes(UserPoolId=pool.pool_id, Username=username, UserAttributes=attributes)
        self._client.admin_set_user_password(UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True)
        with self._lock:
            self._passwords[username] = password

    def id_token(self, username: str, password: str | None = None) -> str:
        """A real id token from the pool (AdminInitiateAuth with the user's password)."""
        pool = self._require_pool()
        if password is None:
            with self._lock:
                password = self._passwords[username]
        result = self._client.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return result["AuthenticationResult"]["IdToken"]

    @staticmethod
    def default_username(tenant_id: str, role: str) -> str:
        """The user `token_for` makes when no username is given (one per tenant and role)."""
        return f"{role}-{tenant_id}@users.{DEMO_DOMAIN}"

    def password_of(self, username: str) -> str:
        """The password this pool object set for `username` (KeyError if none)."""
        with self._lock:
            return self._passwords[username]

    def token_for(self, tenant_id: str, role: str = "admin", username: str | None = None) -> str:
        """An id token for a user of `tenant_id` with `role`, creating the user if needed."""
        username = username or self.default_username(str(tenant_id), role)
        with self._lock:
            password = self._passwords.get(username) or generate_password()
        self.ensure_user(username, tenant_id=str(tenant_id), role=role, password=password)
        return self.id_token(username, password)
