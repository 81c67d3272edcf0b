"""POST /api/v1/admin/users: invite a user (Cognito account with custom:tenant_id and custom:role,
invitation e-mail with a temporary password, and the users row); 409 USER_EMAIL_TAKEN. An exhibitor
user names its exhibitor; a `user` may invite exhibitor users only (403 EXHIBITOR_INVITES_ONLY)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import created, current_principal, http_handler, new_router
from outreachpass.models.envelope import Envelope
from outreachpass.models.users import UserInvite, UserOut
from outreachpass.services.users import invite_user

router = new_router()


@router.post("/api/v1/admin/users", status_code=201)
def users_invite(body: UserInvite) -> Response[Envelope[UserOut]]:
    user = invite_user(current_principal(), body)
    return created(user, location=f"/api/v1/admin/users/{user['user_id']}")


handler = http_handler(router, roles=("admin", "user"))
