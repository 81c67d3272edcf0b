from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from outreachpass.models.bounded_json import JsonObject, StoredJsonObject
from outreachpass.models.common import Name, RequestModel, Slug, TimeZoneName

EventStatus = Literal["draft", "active", "archived"]


class EventCreate(RequestModel):
    name: Name
    slug: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: TimeZoneName = "UTC"
    brand_id: UUID | None = None
    status: Literal["draft", "active"] = "draft"
    settings: JsonObject = Field(default_factory=dict)


class EventUpdate(RequestModel):
    name: Name | None = None
    slug: Slug | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    timezone: TimeZoneName | None = None
    brand_id: UUID | None = None
    status: EventStatus | None = None
    settings: JsonObject | None = None


class EventOut(BaseModel):
    event_id: UUID
    brand_id: UUID
    name: str
    slug: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: EventStatus
    settings: StoredJsonObject = Field(validation_alias="settings_json")
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
