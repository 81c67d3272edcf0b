"""SQL for wallet passes: the pass rows, Apple device registrations, wallet events and the push
outbox (the items of pass-generation jobs are data/pass_jobs).

Public wallet requests (card downloads, the Apple web service) find their tenant with the
SECURITY DEFINER resolvers (app_card_tenant, app_pass_tenant) and bind it to the
transaction in the same statement; everything else runs in a tenant transaction under RLS,
and every query still filters on tenant_id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.cards_public import bind_card_tenant
from outreachpass.data.conn import Conn, one
from outreachpass.data.feature_flags import TENANT_FLAGS_OF_CARD
from outreachpass.data.sql import update_returning

COLUMNS = (
    "pass_id, tenant_id, card_id, platform, serial_number, pass_type_id, authentication_token, google_object_id, "
    "vcard_rev, s3_key, status, google_body_sha256, last_updated_at, created_at, updated_at"
)

# --- tenants of public requests --------------------------------------------------------------------


def bind_pass_tenant(conn: Conn, serial_number: str) -> UUID | None:
    """The tenant of a pass (by serial), now also the transaction's tenant; None when unknown."""
    row = conn.execute(
        """
        SELECT r.tenant_id, set_config('app.tenant_id', r.tenant_id::text, true)
        FROM (SELECT app_pass_tenant(%s) AS tenant_id) r
        WHERE r.tenant_id IS NOT NULL
        """,
        (serial_number,),
    ).fetchone()
    return row["tenant_id"] if row else None


def device_updated_serials(
    conn: Conn, device_library_id: str, pass_type_id: str, since: datetime | None
) -> list[dict[str, Any]]:
    """Serials registered on a device for a pass type, updated after `since` (all when None)."""
    return conn.execute(
        "SELECT serial_number, last_updated_at FROM app_device_updated_serials(%s, %s, %s)",
        (device_library_id, pass_type_id, since),
    ).fetchall()


# --- the card as a pass shows it ---------------------------------------------------------------------

# The brand is the event's, or the tenant's first brand for a card outside any event; the
# event's dates, venue, language and settings and the attendee's language say when, where and in
# which language the passes speak. Deleted cards are included: their passes are served voided.
# The tenant's feature flags and the brand's features say whether the card's wallet routes are
# served.
_CARD_QUERY = f"""
SELECT c.card_id, c.tenant_id, c.event_id, c.display_name, c.email, c.phone, c.org_name, c.title,
       c.links_json, c.bio, c.website, c.vcard_rev, c.avatar_s3_key, c.deleted_at, c.updated_at,
       e.name AS event_name, e.starts_at AS event_starts_at, e.ends_at AS event_ends_at,
       e.timezone AS event_timezone, e.venue_json AS event_venue, e.language AS event_language,
       e.settings_json AS event_settings,
       a.language AS attendee_language,
       t.name AS tenant_name,
       b.brand_id, b.display_name AS brand_name, b.theme_json, b.features_json,
       {TENANT_FLAGS_OF_CARD}
FROM cards c
JOIN tenants t ON t.tenant_id = c.tenant_id
LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id
LEFT JOIN attendees a ON a.tenant_id = c.tenant_id AND a.attendee_id = c.owner_attendee_id
LEFT JOIN brands b ON b.tenant_id = c.tenant_id AND b.brand_id = coalesce(
    e.brand_id,
    (SELECT d.brand_id FROM brands d WHERE d.tenant_id = c.tenant_id ORDER BY d.created_at, d.brand_id LIMIT 1))
WHERE c.tenant_id = %s AND c.card_id = %s
"""


def card_for_pass(conn: Conn, tenant_id: UUID, card_id: UUID) -> dict[str, Any] | None:
    return conn.execute(_CARD_QUERY, (tenant_id, card_id)).fetchone()


def live_card_for_pass(conn: Conn, card_id: UUID) -> tuple[UUID, dict[str, Any]] | None:
    """The tenant (now bound to the transaction) and the card of a public wallet download; None
    for an unknown, deleted or disabled-tenant card."""
    tenant_id = bind_card_tenant(conn, card_id)
    card = card_for_pass(conn, tenant_id, card_id) if tenant_id else None
    if tenant_id is None or card is None or card["deleted_at"] is not None:
        return None
    return tenant_id, card


# --- passes ---------------------------------------------------------------------------------------------


def get_pass(
    conn: Conn, tenant_id: UUID, card_id: UUID, platform: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"SELECT {COLUMNS} FROM wallet_passes WHERE tenant_id = %s AND card_id = %s AND platform = %s{lock}",
        (tenant_id, card_id, platform),
    ).fetchone()


def get_pass_by_serial(conn: Conn, tenant_id: UUID, serial_number: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {COLUMNS} FROM wallet_passes WHERE tenant_id = %s AND serial_number = %s",
        (tenant_id, serial_number),
    ).fetchone()


