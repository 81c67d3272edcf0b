"""SQL for leads (an exhibitor's captured contacts). Every query names the exhibitor: an
exhibitor user reaches its own exhibitor's leads only, whatever id it sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one
from outreachpass.data.sql import update_returning

COLUMNS = (
    "lead_id, tenant_id, exhibitor_id, event_id, card_id, client_id, name, org_name, title, email, phone, linkedin_url, "
    "notes, rating, tags, captured_at, created_at, updated_at"
)


_BY_CLIENT_ID = f"SELECT {COLUMNS} FROM leads WHERE tenant_id = %s AND exhibitor_id = %s AND client_id = %s"
_SCANNABLE_CARD = """
SELECT c.card_id, c.event_id, c.display_name, c.org_name, c.title, c.email, c.phone, c.links_json
FROM cards c
JOIN exhibitors x ON x.tenant_id = c.tenant_id AND x.event_id = c.event_id
WHERE c.tenant_id = %s AND c.card_id = %s AND c.deleted_at IS NULL AND x.exhibitor_id = %s
"""


def scan_context(
    conn: Conn, tenant_id: UUID, exhibitor_id: UUID, card_id: UUID, client_id: UUID | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the lead `client_id` already made, the live card `card_id` when it belongs to the event of
    `exhibitor_id`), each None when there is none: both queries in one round trip (pipeline)."""
    with conn.pipeline():
        replayed = conn.execute(_BY_CLIENT_ID, (tenant_id, exhibitor_id, client_id)) if client_id is not None else None
        card = conn.execute(_SCANNABLE_CARD, (tenant_id, card_id, exhibitor_id))
    return (replayed.fetchone() if replayed is not None else None), card.fetchone()


