"""The Cognito user pool as OutreachPass uses it: staff accounts carrying `custom:tenant_id`
and `custom:role`, which the JWT authorizer turns into the claims every admin route reads.

`UserDirectory` wraps the few admin operations we need and turns Cognito's errors into
our errors (409 for an address that already has an account, 400 for a password the pool's
policy refuses, 503 when Cognito is throttling or away), so callers never see botocore.

The pool signs in by e-mail (UsernameAttributes=email): Cognito's real username is the
user's `sub`; the admin API accepts either the sub or the e-mail address. We address users
by sub when we know it.

Nothing is imported or created at import time (boto3 loads on first use).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from outreachpass.errors import AppError, Conflict, ServiceUnavailable, ValidationFailed

log = logging.getLogger(__name__)
T = TypeVar("T")

TENANT_ATTRIBUTE = "custom:tenant_id"
ROLE_ATTRIBUTE = "custom:role"


class UserNotInPool(AppError):
    """The pool has no such user (an internal signal; callers decide what it means)."""

    status = 404
    code = "USER_NOT_FOUND"


@dataclass(frozen=True)
class PoolUser:
    username: str
    sub: str
    email: str | None
    tenant_id: str | None
    role: str | None
    enabled: bool
    status: str  # Cognito's UserStatus: FORCE_CHANGE_PASSWORD, CONFIRMED, ...

    @property
    def sign_in_name(self) -> str:
        """The name the user signs in with (the e-mail alias), for calls about its sessions:
        Cognito revokes a session whichever name the call gives; moto only by the name the
        session was opened with."""
        return self.email or self.username


class UserDirectory:
    def __init__(self, client: Any, user_pool_id: str):
        if not user_pool_id:
            raise RuntimeError("no user pool configured: the function needs Needs(cognito_admin=True) (USER_POOL_ID)")
        self.client = client
        self.user_pool_id = user_pool_id

    @classmethod
    def from_settings(cls) -> UserDirectory:
        """The pool of this stage (USER_POOL_ID), through the container's cached client."""
        from outreachpass.config import settings
        from outreachpass.integrations.aws import client

        return cls(client("cognito-idp"), settings().user_pool_id or "")

    # --- operations ---------------------------------------------------------------------------

    def create_user(
        self,
        email: str,
        *,
        tenant_id: str,
        role: str,
        password: str | None = None,
        send_invitation: bool = True,
    ) -> PoolUser:
        """Create a staff account. With `password` it is set as permanent (the user signs in with
        it at once, no e-mail); otherwise Cognito e-mails an invitation with a temporary password
        when `send_invitation`, which the user changes at first sign-in."""
        request: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "Username": email,
            "UserAttributes": [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": TENANT_ATTRIBUTE, "Value": str(tenant_id)},
                {"Name": ROLE_ATTRIBUTE, "Value": role},
            ],
        }
        if password is not None or not send_invitation:
            request["MessageAction"] = "SUPPRESS"
        else:
            request["DesiredDeliveryMediums"] = ["EMAIL"]
        created = self._call("AdminCreateUser", lambda: self.client.admin_create_user(**request))
        user = _pool_user(created["User"])
        if password is not None:
            try:
                self.set_password(user.sub, password)
            except AppError:
                self.delete_user(user.sub)  # no half-made account with a password nobody knows
                raise
        return user

    def get_user(self, username: str) -> PoolUser:
        found = self._call("AdminGetUser", lambda: self.client.admin_get_user(UserPoolId=self.user_pool_id, Username=username))
        return _pool_user(found)

    def find_user(self, username: str) -> PoolUser | None:
        try:
            return self.get_user(username)
        except UserNotInPool:
            return None

    def set_password(self, username: str, password: str) -> None:
        self._call(
            "AdminSetUserPassword",
            lambda: self.client.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
            ),
        )

    def set_attributes(self, username: str, *, tenant_id: str | None = None, role: str | None = None) -> None:
        attributes = []
        if tenant_id is not None:
            attributes.append({"Name": TENANT_ATTRIBUTE, "Value": str(tenant_id)})
        if role is not None:
            attributes.append({"Name": ROLE_ATTRIBUTE, "Value": role})
        if attributes:
            self._call(
                "AdminUpdateUserAttributes",
                lambda: self.client.admin_update_user_attributes(
                    UserPoolId=self.user_pool_id, Username=username, UserAttributes=attributes
                ),
            )

    def disable(self, username: str) -> None:
        """No more sign-ins, and refresh tokens revoked. Id tokens already issued stay valid for
        the JWT authorizer until they expire (at most an hour); the API refuses them anyway, as
        it checks every caller's stored status (principal.RequestCaller)."""
        self._call("AdminDisableUser", lambda: self.client.admin_disable_user(UserPoolId=self.user_pool_id, Username=username))
        self.sign_out(username)

    def sign_out(self, username: str) -> None:
        """Global sign-out: every refresh token of the user is revoked (and access tokens stop
        working with Cognito's own APIs)."""
        self._call(
            "AdminUserGlobalSignOut",
            lambda: self.client.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=username),
        )

    def enable(self, username: str) -> None:
        self._call("AdminEnableUser", lambda: self.client.admin_enable_user(UserPoolId=self.user_pool_id, Username=username))

    def delete_user(self, username: str) -> None:
        """Best effort (used to undo a creation whose database transaction failed)."""
        try:
            self._call("AdminDeleteUser", lambda: self.client.admin_delete_user(UserPoolId=self.user_pool_id, Username=username))
        except UserNotInPool:
            pass
        except AppError:
            log.exception("could not delete Cognito user %s after a failed creation; delete it by hand", username)

    # --- errors -------------------------------------------------------------------------------

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code == "UsernameExistsException":
                raise Conflict("This e-mail address already has an OutreachPass account", code="USER_EMAIL_TAKEN") from None
            if code == "UserNotFoundException":
                raise UserNotInPool("The user has no account in the user pool") from None
            if code == "InvalidPasswordException":
                raise ValidationFailed.field("password", message or "does not meet the password policy") from None
            if code == "InvalidParameterException":
                log.warning("cognito refused parameters", extra={"operation": operation, "cognito_error": message})
                raise ValidationFailed(f"The user directory refused the request: {message}") from None
            log.warning("cognito call failed", extra={"operation": operation, "cognito_error": code})
            raise ServiceUnavailable("The user directory is unavailable, please retry shortly", code="USER_DIRECTORY_UNAVAILABLE") from None
        except BotoCoreError as exc:
            log.warning("cognito unreachable", extra={"operation": operation, "error": type(exc).__name__})
            raise ServiceUnavailable("The user directory is unavailable, please retry shortly", code="USER_DIRECTORY_UNAVAILABLE") from None


def _pool_user(user: dict[str, Any]) -> PoolUser:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes") or user.get("UserAttributes") or []}
    return PoolUser(
        username=user["Username"],
        sub=attributes.get("sub") or user["Username"],
        email=attributes.get("email"),
        tenant_id=attributes.get(TENANT_ATTRIBUTE),
        role=attributes.get(ROLE_ATTRIBUTE),
        enabled=bool(user.get("Enabled", True)),
        status=user.get("UserStatus", ""),
    )
