"""The "Share my details" form of the public card page: a visitor's details for the card's owner."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StringConstraints

from outreachpass.models.attendees import Phone
from outreachpass.models.common import LowerEmail, RequestModel


def _ticked(value: bool) -> bool:
    if value is not True:
        raise ValueError("tick the box to agree that the card's owner receives your details")
    return value


class ContactShareIn(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    email: LowerEmail
    phone: Phone | None = None
    company: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    consent: Annotated[StrictBool, AfterValidator(_ticked)] = Field(
        description="Must be true: the visitor agrees that the card's owner receives these details"
    )
    # The honeypot: the page hides it from people; a form that fills it in is a bot's, and gets the
    # same answer as a real share while nothing is sent or recorded.
    website: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Leave empty (a field people do not see)"
    )
