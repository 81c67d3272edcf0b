"""Audit log entries as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    audit_id: int
    occurred_at: datetime
    actor_sub: str | None
    actor_user_id: UUID | None  # the users row of the actor, when there is one
    actor_email: str | None
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    correlation_id: str | None
