"""DELETE /api/v1/admin/exhibitors/{exhibitor_id}: delete the exhibitor and its leads; its users keep
their accounts but lose the exhibitor (they see nothing until given another). 204 No Content."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router
from outreachpass.services.exhibitors import delete_exhibitor

router = new_router()


@router.delete("/api/v1/admin/exhibitors/<exhibitor_id>", status_code=204)
def exhibitors_delete(exhibitor_id: UUID):  # type: ignore[no-untyped-def]  # 204: no body to describe
    delete_exhibitor(current_principal(), exhibitor_id)
    return Response(status_code=204, body="")


handler = http_handler(router, roles=("admin", "user"))
