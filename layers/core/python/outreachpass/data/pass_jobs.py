"""SQL for bulk pass generation (services/wallet/pass_jobs): the cards a `passes` job covers and
its items in pass_generation_jobs (one per card and platform), claimed and finished one by one.
Every function takes a connection in a tenant transaction (RLS) and still filters on tenant_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn


def live_cards_of_event(conn: Conn, tenant_id: UUID, event_id: UUID, card_ids: list[UUID]) -> set[UUID]:
    rows = conn.execute(
        "SELECT card_id FROM cards WHERE tenant_id = %s AND event_id = %s AND deleted_at IS NULL AND card_id = ANY(%s)",
        (tenant_id, event_id, card_ids),
    )
    return {row["card_id"] for row in rows}


def cards_of_attendees(conn: Conn, tenant_id: UUID, event_id: UUID, attendee_ids: list[UUID]) -> dict[UUID, UUID]:
    """attendee_id -> live card_id, for the attendees of the event that have one."""
    rows = conn.execute(
        """
        SELECT a.attendee_id, c.card_id FROM attendees a
        JOIN cards c ON c.tenant_id = a.tenant_id AND c.card_id = a.card_id AND c.deleted_at IS NULL
        WHERE a.tenant_id = %s AND a.event_id = %s AND a.attendee_id = ANY(%s)
        """,
        (tenant_id, event_id, attendee_ids),
    )
    return {row["attendee_id"]: row["card_id"] for row in rows}


def insert_items_for_cards(
    conn: Conn, tenant_id: UUID, job_id: UUID, card_ids: list[UUID], platforms: Sequence[str]
) -> int:
    """One item per card and platform (vcard_rev as the card has it now)."""
    return conn.execute(
        """
        INSERT INTO pass_generation_jobs (tenant_id, job_id, card_id, platform, vcard_rev)
        SELECT c.tenant_id, %s, c.card_id, p.platform, c.vcard_rev
        FROM cards c CROSS JOIN unnest(%s::text[]) AS p(platform)
        WHERE c.tenant_id = %s AND c.card_id = ANY(%s) AND c.deleted_at IS NULL
        ON CONFLICT ON CONSTRAINT pass_generation_jobs_job_card_platform_key DO NOTHING
        """,
        (job_id, platforms, tenant_id, card_ids),
    ).rowcount


def insert_items_for_event(conn: Conn, tenant_id: UUID, job_id: UUID, event_id: UUID, platforms: Sequence[str]) -> int:
    return conn.execute(
        """
        INSERT INTO pass_generation_jobs (tenant_id, job_id, card_id, platform, vcard_rev)
        SELECT c.tenant_id, %s, c.card_id, p.platform, c.vcard_rev
        FROM cards c CROSS JOIN unnest(%s::text[]) AS p(platform)
        WHERE c.tenant_id = %s AND c.event_id = %s AND c.deleted_at IS NULL
        ON CONFLICT ON CONSTRAINT pass_generation_jobs_job_card_platform_key DO NOTHING
        """,
        (job_id, platforms, tenant_id, event_id),
    ).rowcount


def pending_item_ids(conn: Conn, tenant_id: UUID, job_id: UUID) -> list[UUID]:
    rows = conn.execute(
        """
        SELECT item_id FROM pass_generation_jobs
        WHERE tenant_id = %s AND job_id = %s AND status IN ('queued', 'running')
        ORDER BY card_id, platform
        """,
        (tenant_id, job_id),
    )
    return [row["item_id"] for row in rows]


ITEM_COLUMNS = "item_id, tenant_id, job_id, card_id, platform, vcard_rev, status, attempts, error, pass_id"


def start_item(conn: Conn, tenant_id: UUID, item_id: UUID) -> dict[str, Any] | None:
    """queued/running -> running, one more attempt; None when the item is finished (or unknown)."""
    return conn.execute(
        f"""
        UPDATE pass_generation_jobs SET status = 'running', attempts = attempts + 1
        WHERE tenant_id = %s AND item_id = %s AND status IN ('queued', 'running')
        RETURNING {ITEM_COLUMNS}
        """,
        (tenant_id, item_id),
    ).fetchone()


def finish_item(
    conn: Conn, tenant_id: UUID, item_id: UUID, *, status: str, error: str | None = None, pass_id: UUID | None = None
) -> bool:
    """running -> succeeded|failed, once: True for the call that finished it (it counts the item)."""
    row = conn.execute(
        """
        UPDATE pass_generation_jobs SET status = %s, error = %s, pass_id = coalesce(%s, pass_id)
        WHERE tenant_id = %s AND item_id = %s AND status IN ('queued', 'running')
        RETURNING item_id
        """,
        (status, error, pass_id, tenant_id, item_id),
    ).fetchone()
    return row is not None


def fail_pending_items(conn: Conn, tenant_id: UUID, job_id: UUID, error: str) -> int:
    """Every item of the job not finished yet ends failed with `error`; returns how many."""
    return conn.execute(
        """
        UPDATE pass_generation_jobs SET status = 'failed', error = %s
        WHERE tenant_id = %s AND job_id = %s AND status IN ('queued', 'running')
        """,
        (error, tenant_id, job_id),
    ).rowcount
