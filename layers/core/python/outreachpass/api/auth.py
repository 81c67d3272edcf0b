"""Who is calling: the tenant and subject from the verified JWT claims; what it may do, from
the database's current state.

In AWS the HTTP API's JWT authorizer has verified the token; locally the local server
verifies it against the local Cognito pool's JWKS. Handlers still refuse a request whose
claims are missing or malformed (defence in depth): tenant identity never comes from the
path, the body or a header.

The token's role is a first filter only. The stored role decides (principal.RequestCaller):
a caller whose token role the route allows is checked in the request's first transaction,
in the round trip that sets the tenant (no extra cost on the hot path); a caller whose token
role the route refuses is checked against the database at once, before the body is read, so
a promotion takes effect on the next request too and a refusal still comes before anything
else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Unauthorized
from outreachpass.principal import Principal, begin_request, end_request, request_caller

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)


def authenticate(claims: Mapping[str, Any], roles: Iterable[str]) -> Principal:
    principal = Principal.from_claims(claims)
    caller = begin_request(principal, roles)
    if principal.role not in caller.allowed_roles:
        # Refused by the token's role: the stored role may have changed since it was issued.
        with tenant_tx(principal.tenant_id):
            pass  # the transaction's first statement checks the caller (raises when refused)
        if caller.state is None:  # pragma: no cover - accept() either sets it or raises
            raise Unauthorized("Authentication required")
        principal = dataclasses.replace(principal, role=caller.state.role)
    _principal.set(principal)
    return principal


def ensure_caller_checked() -> None:
    """After the route ran: a request that ended before its first transaction (a body the
    validation refused, a malformed path parameter) is checked now, so a refused caller gets
    its 401/403 rather than the route's answer. Costs a round trip on those paths only."""
    caller = request_caller()
    if caller is not None and caller.state is None:
        with tenant_tx(caller.principal.tenant_id):
            pass


def clear_principal() -> None:
    _principal.set(None)
    end_request()


def current_principal() -> Principal:
    """The caller of the current invocation; only valid inside a jwt route."""
    principal = _principal.get()
    if principal is None:
        raise Unauthorized("Authentication required")
    return principal