def insert_pass(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
    """Insert the card's pass for a platform; None when it has one already (a concurrent request
    created it: read it again)."""
    return conn.execute(
        f"""
        INSERT INTO wallet_passes (tenant_id, card_id, platform, serial_number, pass_type_id, authentication_token,
                                   google_object_id, vcard_rev, status)
        VALUES (%(tenant_id)s, %(card_id)s, %(platform)s, %(serial_number)s, %(pass_type_id)s, %(authentication_token)s,
                %(google_object_id)s, %(vcard_rev)s, %(status)s)
        ON CONFLICT ON CONSTRAINT wallet_passes_card_platform_key DO NOTHING
        RETURNING {COLUMNS}
        """,
        {"google_object_id": None, "authentication_token": None, "pass_type_id": None, **values, "tenant_id": tenant_id},
    ).fetchone()


UPDATABLE = ("pass_type_id", "google_object_id", "vcard_rev", "s3_key", "status", "google_body_sha256")


def update_pass(conn: Conn, tenant_id: UUID, pass_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    return update_returning(
        conn,
        table="wallet_passes",
        key_column="pass_id",
        tenant_id=tenant_id,
        key=pass_id,
        changes=changes,
        allowed=UPDATABLE,
        returning=COLUMNS,
    )


def touch_card_passes(conn: Conn, tenant_id: UUID, card_id: UUID, *, void: bool = False) -> list[dict[str, Any]]:
    """A card changed: move its passes' update tag (last_updated_at, the Apple web service's
    Last-Modified and passesUpdatedSince) forward by at least one whole second, so a device
    holding the previous version at HTTP-date precision always sees a newer one."""
    status = ", status = 'voided'" if void else ""
    return conn.execute(
        f"""
        UPDATE wallet_passes
        SET last_updated_at = greatest(now(), date_trunc('second', last_updated_at) + interval '1 second'){status}
        WHERE tenant_id = %s AND card_id = %s AND status <> 'voided'
        RETURNING {COLUMNS}
        """,
        (tenant_id, card_id),
    ).fetchall()


# --- Google Wallet classes ------------------------------------------------------------------------


def google_class_sha256(conn: Conn, tenant_id: UUID, class_id: str) -> str | None:
    """The SHA-256 of the class body Google last took, None when never sent."""
    row = conn.execute(
        "SELECT body_sha256 FROM wallet_google_classes WHERE tenant_id = %s AND class_id = %s", (tenant_id, class_id)
    ).fetchone()
    return row["body_sha256"] if row else None


def set_google_class_sha256(conn: Conn, tenant_id: UUID, class_id: str, body_sha256: str) -> None:
    conn.execute(
        """
        INSERT INTO wallet_google_classes (tenant_id, class_id, body_sha256) VALUES (%s, %s, %s)
        ON CONFLICT (tenant_id, class_id) DO UPDATE SET body_sha256 = EXCLUDED.body_sha256, synced_at = now()
        """,
        (tenant_id, class_id, body_sha256),
    )


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


# --- Apple device registrations -------------------------------------------------------------------------


def upsert_registration(
    conn: Conn, tenant_id: UUID, device_library_id: str, pass_type_id: str, serial_number: str, push_token: str
) -> bool:
    """Register (or refresh the push token of) a device for a pass; True when it is new."""
    row = one(conn.execute(
        """
        INSERT INTO wallet_device_registrations (device_library_id, pass_type_id, serial_number, push_token, tenant_id)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (device_library_id, pass_type_id, serial_number)
        DO UPDATE SET push_token = EXCLUDED.push_token
        RETURNING (xmax = 0) AS created
        """,
        (device_library_id, pass_type_id, serial_number, push_token, tenant_id),
    ))
    return bool(row["created"])


def delete_registration(
    conn: Conn, tenant_id: UUID, device_library_id: str, pass_type_id: str, serial_number: str
) -> bool:
    row = conn.execute(
        """
        DELETE FROM wallet_device_registrations
        WHERE tenant_id = %s AND device_library_id = %s AND pass_type_id = %s AND serial_number = %s
        RETURNING serial_number
        """,
        (tenant_id, device_library_id, pass_type_id, serial_number),
    ).fetchone()
    return row is not None


def registrations_for_pass(conn: Conn, tenant_id: UUID, serial_number: str) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT device_library_id, pass_type_id, push_token FROM wallet_device_registrations
        WHERE tenant_id = %s AND serial_number = %s ORDER BY created_at, device_library_id
        """,
        (tenant_id, serial_number),
    ).fetchall()


def delete_registrations_by_token(conn: Conn, tenant_id: UUID, serial_number: str, push_tokens: list[str]) -> int:
    """Forget devices APNs says are gone (410 Unregistered, BadDeviceToken)."""
    if not push_tokens:
        return 0
    return conn.execute(
        "DELETE FROM wallet_device_registrations WHERE tenant_id = %s AND serial_number = %s AND push_token = ANY(%s)",
        (tenant_id, serial_number, push_tokens),
    ).rowcount


# --- wallet_pass_events -------------------------------------------------------------------------------------


def insert_event(conn: Conn, values: dict[str, Any]) -> bool:
    """One wallet event; with a `dedupe_key`, a second event of the same key is not inserted
    (returns False)."""
    row = conn.execute(
        """
        INSERT INTO wallet_pass_events (tenant_id, event_id, card_id, platform, event_type, user_agent, ip_address,
                                        device_type, metadata_json, dedupe_key)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(platform)s, %(event_type)s, %(user_agent)s, %(ip_address)s,
                %(device_type)s, %(metadata)s, %(dedupe_key)s)
        ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING wallet_event_id
        """,
        {
            "user_agent": None,
            "ip_address": None,
            "device_type": "unknown",
            "dedupe_key": None,
            **values,
            "metadata": Jsonb(values.get("metadata") or {}),
        },
    ).fetchone()
    return row is not None


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
