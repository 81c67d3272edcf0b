"""Users: the tenant's staff (each a Cognito user with custom:tenant_id and custom:role)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from outreachpass.models.common import RequestModel, StaffEmail, one_line

UserRole = Literal["admin", "user", "exhibitor"]
UserStatus = Literal["invited", "active", "disabled"]
FullName = Annotated[str, one_line(200)]


class UserInvite(RequestModel):
    email: StaffEmail
    full_name: FullName | None = None
    role: UserRole = "user"
    exhibitor_id: UUID | None = Field(default=None, description="Required with the exhibitor role (the exhibitor the user works for); refused with the others")


class UserUpdate(RequestModel):
    """PATCH: change the role, disable (or re-enable with "active"), or rename."""

    role: UserRole | None = None
    status: Literal["active", "disabled"] | None = None
    full_name: FullName | None = None
    exhibitor_id: UUID | None = Field(default=None, description="Move an exhibitor user to another exhibitor (exhibitor role only)")


class UserOut(BaseModel):
    user_id: UUID
    email: str
    full_name: str | None
    role: UserRole
    status: UserStatus
    exhibitor_id: UUID | None = Field(default=None, description="The exhibitor of an exhibitor user; null for the other roles")
    created_at: datetime
    updated_at: datetime
