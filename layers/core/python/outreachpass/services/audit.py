"""Recording who changed what, in the caller's transaction."""

from __future__ import annotations

from typing import Any

import psycopg

from outreachpass.data import audit
from outreachpass.observability import correlation_id
from outreachpass.principal import Principal


def record_change(
    conn: psycopg.Connection,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        conn,
        tenant_id=principal.tenant_id,
        actor_sub=principal.subject,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        correlation_id=correlation_id(),
    )
