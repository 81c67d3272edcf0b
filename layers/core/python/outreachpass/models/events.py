from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from outreachpass.models.bounded_json import JsonObject, StoredJsonObject
from outreachpass.models.common import MULTI_LINE, LanguageTag, Name, RequestModel, Slug, TimeZoneName

EventStatus = Literal["draft", "active", "archived"]


class Venue(RequestModel):
    """Where the event happens; every part optional. Passes use the coordinates (shown on the lock
    screen near the venue); cards and e-mails the name and address."""

    name: Name | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500, pattern=MULTI_LINE)
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


class EventCreate(RequestModel):
    name: Name
    slug: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: TimeZoneName = "UTC"
    brand_id: UUID | None = None
    status: Literal["draft", "active"] = "draft"
    settings: JsonObject = Field(default_factory=dict)
    venue: Venue | None = None
    language: LanguageTag = Field(default="en", description="BCP 47 tag the cards, e-mails and passes speak (attendees may override)")


class EventUpdate(RequestModel):
    name: Name | None = None
    slug: Slug | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    timezone: TimeZoneName | None = None
    brand_id: UUID | None = None
    status: EventStatus | None = None
    settings: JsonObject | None = None
    venue: Venue | None = None
    language: LanguageTag | None = None


class EventOut(BaseModel):
    event_id: UUID
    brand_id: UUID | None  # the API always sets one; rows made otherwise may have none
    name: str
    slug: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: EventStatus
    settings: StoredJsonObject = Field(validation_alias="settings_json")
    venue: Venue | None = Field(default=None, validation_alias="venue_json")
    language: str = "en"
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
