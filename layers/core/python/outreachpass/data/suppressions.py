"""SQL for the tenant's email suppression list (addresses that bounced for good, complained,
unsubscribed, or were added by hand)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn
from outreachpass.data.pagination import encode_position
from outreachpass.data.sql import keyset_page

COLUMNS = "email, reason, note, created_at, updated_at"


def suppressed(conn: Conn, tenant_id: UUID, emails: Iterable[str]) -> dict[str, str]:
    """address (lower case) -> reason, for the given addresses that are suppressed."""
    wanted = sorted({email.lower() for email in emails if email})
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT email, reason FROM email_suppressions WHERE tenant_id = %s AND email = ANY(%s)", (tenant_id, wanted)
    ).fetchall()
    return {row["email"]: row["reason"] for row in rows}


def suppress(conn: Conn, tenant_id: UUID, email: str, reason: str, note: str | None = None) -> bool:
    """Add an address (an earlier reason is kept); True when it was not suppressed before."""
    return add(conn, tenant_id, email, reason, note) is not None


def add(conn: Conn, tenant_id: UUID, email: str, reason: str, note: str | None = None) -> dict[str, Any] | None:
    """The new entry, or None when the address is on the list already (its entry is kept)."""
    return conn.execute(
        f"""
        INSERT INTO email_suppressions (tenant_id, email, reason, note) VALUES (%s, %s, %s, %s)
        ON CONFLICT (tenant_id, email) DO NOTHING RETURNING {COLUMNS}
        """,
        (tenant_id, email.lower(), reason, note),
    ).fetchone()


def get(conn: Conn, tenant_id: UUID, email: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM email_suppressions WHERE tenant_id = %s AND email = %s", (tenant_id, email.lower())
    ).fetchone()


def remove(conn: Conn, tenant_id: UUID, email: str) -> dict[str, Any] | None:
    """The entry removed, or None when the address was not on the list."""
    return conn.execute(
        f"DELETE FROM email_suppressions WHERE tenant_id = %s AND email = %s RETURNING {COLUMNS}", (tenant_id, email.lower())
    ).fetchone()


def list_page(
    conn: Conn, tenant_id: UUID, *, search: str | None, reason: str | None, limit: int, after: tuple[Any, str] | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The list, newest first; `search` matches any part of the address (case-insensitive)."""
    conditions, params = [], {}
    if search:
        conditions.append("email LIKE %(search)s")
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["search"] = f"%{escaped}%"
    return keyset_page(
        conn,
        columns=COLUMNS,
        source="email_suppressions",
        equals={"tenant_id": tenant_id, "reason": reason},
        order=("created_at", "email"),
        after=after,
        limit=limit,
        cursor_of=lambda row: encode_position(row["created_at"], row["email"]),
        conditions=conditions,
        params=params,
    )
