"""Attendee request shapes (the card is derived from the attendee)."""

from __future__ import annotations

from typing import Annotated

from pydantic import EmailStr, HttpUrl, StringConstraints

from outreachpass.models.common import RequestModel

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
