"""PATCH /api/v1/admin/users/{user_id}: change role (the Cognito attribute too), disable or re-enable, rename."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.models.users import UserOut, UserUpdate
from outreachpass.services.users import update_user

router = new_router()


@router.patch("/api/v1/admin/users/<user_id>")
def users_update(user_id: UUID, body: UserUpdate) -> Response[Envelope[UserOut]]:
    return ok(update_user(current_principal(), user_id, body))


handler = http_handler(router, roles=("admin",))
