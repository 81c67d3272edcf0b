"""Leads: attendees an exhibitor met, captured by scanning their card (the exhibitor API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from outreachpass.models.common import RequestModel

Rating = Literal["hot", "warm", "cold"]
MAX_TAGS = 20
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Notes = Annotated[str, StringConstraints(max_length=4000)]
Scan = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


def _distinct_tags(tags: list[str]) -> list[str]:
    """Each tag once, in the order given, whatever its case ("VIP" and "vip" are one tag)."""
    seen: set[str] = set()
    kept = []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return kept


Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_distinct_tags)]


class LeadCapture(RequestModel):
    scan: Scan = Field(description="What the camera read: the card URL of a card's QR code, a card URL, or a card id")
    notes: Notes | None = None
    rating: Rating | None = None
    tags: Tags = Field(default_factory=list)
    client_id: UUID | None = Field(
        default=None, description="The scanning device's id for this scan: sending it again (an offline replay) returns the lead it made"
    )


class LeadUpdate(RequestModel):
    """PATCH: only the fields sent change; null clears notes and rating, and empties the tags."""

    notes: Notes | None = None
    rating: Rating | None = None
    tags: Tags | None = None


class LeadOut(BaseModel):
    lead_id: UUID
    exhibitor_id: UUID
    card_id: UUID
    event_id: UUID
    name: str = Field(description="As the card showed it when scanned (the contact fields are what the public card shows, no more)")
    org_name: str | None
    title: str | None
    email: str | None
    phone: str | None
    linkedin_url: str | None
    notes: str | None
    rating: Rating | None
    tags: list[str]
    captured_at: datetime


class ExhibitorRef(BaseModel):
    exhibitor_id: UUID
    event_id: UUID
    name: str


class LeadCounts(BaseModel):
    total: int
    hot: int
    warm: int
    cold: int
    unrated: int


class LeadsSummaryOut(BaseModel):
    exhibitor: ExhibitorRef
    leads: LeadCounts
