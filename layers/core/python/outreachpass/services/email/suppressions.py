"""The tenant's email suppression list: addresses that hard-bounced, complained or unsubscribed
are never mailed again by that tenant (a later send skips them and counts them as suppressed),
and the organisers' view of it (GET/POST /api/v1/admin/suppressions, DELETE .../{email}).

Addresses are stored lower-cased. The list is per tenant: one tenant's complaint does not
silence another tenant's mail (SES's account-level suppression list, enabled on the
configuration sets, still protects the account as a whole). An address removed by an admin
may be mailed again; an admin who adds one gives the reason (manual, by default) and a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from outreachpass.data import suppressions as suppressions_data
from outreachpass.data.conn import Conn
from outreachpass.data.pagination import decode_position
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound
from outreachpass.models.suppressions import SuppressionCreate
from outreachpass.observability import logger
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change

REASONS = ("bounce", "complaint", "unsubscribe", "manual")


def normalise(email: str) -> str:
    return email.strip().lower()


def suppressed_addresses(conn: Conn, tenant_id: UUID, emails: Iterable[str]) -> dict[str, str]:
    """address (lower case) -> reason, for those of `emails` that are suppressed."""
    return suppressions_data.suppressed(conn, tenant_id, (normalise(e) for e in emails if e))


def suppress_address(conn: Conn, tenant_id: UUID, email: str, reason: str, *, message_id: str | None = None) -> bool:
    """Put an address on the tenant's list (an existing entry keeps its first reason)."""
    if reason not in REASONS:
        raise ValueError(f"suppression reason must be one of {REASONS}")
    address = normalise(email)
    if not address or "@" not in address:
        return False
    added = suppressions_data.suppress(conn, tenant_id, address, reason)
    if added:
        # The address itself is personal data: the log names the message, not the person.
        logger().info("address suppressed", extra={"tenant_id": str(tenant_id), "reason": reason, "message_id": message_id})
    return added


# --- the admin API ----------------------------------------------------------------------------


def list_suppressions(
    principal: Principal, *, q: str | None, reason: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    after = decode_position(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        return suppressions_data.list_page(conn, principal.tenant_id, search=q, reason=reason, limit=limit, after=after)


def add_suppression(principal: Principal, request: SuppressionCreate) -> tuple[dict[str, Any], bool]:
    """(the entry, True when it was added); an address already on the list keeps its entry."""
    with tenant_tx(principal.tenant_id) as conn:
        row = suppressions_data.add(conn, principal.tenant_id, request.email, request.reason, request.note)
        if row is None:
            existing = suppressions_data.get(conn, principal.tenant_id, request.email)
            if existing is not None:
                return existing, False
            raise RuntimeError("the suppression was neither added nor found")  # the row's own transaction holds it
        record_change(conn, principal, action="suppressions.add", entity_type="email_suppression",
                      entity_id=row["email"], before=None, after={"reason": row["reason"], "note": row["note"]})
    return row, True


def remove_suppression(principal: Principal, email: str) -> dict[str, Any]:
    """Take an address off the list (later sends mail it again)."""
    with tenant_tx(principal.tenant_id) as conn:
        row = suppressions_data.remove(conn, principal.tenant_id, normalise(email))
        if row is None:
            raise NotFound("suppression")
        record_change(conn, principal, action="suppressions.remove", entity_type="email_suppression",
                      entity_id=row["email"], before={"reason": row["reason"], "created_at": row["created_at"]}, after=None)
    return row
