"""SQL for the tenant's email suppression list (addresses that bounced for good or complained)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from outreachpass.data.conn import Conn


def suppressed(conn: Conn, tenant_id: UUID, emails: Iterable[str]) -> dict[str, str]:
    """address (lower case) -> reason, for the given addresses that are suppressed."""
    wanted = sorted({email.lower() for email in emails if email})
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT email, reason FROM email_suppressions WHERE tenant_id = %s AND email = ANY(%s)", (tenant_id, wanted)
    ).fetchall()
    return {row["email"]: row["reason"] for row in rows}


def suppress(conn: Conn, tenant_id: UUID, email: str, reason: str) -> bool:
    """Add an address (an earlier reason is kept); True when it was not suppressed before."""
    row = conn.execute(
        """
        INSERT INTO email_suppressions (tenant_id, email, reason) VALUES (%s, %s, %s)
        ON CONFLICT (tenant_id, email) DO NOTHING RETURNING email
        """,
        (tenant_id, email.lower(), reason),
    ).fetchone()
    return row is not None
