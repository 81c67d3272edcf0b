"""SQL for attendees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one
from outreachpass.data.pagination import Cursor, SortedCursor, cursor_of, position
from outreachpass.data.sql import keyset_page, update_returning

COLUMNS = (
    "attendee_id, tenant_id, event_id, email, phone, first_name, last_name, org_name, title, linkedin_url, "
    "card_id, flags_json, language, created_at, updated_at"
)


def insert(conn: Conn, tenant_id: UUID, event_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO attendees (tenant_id, event_id, email, phone, first_name, last_name, org_name, title, linkedin_url, language)
        VALUES (%(tenant_id)s, %(event_id)s, %(email)s, %(phone)s, %(first_name)s, %(last_name)s, %(org_name)s,
                %(title)s, %(linkedin_url)s, %(language)s)
        RETURNING {COLUMNS}
        """,
        {
            "tenant_id": tenant_id,
            "event_id": event_id,
            **{key: values.get(key) for key in ("email", "phone", "first_name", "last_name", "org_name", "title", "linkedin_url", "language")},
        },
    ))


def attach_card(conn: Conn, tenant_id: UUID, attendee_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"UPDATE attendees SET card_id = %s WHERE tenant_id = %s AND attendee_id = %s RETURNING {COLUMNS}",
        (card_id, tenant_id, attendee_id),
    ).fetchone()


def get(conn: Conn, tenant_id: UUID, attendee_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM attendees WHERE tenant_id = %s AND attendee_id = %s{lock}", (tenant_id, attendee_id)
    ).fetchone()


# Leakproof (starts_with on plain columns): usable by the idx_attendees_event_search_* indexes under RLS.
SEARCH_CONDITION = (
    "(starts_with(search_email, lower(%(q)s)) OR starts_with(search_name, lower(%(q)s))"
    " OR starts_with(search_last_name, lower(%(q)s)))"
)


# Sorts of an event's attendee list: name -> (key expression, descending). Each has its index
# (V0602) of (event_id, key, attendee_id), so a page is a range scan whatever the sort.
SORTS: dict[str, tuple[str, bool]] = {
    "-created_at": ("created_at", True),
    "created_at": ("created_at", False),
    "last_name": ("coalesce(search_last_name, '')", False),
    "-last_name": ("coalesce(search_last_name, '')", True),
    "email": ("coalesce(search_email, '')", False),
    "-email": ("coalesce(search_email, '')", True),
}
DEFAULT_SORT = "-created_at"


def list_page(
    conn: Conn,
    tenant_id: UUID,
    event_id: UUID,
    *,
    q: str | None,
    limit: int,
    cursor: str | None,
    sort: str = DEFAULT_SORT,
) -> tuple[list[dict[str, Any]], str | None]:
    """An event's attendees in `sort` order (newest first by default). `q` matches the start of
    the e-mail, the first name, the last name or the full name ("ada lov"), in any case:
    starts_with() on the stored search keys (V0100), leakproof, so the
    idx_attendees_event_search_* indexes serve it under RLS."""
    key, descending = SORTS[sort]
    after: tuple[Any, Any] | None
    if key == "created_at":
        after = position(Cursor.decode(cursor))
        encode = cursor_of("attendee_id")
    else:
        sorted_cursor = SortedCursor.decode(cursor, sort)
        after = (sorted_cursor.value, sorted_cursor.id) if sorted_cursor else None

        def encode(row: dict[str, Any]) -> str:
            return SortedCursor(sort, row["sort_key"], row["attendee_id"]).encode()

    rows, next_cursor = keyset_page(
        conn,
        columns=f"{COLUMNS}, {key} AS sort_key",
        source="attendees",
        equals={"tenant_id": tenant_id, "event_id": event_id},
        conditions=[SEARCH_CONDITION] if q else [],
        params={"q": q} if q else {},
        order=(key, "attendee_id"),
        after=after,
        limit=limit,
        cursor_of=encode,
        prepare=False,  # a custom plan per search: a generic plan cannot use the prefix indexes
        descending=descending,
    )
    for row in rows:
        row.pop("sort_key", None)
    return rows, next_cursor


UPDATABLE = ("email", "phone", "first_name", "last_name", "org_name", "title", "linkedin_url", "language")


def update(conn: Conn, tenant_id: UUID, attendee_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="attendees",
        key_column="attendee_id",
        tenant_id=tenant_id,
        key=attendee_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
    )


def delete(conn: Conn, tenant_id: UUID, attendee_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"DELETE FROM attendees WHERE tenant_id = %s AND attendee_id = %s RETURNING {COLUMNS}", (tenant_id, attendee_id)
    ).fetchone()
