"""The audit log: recording who changed what, in each mutation's own transaction
(`record_change`), and reading it back for GET /api/v1/admin/audit-log (`list_audit_log`)."""

from __future__ import annotations

from typing import Any

from outreachpass.data import audit as audit_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.observability import correlation_id
from outreachpass.principal import Principal


def record_change(
    conn: Conn,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit_data.record(
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


def list_audit_log(
    principal: Principal,
    *,
    entity_type: str | None,
    entity_id: str | None,
    action: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    after = audit_data.AuditCursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        return audit_data.list_page(
            conn, principal.tenant_id, entity_type=entity_type, entity_id=entity_id, action=action, limit=limit, cursor=after
        )
