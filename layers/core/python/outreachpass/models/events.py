from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from outreachpass.models.common import LanguageTag, LowerEmail, Name, RequestModel, Slug, TimeZoneName

EventStatus = Literal["draft", "active", "archived"]


class Venue(RequestModel):
    """Where the event happens; every part optional. Passes use the coordinates (shown on the lock
    screen near the venue); cards and e-mails the name and address."""

    name: Name | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500)
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


# Wallet passes expire this many days after the event ends unless the event says otherwise
# (docs/wallet.md, "Dates and places").
DEFAULT_PASS_EXPIRY_DAYS = 7


class EventSettings(BaseModel):
    """An event's settings: free-form, except the keys the product reads, which are checked here
    (a stored setting of the wrong type would break every pass of the event later)."""

    model_config = ConfigDict(extra="allow")

    contact_email: LowerEmail | None = Field(
        default=None, description="The organiser's contact address, shown on the back of the wallet passes"
    )
    pass_expires_days_after_end: int | None = Field(
        default=None, ge=0, le=365,
        description=f"Days after the event's end when its wallet passes expire (default {DEFAULT_PASS_EXPIRY_DAYS})",
    )


class EventCreate(RequestModel):
    name: Name
    slug: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: TimeZoneName = "UTC"
    brand_id: UUID | None = None
    status: Literal["draft", "active"] = "draft"
    settings: EventSettings = Field(default_factory=EventSettings)
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
    settings: EventSettings | None = None
    venue: Venue | None = None
    language: LanguageTag | None = None


class EventOut(BaseModel):
    event_id: UUID
    brand_id: UUID
    name: str
    slug: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: EventStatus
    settings: dict[str, Any] = Field(validation_alias="settings_json")
    venue: Venue | None = Field(default=None, validation_alias="venue_json")
    language: str = "en"
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
