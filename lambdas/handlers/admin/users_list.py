"""GET /api/v1/admin/users: the tenant's staff, newest first, optionally by role or status."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import current_principal, http_handler, new_router, page
from outreachpass.data.pagination import DEFAULT_LIMIT, MAX_LIMIT
from outreachpass.models.envelope import Page
from outreachpass.models.users import UserOut, UserRole, UserStatus
from outreachpass.services.users import list_users

router = new_router()


@router.get("/api/v1/admin/users")
def users_list(
    role: Annotated[UserRole | None, Query()] = None,
    status: Annotated[UserStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[Page[UserOut]]:
    items, next_cursor = list_users(current_principal(), role=role, status=status, limit=limit, cursor=cursor)
    return page(items, next_cursor)


handler = http_handler(router, roles=("admin",))
