"""Exhibitors: the sponsors and booths of an event. Editors create them and invite their staff
(users with the `exhibitor` role and this exhibitor, services/users.py); the staff capture
leads (services/leads.py) and see nothing else of the tenant.

Deleting an exhibitor deletes its leads (they are the sponsor's, captured for this event) and
detaches its users: they keep their accounts, see no event and capture nothing until an admin
gives them another exhibitor or disables them. The audit entry says how many of each it took.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import events as events_data
from outreachpass.data import exhibitors as exhibitors_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ValidationFailed
from outreachpass.models.exhibitors import ExhibitorCreate, ExhibitorUpdate
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change


def create_exhibitor(principal: Principal, event_id: UUID, request: ExhibitorCreate) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        if events_data.get(conn, principal.tenant_id, event_id) is None:
            raise NotFound("event", event_id)
        exhibitor = exhibitors_data.insert(
            conn,
            principal.tenant_id,
            {
                "event_id": event_id,
                "name": request.name,
                "contact_email": request.contact_email,
                "created_by": users_data.user_id_for_subject(conn, principal.tenant_id, principal.subject),
            },
        )
        record_change(conn, principal, action="exhibitor.create", entity_type="exhibitor", entity_id=exhibitor["exhibitor_id"],
                      before=None, after=exhibitor)
    return exhibitor


def list_exhibitors(principal: Principal, event_id: UUID, *, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    after = Cursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        if events_data.get(conn, principal.tenant_id, event_id) is None:
            raise NotFound("event", event_id)
        return exhibitors_data.list_page(conn, principal.tenant_id, event_id, limit=limit, cursor=after)


def get_exhibitor(principal: Principal, exhibitor_id: UUID) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        return existing(conn, principal.tenant_id, exhibitor_id)


def update_exhibitor(principal: Principal, exhibitor_id: UUID, request: ExhibitorUpdate) -> dict[str, Any]:
    changes = request.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise ValidationFailed.field("name", "may not be null")
    with tenant_tx(principal.tenant_id) as conn:
        before = existing(conn, principal.tenant_id, exhibitor_id, for_update=True)
        changes = {key: value for key, value in changes.items() if before[key] != value}
        if not changes:
            return before
        after = held(exhibitors_data.update(conn, principal.tenant_id, exhibitor_id, changes))
        record_change(conn, principal, action="exhibitor.update", entity_type="exhibitor", entity_id=exhibitor_id,
                      before=before, after=after)
    return after


def delete_exhibitor(principal: Principal, exhibitor_id: UUID) -> None:
    with tenant_tx(principal.tenant_id) as conn:
        before = existing(conn, principal.tenant_id, exhibitor_id, for_update=True)
        taken = exhibitors_data.dependants(conn, principal.tenant_id, exhibitor_id)
        exhibitors_data.delete(conn, principal.tenant_id, exhibitor_id)
        record_change(conn, principal, action="exhibitor.delete", entity_type="exhibitor", entity_id=exhibitor_id,
                      before={**before, "leads_deleted": taken["leads"], "users_detached": taken["users"]}, after=None)


def existing(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, *, for_update: bool = False) -> dict[str, Any]:
    exhibitor = exhibitors_data.get(conn, tenant_id, exhibitor_id, for_update=for_update)
    if exhibitor is None:
        raise NotFound("exhibitor", exhibitor_id)
    return exhibitor
