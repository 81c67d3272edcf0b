"""Reading the audit trail (writing it is services.audit.record_change, in each mutation's transaction)."""

from __future__ import annotations

from typing import Any

from outreachpass.data import audit as audit_data
from outreachpass.db.connection import tenant_tx
from outreachpass.principal import Principal


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
