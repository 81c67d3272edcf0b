"""Users: the tenant's staff. Each is a row in `users` and an account in the Cognito user pool
whose `custom:tenant_id` and `custom:role` become the claims of every admin request.

The database row and the Cognito account change together: the Cognito call runs inside
the database transaction, so a Cognito failure rolls the row back; if the commit fails
after Cognito changed, the Cognito change is undone (best effort, logged when it cannot
be).

A role change or a disable takes effect on the caller's next request: every request checks the
stored role and status (principal.RequestCaller), whatever its token says. Cognito follows too:
a disable or a demotion signs the user out everywhere (refresh tokens revoked), so the next
token it gets carries the new role, or it gets none. Nobody gives a role above their own.

Exhibitor users work for one exhibitor (`exhibitor_id`, required with that role, refused with
the others): their events and leads are that exhibitor's. Admins invite anyone; a `user` (an
editor, who creates the exhibitors) may invite exhibitor users and nobody else
(docs/decisions.md). Changing a user's role away from exhibitor drops its exhibitor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import exhibitors as exhibitors_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, Forbidden, NotFound, Unprocessable, ValidationFailed
from outreachpass.integrations.cognito import PoolUser, UserDirectory
from outreachpass.models.users import UserInvite, UserUpdate
from outreachpass.principal import ROLE_RANK, Principal, caller_state
from outreachpass.services.audit import record_change

log = logging.getLogger(__name__)


def list_users(
    principal: Principal, *, role: str | None, status: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    after = Cursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        return users_data.list_page(conn, principal.tenant_id, role=role, status=status, limit=limit, cursor=after)


def invite_user(principal: Principal, request: UserInvite, *, directory: UserDirectory | None = None) -> dict[str, Any]:
    """Create the users row and the Cognito account (Cognito e-mails the invitation with a
    temporary password). An address already used in this tenant is 409 USER_EMAIL_TAKEN; so is
    one that has an account in another tenant (the pool signs in by e-mail)."""
    _check_exhibitor_field(request.role, request.exhibitor_id, required=True)
    directory = directory or UserDirectory.from_settings()
    undo: list[Callable[[], None]] = []
    try:
        with tenant_tx(principal.tenant_id) as conn:
            _no_higher_than_caller(request.role)
            _editors_invite_exhibitors_only(request.role)
            if request.exhibitor_id is not None:
                _check_exhibitor_exists(conn, principal.tenant_id, request.exhibitor_id)
            try:
                with conn.transaction():
                    user = users_data.insert(
                        conn,
                        principal.tenant_id,
                        {"email": request.email, "full_name": request.full_name, "role": request.role, "status": "invited",
                         "exhibitor_id": request.exhibitor_id},
                    )
            except psycopg.errors.UniqueViolation as exc:
                if exc.diag.constraint_name == users_data.EMAIL_CONSTRAINT:
                    raise _email_taken(request.email) from exc
                raise
            account = _create_or_adopt(directory, principal.tenant_id, request, undo)
            user = held(users_data.update(conn, principal.tenant_id, user["user_id"], {"cognito_sub": account.sub}))
            record_change(conn, principal, action="user.invite", entity_type="user", entity_id=user["user_id"], before=None, after=user)
    except BaseException:
        _run(undo)
        raise
    return user


def update_user(principal: Principal, user_id: UUID, request: UserUpdate, *, directory: UserDirectory | None = None) -> dict[str, Any]:
    """Change role (the Cognito attribute too), disable (AdminDisableUser, sign-out everywhere),
    re-enable (status "active"), or rename. A tenant always keeps one admin that is not disabled."""
    requested = request.model_dump(exclude_unset=True)
    for field in ("role", "status"):
        if field in requested and requested[field] is None:
            raise ValidationFailed.field(field, "may not be null")
    undo: list[Callable[[], None]] = []
    try:
        with tenant_tx(principal.tenant_id) as conn:
            # Admins first, in one order for every caller (no deadlock between two demotions),
            # then the user: a concurrent demotion is seen before deciding who is the last admin.
            admins = users_data.lock_enabled_admins(conn, principal.tenant_id) if requested.keys() & {"role", "status"} else []
            before = users_data.get(conn, principal.tenant_id, user_id, for_update=True)
            if before is None:
                raise NotFound("user", user_id)
            changes = {key: value for key, value in requested.items() if before[key] != value}
            if changes.get("status") == "active" and before["status"] == "invited":
                changes.pop("status")  # enabling an invited user leaves it invited
            _exhibitor_follows_role(before, requested, changes)
            if not changes:
                return before
            if "role" in changes:
                _no_higher_than_caller(changes["role"])
            if changes.get("exhibitor_id") is not None:
                _check_exhibitor_exists(conn, principal.tenant_id, changes["exhibitor_id"])
            _keep_an_admin(admins, before, changes)
            after = held(users_data.update(conn, principal.tenant_id, user_id, changes))
            _apply_to_pool(directory, principal.tenant_id, before, changes, undo)
            action = "user.disable" if changes.get("status") == "disabled" else "user.update"
            record_change(conn, principal, action=action, entity_type="user", entity_id=user_id, before=before, after=after)
    except BaseException:
        _run(undo)
        raise
    return after


# --- rules ----------------------------------------------------------------------------------------


def _no_higher_than_caller(role: str) -> None:
    """The stored role of the caller (not its token's) bounds the roles it may give."""
    caller_role = caller_state().role
    if ROLE_RANK[role] > ROLE_RANK[caller_role]:
        raise Forbidden(f"A '{caller_role}' may not give the '{role}' role", code="ROLE_ABOVE_CALLER")


def _editors_invite_exhibitors_only(role: str) -> None:
    """A `user` creates the exhibitors of its events and invites their staff; the tenant's own
    staff (users, admins) are an admin's to invite."""
    caller_role = caller_state().role
    if caller_role != "admin" and role != "exhibitor":
        raise Forbidden(f"A '{caller_role}' may invite exhibitor users only; ask an admin", code="EXHIBITOR_INVITES_ONLY")


def _check_exhibitor_field(role: str, exhibitor_id: UUID | None, *, required: bool) -> None:
    if role == "exhibitor" and exhibitor_id is None and required:
        raise ValidationFailed.field("exhibitor_id", "required with the exhibitor role: the exhibitor this user works for")
    if role != "exhibitor" and exhibitor_id is not None:
        raise ValidationFailed.field("exhibitor_id", f"only exhibitor users belong to an exhibitor, not a '{role}'")


def _exhibitor_follows_role(before: dict[str, Any], requested: dict[str, Any], changes: dict[str, Any]) -> None:
    """The exhibitor of a PATCH: required when the user becomes (or stays, and it is named) an
    exhibitor, refused for the other roles, dropped when the user stops being an exhibitor."""
    role = changes.get("role", before["role"])
    if role != "exhibitor":
        _check_exhibitor_field(role, requested.get("exhibitor_id"), required=False)
        if before["exhibitor_id"] is not None:
            changes["exhibitor_id"] = None
        return
    named = "exhibitor_id" in requested
    _check_exhibitor_field(role, requested.get("exhibitor_id") if named else before["exhibitor_id"],
                           required="role" in changes or named)


def _check_exhibitor_exists(conn: Conn, tenant_id: UUID, exhibitor_id: UUID) -> None:
    if exhibitors_data.get(conn, tenant_id, exhibitor_id) is None:
        raise Unprocessable(f"Exhibitor {exhibitor_id} does not exist in this organisation", code="EXHIBITOR_NOT_FOUND")


def _keep_an_admin(admins: list[UUID], before: dict[str, Any], changes: dict[str, Any]) -> None:
    """`admins`: the tenant's admins that are not disabled, locked by this transaction."""
    was_admin = before["role"] == "admin" and before["status"] != "disabled"
    stays_admin = changes.get("role", before["role"]) == "admin" and changes.get("status", before["status"]) != "disabled"
    others = [admin for admin in admins if admin != before["user_id"]]
    if was_admin and not stays_admin and not others:
        raise Unprocessable("This is the organisation's last admin: make another user admin first", code="LAST_ADMIN")


def _create_or_adopt(directory: UserDirectory, tenant_id: UUID, request: UserInvite, undo: list[Callable[[], None]]) -> PoolUser:
    """A new Cognito account; or the existing account of this address when it already belongs to
    this tenant without a users row (a row deleted by hand, an invite whose commit failed)."""
    try:
        account = directory.create_user(request.email, tenant_id=str(tenant_id), role=request.role)
    except Conflict:
        existing = directory.find_user(request.email)
        if existing is None or existing.tenant_id != str(tenant_id):
            raise _email_taken(request.email) from None
        directory.set_attributes(existing.sub, role=request.role)
        if existing.role is not None:
            undo.append(lambda: directory.set_attributes(existing.sub, role=existing.role))
        log.info("invite adopted an existing account of this tenant")
        return existing
    undo.append(lambda: directory.delete_user(account.sub))
    return account


def _apply_to_pool(
    directory: UserDirectory | None, tenant_id: UUID, before: dict[str, Any], changes: dict[str, Any], undo: list[Callable[[], None]]
) -> None:
    if "role" not in changes and "status" not in changes:
        return  # a rename is ours alone
    directory = directory or UserDirectory.from_settings()
    username = before["cognito_sub"] or before["email"]
    account = directory.find_user(username)
    if account is None:
        log.warning("user has no Cognito account; only the database changes", extra={"user_id": str(before["user_id"])})
        return
    if account.tenant_id != str(tenant_id):
        # Never touch an account another tenant's claims come from.
        log.error("users row and Cognito account disagree on the tenant", extra={"user_id": str(before["user_id"])})
        raise Conflict("This user's account belongs to another organisation", code="USER_TENANT_MISMATCH")
    if "role" in changes:
        directory.set_attributes(account.sub, role=changes["role"])
        undo.append(lambda: directory.set_attributes(account.sub, role=before["role"]))
    if changes.get("status") == "disabled":
        directory.disable(account.sign_in_name)  # signs out everywhere too
        undo.append(lambda: directory.enable(account.sign_in_name))
    elif ROLE_RANK[changes.get("role", before["role"])] < ROLE_RANK[before["role"]]:
        # A demotion: its refresh tokens would mint tokens with the old role's claim until
        # they expire; the next sign-in gets the new one. (Not undoable; harmless if the
        # commit fails: the user signs in again.)
        directory.sign_out(account.sign_in_name)
    elif changes.get("status") == "active":
        directory.enable(account.sub)
        undo.append(lambda: directory.disable(account.sub))


def _email_taken(email: str) -> Conflict:
    return Conflict(f"A user with email {email} already exists", code="USER_EMAIL_TAKEN")


def _run(undo: list[Callable[[], None]]) -> None:
    for step in reversed(undo):
        try:
            step()
        except Exception:
            log.exception("could not undo a user directory change after a failed update; fix the account by hand")
