"""Where moto's Cognito differs from AWS in ways a person using the local stack would notice,
and the few reads of moto's user records the local front door needs.

moto runs in this process (local.aws.MotoServer), so its backend objects are ours to read
and, for these rules, to wrap:

- **App client write permissions.** AWS refuses `UpdateUserAttributes` of an attribute the
  app client may not write (stacks/auth.py lets the console's client write only `name`), so
  a user cannot rewrite their own `custom:role` or `custom:tenant_id`. moto writes anything.
- **The invitation.** AWS e-mails an invited user (AdminCreateUser without
  `MessageAction=SUPPRESS`) a temporary password it generates; moto generates none and
  sends nothing. Here a temporary password is generated and the invitation is handed to a
  listener of the pool (the local stack mails it through SES, so it shows in /_local/mail).

`install()` is idempotent and changes nothing for pools or clients that do not configure
these settings. Everything here is pinned to moto 5.2's model objects (requirements-dev.txt);
`tests/integration/test_local_cognito.py` fails first if a moto upgrade moves them.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.config import ACCOUNT_ID
from local.state import generate_password

log = logging.getLogger("local.moto_cognito")

# pool id -> callback(email, username, temporary_password)
InvitationListener = Callable[[str, str, str], None]
_listeners: dict[str, InvitationListener] = {}
_lock = threading.Lock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from moto.cognitoidp.models import CognitoIdpBackend

        CognitoIdpBackend.update_user_attributes = _checked_update_user_attributes(CognitoIdpBackend.update_user_attributes)  # type: ignore[method-assign]
        CognitoIdpBackend.admin_create_user = _inviting_admin_create_user(CognitoIdpBackend.admin_create_user)  # type: ignore[method-assign]
        _installed = True


def on_invitation(user_pool_id: str, listener: InvitationListener | None) -> None:
    """Call `listener` for each invitation of this pool (None stops)."""
    with _lock:
        if listener is None:
            _listeners.pop(user_pool_id, None)
        else:
            _listeners[user_pool_id] = listener


def _checked_update_user_attributes(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def update_user_attributes(self: Any, access_token: str, attributes: list[dict[str, str]]) -> Any:
        from moto.cognitoidp.exceptions import NotAuthorizedError

        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                client = pool.clients.get(client_id)
                writable = client.extended_config.get("WriteAttributes") if client is not None else None
                if writable is not None and any(a.get("Name") not in writable for a in attributes):
                    raise NotAuthorizedError("A client attempted to write unauthorized attribute")
                break
        return original(self, access_token, attributes)

    return update_user_attributes


def _inviting_admin_create_user(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def admin_create_user(
        self: Any, user_pool_id: str, username: str, message_action: str, temporary_password: str, attributes: list[dict[str, str]]
    ) -> Any:
        invite = message_action != "SUPPRESS"
        if invite and not temporary_password:
            temporary_password = generate_password()
        user = original(self, user_pool_id, username, message_action, temporary_password, attributes)
        with _lock:
            listener = _listeners.get(user_pool_id)
        if invite and listener is not None:
            email = user.attribute_lookup.get("email") or username
            try:
                listener(email, username, temporary_password)
            except Exception:  # the account exists either way, as in AWS when a mail bounces
                log.exception("the invitation of %s could not be sent", email)
        return user

    return admin_create_user


# --- reads for the front door (local.cognito_proxy) --------------------------------------------


@dataclass(frozen=True)
class PoolUserRecord:
    username: str  # Cognito's own username (the sub, in a pool that signs in by e-mail)
    password: str | None
    enabled: bool
    status: str  # FORCE_CHANGE_PASSWORD, CONFIRMED, ...
    attributes: dict[str, str]


def _backend(region: str) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[ACCOUNT_ID][region]


def find_user(region: str, user_pool_id: str, username: str) -> PoolUserRecord | None:
    """The user signing in as `username` (the username, or the e-mail alias), or None."""
    pool = _backend(region).user_pools.get(user_pool_id)
    user = pool._get_user(username) if pool is not None and username else None
    if user is None:
        return None
    status = user.status.value if hasattr(user.status, "value") else str(user.status)
    return PoolUserRecord(user.username, user.password, bool(user.enabled), status, dict(user.attribute_lookup))


def check_password_policy(region: str, user_pool_id: str, password: str) -> None:
    """Raise moto's InvalidPasswordException when the pool's policy refuses `password`."""
    _backend(region)._validate_password(user_pool_id, password)


def set_password(region: str, user_pool_id: str, username: str, password: str) -> None:
    """A confirmed forgotten-password reset: the new password, the account confirmed."""
    from moto.cognitoidp.models import UserStatus

    user = _backend(region).admin_get_user(user_pool_id, username)
    user.password = password
    user.status = UserStatus.CONFIRMED


def revoke_refresh_token(region: str, user_pool_id: str, client_id: str, token: str) -> bool:
    """RevokeToken (moto has none): the refresh token and the tokens made from it stop working.

    False when the token is not a refresh token of that client (AWS then answers 200 too,
    except for a wrong client)."""
    pool = _backend(region).user_pools.get(user_pool_id)
    if pool is None:
        return False
    found = pool.refresh_tokens.get(token)
    if not found or found[0] != client_id:
        return False
    import jwt

    _, _, origin_jti = found
    pool.refresh_tokens[token] = None
    for access_token in list(pool.access_tokens):
        claims = jwt.decode(access_token, options={"verify_signature": False})
        if claims.get("origin_jti") == origin_jti:
            pool.access_tokens.pop(access_token, None)
    return True
