"""SQL for cards."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn, one
from outreachpass.data.sql import update_returning

COLUMNS = (
    "card_id, tenant_id, event_id, owner_attendee_id, owner_user_id, display_name, email, phone, org_name, title, "
    "avatar_s3_key, links_json, bio, website, vcard_rev, is_personal, deleted_at, created_at, updated_at"
)


def insert(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any]:
    return one(conn.execute(
        f"""
        INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json,
                           bio, website)
        VALUES (%(tenant_id)s, %(event_id)s, %(owner_attendee_id)s, %(display_name)s, %(email)s, %(phone)s,
                %(org_name)s, %(title)s, %(links_json)s, %(bio)s, %(website)s)
        RETURNING {COLUMNS}
        """,
        {"bio": None, "website": None, **values, "tenant_id": tenant_id, "links_json": Jsonb(values.get("links_json") or {})},
    ))


def get(conn: Conn, tenant_id: UUID, card_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    """A live card (soft-deleted cards are gone for the API, as for the public page)."""
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM cards WHERE tenant_id = %s AND card_id = %s AND deleted_at IS NULL{lock}", (tenant_id, card_id)
    ).fetchone()


# What a card shows. avatar_s3_key is set by the image worker through the same update.
UPDATABLE = ("display_name", "email", "phone", "org_name", "title", "links_json", "avatar_s3_key", "bio", "website")


def update(conn: Conn, tenant_id: UUID, card_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    return update_returning(
        conn,
        table="cards",
        key_column="card_id",
        tenant_id=tenant_id,
        key=card_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
        json_columns=("links_json",),
    )


def bump_rev(conn: Conn, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    """vcard_rev + 1: the card's content changed (vCards, passes and caches key on it)."""
    return conn.execute(
        f"UPDATE cards SET vcard_rev = vcard_rev + 1 WHERE tenant_id = %s AND card_id = %s RETURNING {COLUMNS}",
        (tenant_id, card_id),
    ).fetchone()


def bump_revs(conn: Conn, tenant_id: UUID, card_ids: list[UUID]) -> list[dict[str, Any]]:
    """bump_rev for many cards in one statement: (card_id, vcard_rev) of each after the bump."""
    return conn.execute(
        "UPDATE cards SET vcard_rev = vcard_rev + 1 WHERE tenant_id = %s AND card_id = ANY(%s) RETURNING card_id, vcard_rev",
        (tenant_id, card_ids),
    ).fetchall()


def soft_delete(conn: Conn, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    """Mark a card deleted: the public page answers 404, analytics rows keep their reference."""
    return conn.execute(
        f"""
        UPDATE cards SET deleted_at = coalesce(deleted_at, now())
        WHERE tenant_id = %s AND card_id = %s
        RETURNING {COLUMNS}
        """,
        (tenant_id, card_id),
    ).fetchone()