def insert_recording_engagement(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
    """The new lead, and its card's `lead_captured` engagement event, in one statement; None
    (and no event) when the exhibitor already has a lead of this card or of this client_id."""
    return conn.execute(
        f"""
        WITH lead AS (
            INSERT INTO leads (tenant_id, exhibitor_id, event_id, card_id, client_id, captured_by, name, org_name, title,
                               email, phone, linkedin_url, notes, rating, tags)
            VALUES (%(tenant_id)s, %(exhibitor_id)s, %(event_id)s, %(card_id)s, %(client_id)s, %(captured_by)s, %(name)s,
                    %(org_name)s, %(title)s, %(email)s, %(phone)s, %(linkedin_url)s, %(notes)s, %(rating)s, %(tags)s)
            ON CONFLICT DO NOTHING
            RETURNING {COLUMNS}
        ), engagement AS (
            INSERT INTO card_engagement_events (tenant_id, event_id, card_id, event_type, exhibitor_id, occurred_at)
            SELECT tenant_id, event_id, card_id, 'lead_captured', exhibitor_id, captured_at FROM lead
        )
        SELECT * FROM lead
        """,
        {**values, "tenant_id": tenant_id},
    ).fetchone()


def by_client_id(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, client_id: UUID) -> dict[str, Any] | None:
    return conn.execute(_BY_CLIENT_ID, (tenant_id, exhibitor_id, client_id)).fetchone()


def by_card(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM leads WHERE tenant_id = %s AND exhibitor_id = %s AND card_id = %s",
        (tenant_id, exhibitor_id, card_id),
    ).fetchone()


def get(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, lead_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM leads WHERE tenant_id = %s AND exhibitor_id = %s AND lead_id = %s{lock}",
        (tenant_id, exhibitor_id, lead_id),
    ).fetchone()


# What `q` searches: the lead's contact fields, its notes and its tags, as one lower-cased text.
_SEARCH_TEXT = "lower(concat_ws(' ', name, org_name, title, email, phone, notes, array_to_string(tags, ' ')))"


def list_page(
    conn: Conn,
    tenant_id: UUID,
    exhibitor_id: UUID,
    *,
    q: str | None,
    limit: int,
    after: tuple[Any, UUID] | None,
) -> list[dict[str, Any]]:
    """Up to limit + 1 leads, newest first, after the (captured_at, lead_id) key `after`. `q`
    matches anywhere in the contact fields, notes and tags, in any case."""
    conditions = ["tenant_id = %(tenant_id)s", "exhibitor_id = %(exhibitor_id)s"]
    params: dict[str, Any] = {"tenant_id": tenant_id, "exhibitor_id": exhibitor_id, "limit": limit + 1}
    if q:
        conditions.append(f"strpos({_SEARCH_TEXT}, lower(%(q)s)) > 0")
        params["q"] = q
    if after:
        conditions.append("(captured_at, lead_id) < (%(after_at)s, %(after_id)s)")
        params.update(after_at=after[0], after_id=after[1])
    return conn.execute(
        f"SELECT {COLUMNS} FROM leads WHERE {' AND '.join(conditions)} ORDER BY captured_at DESC, lead_id DESC LIMIT %(limit)s",
        params,
    ).fetchall()


def stream_all(conn: Conn, tenant_id: UUID, exhibitor_id: UUID) -> Iterator[dict[str, Any]]:
    """Every lead of the exhibitor, oldest first (the export), read in batches."""
    with conn.cursor(name="leads_export") as cursor:
        cursor.itersize = 1000
        cursor.execute(
            f"SELECT {COLUMNS} FROM leads WHERE tenant_id = %s AND exhibitor_id = %s ORDER BY captured_at, lead_id",
            (tenant_id, exhibitor_id),
        )
        yield from cursor


UPDATABLE = ("notes", "rating", "tags")


def update(conn: Conn, tenant_id: UUID, lead_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn, table="leads", key_column="lead_id", tenant_id=tenant_id, key=lead_id, changes=changes, allowed=UPDATABLE, returning=COLUMNS
    )


def delete(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, lead_id: UUID) -> bool:
    cur = conn.execute("DELETE FROM leads WHERE tenant_id = %s AND exhibitor_id = %s AND lead_id = %s", (tenant_id, exhibitor_id, lead_id))
    return cur.rowcount == 1


def counts(conn: Conn, tenant_id: UUID, exhibitor_id: UUID) -> dict[str, Any]:
    return one(conn.execute(
        """
        SELECT count(*) AS total,
               count(*) FILTER (WHERE rating = 'hot') AS hot,
               count(*) FILTER (WHERE rating = 'warm') AS warm,
               count(*) FILTER (WHERE rating = 'cold') AS cold,
               count(*) FILTER (WHERE rating IS NULL) AS unrated
        FROM leads WHERE tenant_id = %s AND exhibitor_id = %s
        """,
        (tenant_id, exhibitor_id),
    ))


def per_exhibitor(conn: Conn, tenant_id: UUID, *, event_id: UUID | None, start: Any, end: Any) -> list[dict[str, Any]]:
    """Every exhibitor of the tenant (or of one event) with its leads captured in [start, end), by rating."""
    return conn.execute(
        """
        SELECT x.exhibitor_id, x.event_id, x.name,
               count(l.lead_id) AS leads,
               count(l.lead_id) FILTER (WHERE l.rating = 'hot') AS hot,
               count(l.lead_id) FILTER (WHERE l.rating = 'warm') AS warm,
               count(l.lead_id) FILTER (WHERE l.rating = 'cold') AS cold
        FROM exhibitors x
        LEFT JOIN leads l ON l.tenant_id = x.tenant_id AND l.exhibitor_id = x.exhibitor_id
                         AND l.captured_at >= %(start)s AND l.captured_at < %(end)s
        WHERE x.tenant_id = %(tenant)s AND (%(event)s::uuid IS NULL OR x.event_id = %(event)s::uuid)
        GROUP BY x.exhibitor_id, x.event_id, x.name
        ORDER BY count(l.lead_id) DESC, x.name, x.exhibitor_id
        """,
        {"tenant": tenant_id, "event": event_id, "start": start, "end": end},
    ).fetchall()


def count_in_range(conn: Conn, tenant_id: UUID, *, event_id: UUID | None, start: Any, end: Any) -> int:
    """Leads captured in [start, end) in the tenant or one event (the analytics overview)."""
    row = one(conn.execute(
        """
        SELECT count(*) AS n FROM leads
        WHERE tenant_id = %(tenant)s AND (%(event)s::uuid IS NULL OR event_id = %(event)s::uuid)
          AND captured_at >= %(start)s AND captured_at < %(end)s
        """,
        {"tenant": tenant_id, "event": event_id, "start": start, "end": end},
    ))
    return int(row["n"])
