"""The authenticated caller, as services see it: a tenant, a role and a subject; and the
check of that caller against the database's current state.

The token's claims say who is calling (tenant, subject) and what role it had when the token
was issued. What it may do now is decided by the database: every authenticated request's
first transaction begins with `app_begin_request()` (db/connection.py), which sets the
tenant and returns the caller's row and its tenant's status in the same round trip. A
disabled or unknown user, a disabled tenant, or a stored role the route does not allow
refuses the request before the transaction does anything else, so a demotion, a disable or
a tenant disable takes effect on the next request, not when the token expires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from outreachpass.errors import Forbidden, Unauthorized

ROLES = ("admin", "user", "exhibitor")
# Higher may do more; nobody may give a role above their own.
ROLE_RANK = {"exhibitor": 0, "user": 1, "admin": 2}


@dataclass(frozen=True)
class Principal:
    tenant_id: UUID
    role: str  # the token's claim; the stored role (CallerState.role) is what decides
    subject: str  # Cognito sub
    username: str | None = None
    email: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        tenant = claims.get("custom:tenant_id")
        role = claims.get("custom:role")
        subject = claims.get("sub")
        if not tenant or not role or not subject:
            raise Unauthorized("The token carries no tenant or role")
        try:
            tenant_id = UUID(str(tenant))
        except ValueError:
            raise Unauthorized("The token's tenant is malformed") from None
        if role not in ROLES:
            raise Forbidden(f"Unknown role '{role}'")
        return cls(
            tenant_id=tenant_id,
            role=str(role),
            subject=str(subject),
            username=claims.get("cognito:username"),
            email=claims.get("email"),
        )

    def require(self, roles: Iterable[str]) -> None:
        if self.role not in roles:
            raise Forbidden(f"The '{self.role}' role may not do this")


@dataclass(frozen=True)
class CallerState:
    """What the database says about the caller, read in the request's first transaction."""

    user_id: UUID
    role: str
    status: str
    exhibitor_id: UUID | None = None  # an exhibitor user's exhibitor (its events and leads)


class UserDisabled(Unauthorized):
    code = "USER_DISABLED"


class UnknownUser(Unauthorized):
    code = "USER_UNKNOWN"


class TenantDisabled(Forbidden):
    code = "TENANT_DISABLED"


class RequestCaller:
    """The caller of one authenticated invocation, waiting to be checked against the database.

    `allowed_roles` are the route's roles. `state` is set by the first transaction of the
    invocation (and re-checked by every later one, at no extra cost)."""

    def __init__(self, principal: Principal, allowed_roles: tuple[str, ...]):
        self.principal = principal
        self.allowed_roles = allowed_roles
        self.state: CallerState | None = None

    def accept(self, row: Mapping[str, Any] | None) -> CallerState:
        """Checks a row of app_begin_request(); raises when the caller may not go on."""
        if row is None or row.get("tenant_status") is None:
            raise UnknownUser("This sign-in belongs to no organisation here; sign in again")
        if row["tenant_status"] != "active":
            raise TenantDisabled("This organisation is disabled; contact the platform team")
        if row.get("user_id") is None:
            raise UnknownUser("This user no longer exists; ask an admin of your organisation")
        if row["user_status"] == "disabled":
            raise UserDisabled("This user is disabled; ask an admin of your organisation")
        if row["role"] not in self.allowed_roles:
            raise Forbidden(f"The '{row['role']}' role may not do this")
        self.state = CallerState(
            user_id=row["user_id"], role=row["role"], status=row["user_status"], exhibitor_id=row.get("exhibitor_id")
        )
        return self.state


_request_caller: ContextVar[RequestCaller | None] = ContextVar("request_caller", default=None)


def begin_request(principal: Principal, allowed_roles: Iterable[str]) -> RequestCaller:
    caller = RequestCaller(principal, tuple(allowed_roles))
    _request_caller.set(caller)
    return caller


def end_request() -> None:
    _request_caller.set(None)


def request_caller() -> RequestCaller | None:
    """The caller of the current invocation, or None outside an authenticated request
    (public routes, workers, schedules)."""
    return _request_caller.get()


def caller_exhibitor() -> tuple[bool, UUID | None]:
    """(is the current caller an exhibitor, its exhibitor) by the stored role and row, once the
    request's first transaction has begun. Outside an authenticated request (workers, platform
    jobs) there is no such caller: (False, None)."""
    caller = _request_caller.get()
    if caller is None:
        return False, None
    if caller.state is None and caller.principal.role != "exhibitor":
        # Not checked against the database yet (never so inside a service's transaction; a
        # benchmark replays the pre-check statements this way): only an exhibitor token is scoped.
        return False, None
    state = caller_state()  # raises for an unchecked exhibitor token: fail closed
    return state.role == "exhibitor", state.exhibitor_id


def caller_state() -> CallerState:
    """The database's view of the current caller; valid once the request's first transaction
    has begun (every service opens one before it decides anything)."""
    caller = _request_caller.get()
    if caller is None or caller.state is None:
        raise Unauthorized("Authentication required")
    return caller.state
