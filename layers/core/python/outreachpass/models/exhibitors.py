"""Exhibitors: a sponsor or booth at one event, whose staff capture leads."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from outreachpass.models.common import Name, RequestModel, StaffEmail


class ExhibitorCreate(RequestModel):
    name: Name
    contact_email: StaffEmail | None = Field(default=None, description="The sponsor's contact address (for organisers; never shown publicly)")


class ExhibitorUpdate(RequestModel):
    """PATCH: only the fields sent change; null clears the contact address (the name cannot be cleared)."""

    name: Name | None = None
    contact_email: StaffEmail | None = None


class ExhibitorOut(BaseModel):
    exhibitor_id: UUID
    event_id: UUID
    name: str
    contact_email: str | None
    created_at: datetime
    updated_at: datetime
