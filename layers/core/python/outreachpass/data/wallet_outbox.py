"""SQL of the wallet push outbox: which cards' passes must be pushed again (one row per changed card,
drained by the outbox relay, services/wallet/push.py) and the refresh requests that put many cards on it
at once when an event or a brand is edited (expanded in chunks, so an event of 50,000 cards never holds a
request). The pass rows themselves are data/wallet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

# --- many changed cards at once (an import) ----------------------------------------------------------


def touch_passes_of_cards(conn: Conn, tenant_id: UUID, cards: list[dict[str, Any]]) -> int:
    """touch_card_passes and insert_outbox for many changed cards (card_id, vcard_rev) in one
    statement: each card with a live pass gets its new update tag and one outbox row. Returns how
    many cards had passes."""
    return conn.execute(
        """
        WITH changed AS (
            SELECT * FROM unnest(%(card_ids)s::uuid[], %(revs)s::integer[]) AS c (card_id, vcard_rev)
        ), touched AS (
            UPDATE wallet_passes
            SET last_updated_at = greatest(now(), date_trunc('second', last_updated_at) + interval '1 second')
            WHERE tenant_id = %(tenant_id)s AND card_id IN (SELECT card_id FROM changed) AND status <> 'voided'
            RETURNING card_id
        )
        INSERT INTO wallet_push_outbox (tenant_id, card_id, vcard_rev)
        SELECT %(tenant_id)s, c.card_id, c.vcard_rev FROM changed c
        WHERE c.card_id IN (SELECT card_id FROM touched)
        ORDER BY c.card_id
        """,
        {"tenant_id": tenant_id, "card_ids": [c["card_id"] for c in cards], "revs": [c["vcard_rev"] for c in cards]},
    ).rowcount


# --- the push outbox ---------------------------------------------------------------------------------------


def insert_outbox(conn: Conn, tenant_id: UUID, card_id: UUID, vcard_rev: int) -> int:
    return int(one(conn.execute(
        "INSERT INTO wallet_push_outbox (tenant_id, card_id, vcard_rev) VALUES (%s, %s, %s) RETURNING outbox_id",
        (tenant_id, card_id, vcard_rev),
    ))["outbox_id"])


# --- refresh requests: many cards at once (an event or a brand was edited) --------------------------


def request_refresh(conn: Conn, tenant_id: UUID, scope: str, scope_id: UUID) -> None:
    """Ask the relay to refresh every pass of an event's or a brand's cards (one row, constant
    time); a pending request of the same scope starts again from its first card."""
    conn.execute(
        """
        INSERT INTO wallet_refresh_requests (tenant_id, scope, scope_id) VALUES (%s, %s, %s)
        ON CONFLICT (tenant_id, scope, scope_id) WHERE done_at IS NULL
        DO UPDATE SET after_card_id = NULL, cards_queued = 0
        """,
        (tenant_id, scope, scope_id),
    )


def claim_refresh_request(conn: Conn, tenant_id: UUID) -> dict[str, Any] | None:
    """The tenant's oldest pending refresh request, locked for this transaction (another relay skips it)."""
    return conn.execute(
        """
        SELECT request_id, scope, scope_id, after_card_id, cards_queued FROM wallet_refresh_requests
        WHERE tenant_id = %s AND done_at IS NULL
        ORDER BY request_id LIMIT 1
        FOR UPDATE SKIP LOCKED
        """,
        (tenant_id,),
    ).fetchone()


