"""The authenticated caller, as services see it: a tenant, a role and a subject."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from outreachpass.errors import Forbidden, Unauthorized

ROLES = ("admin", "user", "exhibitor")


@dataclass(frozen=True)
class Principal:
    tenant_id: UUID
    role: str
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
