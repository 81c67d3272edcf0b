"""Audit log entries as the API shows them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from outreachpass.models.bounded_json import NullableStoredSnapshot


class AuditEntryOut(BaseModel):
    audit_id: int
    occurred_at: datetime
    actor_sub: str | None
    actor_user_id: UUID | None  # the users row of the actor, when there is one
    actor_email: str | None
    action: str
    entity_type: str
    entity_id: str | None
    before: NullableStoredSnapshot
    after: NullableStoredSnapshot
    correlation_id: str | None
