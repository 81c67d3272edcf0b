"""Who is calling: the tenant and role from the verified JWT claims, and nothing else.

In AWS the HTTP API's JWT authorizer has verified the token; locally the local server
verifies it against the local Cognito pool's JWKS. Handlers still refuse a request whose
claims are missing or malformed (defence in depth): tenant identity never comes from the
path, the body or a header.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from outreachpass.errors import Unauthorized
from outreachpass.principal import Principal

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)


def authenticate(claims: Mapping[str, Any], roles: Iterable[str]) -> Principal:
    principal = Principal.from_claims(claims)
    principal.require(roles)
    _principal.set(principal)
    return principal


def clear_principal() -> None:
    _principal.set(None)


def current_principal() -> Principal:
    """The caller of the current invocation; only valid inside a jwt route."""
    principal = _principal.get()
    if principal is None:
        raise Unauthorized("Authentication required")
    return principal
