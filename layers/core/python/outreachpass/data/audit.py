"""The audit trail: one row per mutation, written in the same transaction as the change."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn
from outreachpass.data.sql import keyset_page
from outreachpass.errors import ValidationFailed
from outreachpass.jsonutil import to_jsonable


def record(
    conn: Conn,
    *,
    tenant_id: UUID,
    actor_sub: str | None,
    action: str,
    entity_type: str,
    entity_id: UUID | str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    correlation_id: str | None,
) -> None:
    conn.execute(
        """
        INSERT INTO audit_log (tenant_id, actor_sub, action, entity_type, entity_id, before, after, correlation_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            tenant_id,
            actor_sub,
            action,
            entity_type,
            str(entity_id) if entity_id is not None else None,
            Jsonb(to_jsonable(before)) if before is not None else None,
            Jsonb(to_jsonable(after)) if after is not None else None,
            correlation_id,
        ),
    )


@dataclass(frozen=True)
class AuditCursor:
    """Keyset position in the trail, newest first: (occurred_at, audit_id) of the last entry shown."""

    occurred_at: datetime
    audit_id: int

    def encode(self) -> str:
        raw = json.dumps([self.occurred_at.isoformat(), self.audit_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> AuditCursor | None:
        if not token:
            return None
        try:
            padded = token + "=" * (-len(token) % 4)
            occurred_at, audit_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(audit_id, int) or isinstance(audit_id, bool):
                raise TypeError("audit id")
            return cls(datetime.fromisoformat(occurred_at), audit_id)
        except (ValueError, TypeError, binascii.Error):
            raise ValidationFailed.field("cursor", "not a cursor this API returned") from None


LIST_COLUMNS = (
    "a.audit_id, a.occurred_at, a.actor_sub, coalesce(a.actor_user_id, u.user_id) AS actor_user_id,"
    " u.email AS actor_email, a.action, a.entity_type, a.entity_id, a.before, a.after, a.correlation_id"
)


def list_page(
    conn: Conn,
    tenant_id: UUID,
    *,
    entity_type: str | None,
    entity_id: str | None,
    action: str | None,
    limit: int,
    cursor: AuditCursor | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The tenant's trail, newest first, with the actor's user row when the subject has one."""
    return keyset_page(
        conn,
        columns=LIST_COLUMNS,
        source="audit_log a LEFT JOIN users u ON u.tenant_id = a.tenant_id AND u.cognito_sub = a.actor_sub",
        equals={"a.tenant_id": tenant_id, "a.entity_type": entity_type, "a.entity_id": entity_id, "a.action": action},
        order=("a.occurred_at", "a.audit_id"),
        after=(cursor.occurred_at, cursor.audit_id) if cursor else None,
        limit=limit,
        cursor_of=lambda row: AuditCursor(row["occurred_at"], row["audit_id"]).encode(),
    )
