"""Card request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, HttpUrl, StringConstraints, UrlConstraints

from outreachpass.models.attendees import Phone, ShortText
from outreachpass.models.bounded_json import StoredJsonObject
from outreachpass.models.common import MAX_BIO, Bio, LowerEmail, RequestModel, described, one_line

DisplayName = Annotated[str, one_line(200)]
LinkKey = Annotated[str, StringConstraints(pattern=described(r"^[a-z][a-z0-9_]{0,31}$", "start with a lower-case letter; then lower-case letters, digits and _ (at most 32)"))]
LinkUrl = Annotated[HttpUrl, UrlConstraints(max_length=2048)]
MAX_LINKS = 20
Website = LinkUrl


class CardUpdate(RequestModel):
    """PATCH: only the fields sent change. `links` replaces the card's whole set of links
    ({"linkedin": "https://...", "website": "https://..."}; http(s) only, at most 20)."""

    display_name: DisplayName | None = None
    email: LowerEmail | None = None
    phone: Phone | None = None
    org_name: ShortText | None = None
    title: ShortText | None = None
    links: dict[LinkKey, LinkUrl] | None = Field(default=None, max_length=MAX_LINKS)
    bio: Bio | None = Field(default=None, description=f"A short bio (at most {MAX_BIO} characters; null clears it)")
    website: Website | None = Field(default=None, description="The owner's website (http or https; null clears it)")


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
    links: StoredJsonObject = Field(validation_alias="links_json")
    bio: str | None = None
    website: str | None = None
    vcard_rev: int
    is_personal: bool
    url: str  # the public card page
    created_at: datetime
    updated_at: datetime
