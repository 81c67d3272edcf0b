"""Attendee request shapes (the card is derived from the attendee)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, HttpUrl, StringConstraints

from outreachpass.models.common import LowerEmail, RequestModel

PersonName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^[0-9+()./\- ]+$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AttendeeCreate(RequestModel):
    email: EmailStr | None = None
    first_name: PersonName
    last_name: PersonName | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    linkedin_url: HttpUrl | None = None


class AttendeeUpdate(RequestModel):
    """PATCH: only the fields sent change; null clears an optional field (first_name cannot be cleared)."""

    email: LowerEmail | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    linkedin_url: HttpUrl | None = None


class AttendeeOut(BaseModel):
    attendee_id: UUID
    event_id: UUID
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    org_name: str | None
    title: str | None
    linkedin_url: str | None
    card_id: UUID | None
    flags: dict[str, Any] = Field(validation_alias="flags_json")
    created_at: datetime
    updated_at: datetime