# The next chunk of the scope's live cards (card_id order, after the cursor): every one with a
# pass gets a new update tag on its passes and one outbox row, in one set-based statement.
_EXPAND = """
WITH selected AS (
    SELECT c.card_id, c.vcard_rev FROM cards c
    {join}
    WHERE c.tenant_id = %(tenant_id)s AND c.deleted_at IS NULL AND {scope}
      AND (%(after)s::uuid IS NULL OR c.card_id > %(after)s::uuid)
    ORDER BY c.card_id
    LIMIT %(limit)s
),
touched AS (
    UPDATE wallet_passes p
    SET last_updated_at = greatest(now(), date_trunc('second', p.last_updated_at) + interval '1 second')
    FROM selected s
    WHERE p.tenant_id = %(tenant_id)s AND p.card_id = s.card_id AND p.status <> 'voided'
    RETURNING p.card_id
),
queued AS (
    INSERT INTO wallet_push_outbox (tenant_id, card_id, vcard_rev)
    SELECT %(tenant_id)s, s.card_id, s.vcard_rev FROM selected s
    WHERE s.card_id IN (SELECT card_id FROM touched)
    RETURNING 1
)
SELECT (SELECT count(*) FROM selected) AS selected,
       (SELECT s.card_id FROM selected s ORDER BY s.card_id DESC LIMIT 1) AS last_card_id,
       (SELECT count(*) FROM queued) AS queued
"""
_SCOPES = {
    "event": ("", "c.event_id = %(scope_id)s"),
    # The brand a card's passes wear: its event's, or the tenant's first brand for a card outside
    # any event (the rule of _CARD_QUERY).
    "brand": (
        "LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id",
        "coalesce(e.brand_id, (SELECT d.brand_id FROM brands d WHERE d.tenant_id = %(tenant_id)s "
        "ORDER BY d.created_at, d.brand_id LIMIT 1)) = %(scope_id)s",
    ),
}


def expand_refresh_request(conn: Conn, tenant_id: UUID, request: dict[str, Any], limit: int) -> int:
    """One chunk of a refresh request onto the outbox; the request's cursor moves on (done when
    the chunk was the last). Returns the cards queued."""
    join, scope = _SCOPES[request["scope"]]
    row = one(conn.execute(
        _EXPAND.format(join=join, scope=scope),
        {"tenant_id": tenant_id, "scope_id": request["scope_id"], "after": request["after_card_id"], "limit": limit},
    ))
    conn.execute(
        """
        UPDATE wallet_refresh_requests
        SET after_card_id = coalesce(%(last)s, after_card_id), cards_queued = cards_queued + %(queued)s,
            done_at = CASE WHEN %(finished)s THEN now() END
        WHERE tenant_id = %(tenant_id)s AND request_id = %(request_id)s
        """,
        {"last": row["last_card_id"], "queued": row["queued"], "finished": row["selected"] < limit,
         "tenant_id": tenant_id, "request_id": request["request_id"]},
    )
    return int(row["queued"])


def pending_refresh_requests(conn: Conn, tenant_id: UUID) -> int:
    return int(one(conn.execute(
        "SELECT count(*) AS n FROM wallet_refresh_requests WHERE tenant_id = %s AND done_at IS NULL", (tenant_id,)
    ))["n"])


def purge_done_refresh_requests(conn: Conn, tenant_id: UUID, before: datetime) -> int:
    return conn.execute(
        "DELETE FROM wallet_refresh_requests WHERE tenant_id = %s AND done_at < %s", (tenant_id, before)
    ).rowcount


def outbox_tenants(conn: Conn, limit: int) -> list[UUID]:
    return [row["tenant_id"] for row in conn.execute("SELECT tenant_id FROM app_wallet_outbox_tenants(%s)", (limit,))]


def claim_outbox(conn: Conn, tenant_id: UUID, limit: int) -> list[dict[str, Any]]:
    """Pending rows of a tenant, locked for this transaction; rows another relay holds are skipped."""
    return conn.execute(
        """
        SELECT outbox_id, card_id, vcard_rev, created_at FROM wallet_push_outbox
        WHERE tenant_id = %s AND dispatched_at IS NULL
        ORDER BY outbox_id
        LIMIT %s
        FOR UPDATE SKIP LOCKED
        """,
        (tenant_id, limit),
    ).fetchall()


def mark_dispatched(conn: Conn, tenant_id: UUID, outbox_ids: list[int]) -> None:
    conn.execute(
        "UPDATE wallet_push_outbox SET dispatched_at = now() WHERE tenant_id = %s AND outbox_id = ANY(%s)",
        (tenant_id, outbox_ids),
    )


def purge_dispatched(conn: Conn, tenant_id: UUID, before: datetime) -> int:
    return conn.execute(
        "DELETE FROM wallet_push_outbox WHERE tenant_id = %s AND dispatched_at < %s", (tenant_id, before)
    ).rowcount
