"""GET /api/v1/admin/audit-log: who changed what, newest first; filter by entity_type, entity_id, action."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.audit import AuditEntryOut
from outreachpass.models.envelope import Page
from outreachpass.services.audit import list_audit_log

router = new_router()


@router.get("/api/v1/admin/audit-log")
def audit_log_list(
    entity_type: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    entity_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[AuditEntryOut]]:
    items, next_cursor = list_audit_log(
        current_principal(), entity_type=entity_type, entity_id=entity_id, action=action, limit=limit, cursor=cursor
    )
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin",))
