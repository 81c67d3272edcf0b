"""The audit trail: one row per mutation, written in the same transaction as the change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from outreachpass.jsonutil import to_jsonable


def record(
    conn: psycopg.Connection,
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
