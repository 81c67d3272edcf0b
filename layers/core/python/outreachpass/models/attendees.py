"""Attendee request shapes (the card is derived from the attendee)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, HttpUrl, StringConstraints, UrlConstraints

from outreachpass.models.bounded_json import StoredJsonObject
from outreachpass.models.common import Bio, Email, LanguageTag, LowerEmail, RequestModel, described, one_line

PersonName = Annotated[str, one_line(100)]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=described(r"^[0-9+()./\- ]+$", "use digits, spaces and + ( ) . / - only"))]
ShortText = Annotated[str, one_line(200)]


class AttendeeCreate(RequestModel):
    email: Email | None = None
    first_name: PersonName
    last_name: PersonName | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    linkedin_url: HttpUrl | None = None
    language: LanguageTag | None = Field(default=None, description="BCP 47 tag of the attendee's language (default: the event's)")
    bio: Bio | None = Field(default=None, description="A short bio for the attendee's card (at most 280 characters; the card "
                            "keeps it: read and change it through /cards/{card_id})")
    website: Annotated[HttpUrl, UrlConstraints(max_length=2048)] | None = Field(
        default=None, description="A website for the attendee's card (http or https; the card keeps it)")


class AttendeeUpdate(RequestModel):
    """PATCH: only the fields sent change; null clears an optional field (first_name cannot be cleared)."""

    email: LowerEmail | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    linkedin_url: HttpUrl | None = None
    language: LanguageTag | None = None


AttendeeSort = Literal["-created_at", "created_at", "last_name", "-last_name", "email", "-email"]
EngagementStage = Literal["not_sent", "sent", "delivered", "opened", "clicked", "viewed", "wallet_added", "exported", "bounced"]


class Engagement(BaseModel):
    """What the attendee did with its card so far. Machine opens and clicks (mail privacy proxies,
    link scanners) and bot views do not count. `stage` is the furthest step reached, in the
    order of the fields below, except that a bounce (or complaint) without any later step wins."""

    stage: EngagementStage
    sent: bool
    last_sent_at: datetime | None
    delivered: bool
    opened: bool
    clicked: bool
    viewed: bool
    wallet_added: bool
    exported: bool
    bounced: bool


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
    language: str | None = None
    flags: StoredJsonObject = Field(validation_alias="flags_json")
    created_at: datetime
    updated_at: datetime
    engagement: Engagement | None = Field(default=None, description="On reads (list and get); absent from writes")
