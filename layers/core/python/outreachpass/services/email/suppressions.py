"""The tenant's email suppression list: addresses that hard-bounced or complained are never
mailed again by that tenant (a later send counts them as skipped).

Addresses are stored lower-cased. The list is per tenant: one tenant's complaint does not
silence another tenant's mail (SES's account-level suppression list, enabled on the
configuration sets, still protects the account as a whole).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from outreachpass.data import suppressions as suppressions_data
from outreachpass.data.conn import Conn
from outreachpass.observability import logger

REASONS = ("bounce", "complaint", "manual")


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
