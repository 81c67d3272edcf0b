"""Card request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, HttpUrl, StringConstraints, UrlConstraints

from outreachpass.models.attendees import Phone, ShortText
from outreachpass.models.common import LowerEmail, RequestModel

DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LinkKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
LinkUrl = Annotated[HttpUrl, UrlConstraints(max_length=2048)]
MAX_LINKS = 20


class CardUpdate(RequestModel):
    """PATCH: only the fields sent change. `links` replaces the card's whole set of links
    ({"linkedin": "https://...", "website": "https://..."}; http(s) only, at most 20)."""

    display_name: DisplayName | None = None
    email: LowerEmail | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    links: dict[LinkKey, LinkUrl] | None = Field(default=None, max_length=MAX_LINKS)


class CardOut(BaseModel):
    card_id: UUID
    event_id: UUID | None
    owner_attendee_id: UUID | None
    owner_user_id: UUID | None
    display_name: str
    email: str | None
    phone: str | None
    org_name: str | None
    title: str | None
    avatar_s3_key: str | None
    links: dict[str, Any] = Field(validation_alias="links_json")
    vcard_rev: int
    is_personal: bool
    url: str  # the public card page
    created_at: datetime
    updated_at: datetime
