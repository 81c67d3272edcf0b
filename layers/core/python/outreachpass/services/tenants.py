"""Tenant onboarding and lifecycle, for the platform team (ops/tenants.py is the command).

Unlike the request services these run across tenants, on a connection the caller opens with
owner (master) credentials; each operation is one transaction acting as the owner role. The
Cognito account of a new tenant's first admin is created inside that transaction and deleted
again if the transaction fails, so a failed onboarding leaves neither rows nor an account.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import audit as audit_data
from outreachpass.data import brands as brands_data
from outreachpass.data import tenants as tenants_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.errors import Conflict, NotFound
from outreachpass.integrations.cognito import PoolUser, UserDirectory, UserNotInPool
from outreachpass.models.brands import Theme
from outreachpass.models.tenants import TenantCreate

STATUSES = ("active", "disabled")


def default_brand_key(name: str) -> str:
    """"Acme Events GmbH" -> ACME_EVENTS_GMBH (the brand key rule: 2-40 of A-Z, 0-9, _)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^A-Z0-9]+", "_", ascii_name.upper()).strip("_")[:40].rstrip("_")
    return key if len(key) >= 2 else "MAIN"


def create_tenant(
    conn: Conn,
    directory: UserDirectory,
    request: TenantCreate,
    *,
    actor: str = "platform",
    send_invitation: bool = True,
) -> dict[str, Any]:
    """The tenant, its default brand and its first admin (users row + Cognito account with
    custom:tenant_id and custom:role=admin). With `request.password` the admin signs in with it
    at once; otherwise Cognito e-mails an invitation (when `send_invitation`)."""
    brand_key = request.brand_key or default_brand_key(request.name)
    account: PoolUser | None = None
    try:
        with conn.transaction():
            tenants_data.act_as_owner(conn)
            try:
                with conn.transaction():
                    tenant = tenants_data.insert(conn, name=request.name, tenant_key=request.tenant_key)
            except psycopg.errors.UniqueViolation as exc:
                if exc.diag.constraint_name == tenants_data.TENANT_KEY_CONSTRAINT:
                    raise Conflict(f"A tenant with key '{request.tenant_key}' already exists", code="TENANT_KEY_TAKEN") from exc
                raise
            tenant_id = tenant["tenant_id"]
            brand = brands_data.insert(
                conn,
                tenant_id,
                {"brand_key": brand_key, "display_name": request.name, "theme_json": Theme().model_dump(), "features_json": {}},
            )
            admin = users_data.insert(
                conn,
                tenant_id,
                {
                    "email": request.admin_email,
                    "full_name": request.admin_name,
                    "role": "admin",
                    "status": "active" if request.password else "invited",
                },
            )
            account = directory.create_user(
                request.admin_email, tenant_id=str(tenant_id), role="admin", password=request.password, send_invitation=send_invitation
            )
            admin = held(users_data.update(conn, tenant_id, admin["user_id"], {"cognito_sub": account.sub}))
            audit_data.record(
                conn,
                tenant_id=tenant_id,
                actor_sub=actor,
                action="tenant.create",
                entity_type="tenant",
                entity_id=tenant_id,
                before=None,
                after={"tenant": tenant, "brand": brand, "admin": admin},
                correlation_id=None,
            )
    except BaseException:
        if account is not None:
            directory.delete_user(account.sub)
        raise
    return {
        "tenant_id": tenant_id,
        "name": tenant["name"],
        "tenant_key": tenant["tenant_key"],
        "status": tenant["status"],
        "brand_id": brand["brand_id"],
        "brand_key": brand["brand_key"],
        "admin_user_id": admin["user_id"],
        "admin_email": admin["email"],
        "admin_sub": account.sub,
        "admin_status": admin["status"],
    }


def list_tenants(conn: Conn, *, status: str | None = None) -> list[dict[str, Any]]:
    with conn.transaction():
        tenants_data.act_as_owner(conn)
        return tenants_data.list_all(conn, status=status)


def set_tenant_status(
    conn: Conn, directory: UserDirectory, tenant_id: UUID, status: str, *, actor: str = "platform"
) -> dict[str, Any]:
    """Disable (or enable again) a tenant: its public cards, tracking and wallet routes go dark
    (the resolvers ignore disabled tenants) and the Cognito accounts of its users are disabled
    (signed out everywhere), so nobody signs in again. Enabling re-enables the accounts of users
    that are not disabled themselves. Idempotent: running it again re-applies it to Cognito."""
    if status not in STATUSES:
        raise ValueError(f"status is one of {STATUSES}")
    with conn.transaction():
        tenants_data.act_as_owner(conn)
        before = tenants_data.get(conn, tenant_id, for_update=True)
        if before is None:
            raise NotFound("tenant", tenant_id)
        after = held(tenants_data.set_status(conn, tenant_id, status))
        accounts = 0
        for user in users_data.all_of_tenant(conn, tenant_id):
            if user["status"] == "disabled" or not user["cognito_sub"]:
                continue  # a disabled user stays disabled whatever the tenant's status
            account = directory.find_user(user["cognito_sub"])
            if account is None:
                continue
            try:
                if status == "disabled":
                    directory.disable(account.sign_in_name)
                else:
                    directory.enable(account.sign_in_name)
            except UserNotInPool:
                continue
            accounts += 1
        if before["status"] != status:
            audit_data.record(
                conn,
                tenant_id=tenant_id,
                actor_sub=actor,
                action=f"tenant.{'disable' if status == 'disabled' else 'enable'}",
                entity_type="tenant",
                entity_id=tenant_id,
                before=before,
                after=after,
                correlation_id=None,
            )
    return {**after, "accounts_changed": accounts}
