from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from outreachpass.models.bounded_json import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    StoredJsonObject,
    problem,
)
from outreachpass.models.common import MULTI_LINE, LanguageTag, LowerEmail, Name, RequestModel, Slug, TimeZoneName

EventStatus = Literal["draft", "active", "archived"]


class Venue(RequestModel):
    """Where the event happens; every part optional. Passes use the coordinates (shown on the lock
    screen near the venue); cards and e-mails the name and address."""

    name: Name | None = None
    address: str | None = Field(default=None, min_length=1, max_length=500, pattern=MULTI_LINE)
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)


# Wallet passes expire this many days after the event ends unless the event says otherwise
# (docs/wallet.md, "Dates and places").
DEFAULT_PASS_EXPIRY_DAYS = 7


class EventSettings(BaseModel):
    """An event's settings: free-form JSON with the bounds of a JsonObject field (on the whole
    object), except the keys the product reads, which are checked here: a stored setting of the
    wrong type would break every pass of the event later."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"description": (
        f"The event's settings: a free-form JSON object (at most {MAX_DEPTH} levels deep and {MAX_BYTES} bytes "
        f"as a whole, numbers within ±{MAX_SAFE_INTEGER}, no NUL characters), except the keys listed here, "
        "which the product reads and checks")})

    contact_email: LowerEmail | None = Field(
        default=None, description="The organiser's contact address, shown on the back of the wallet passes"
    )
    pass_expires_days_after_end: int | None = Field(
        default=None, ge=0, le=365,
        description=f"Days after the event's end when its wallet passes expire (default {DEFAULT_PASS_EXPIRY_DAYS})",
    )

    @model_validator(mode="before")
    @classmethod
    def _within_bounds(cls, value: Any) -> Any:
        found = problem(value) if isinstance(value, dict) else None
        if found:
            raise PydanticCustomError("json_bounds", found)
        return value


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
