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
from outreachpass.data.sql import update_returning

COLUMNS = (
    "pass_id, tenant_id, card_id, platform, serial_number, pass_type_id, authentication_token, google_object_id, "
    "vcard_rev, s3_key, status, last_updated_at, created_at, updated_at"
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

# The brand is the event's, or the tenant's first brand for a card outside any event. Deleted
# cards are included: their passes are served voided.
_CARD_QUERY = """
SELECT c.card_id, c.tenant_id, c.event_id, c.display_name, c.email, c.phone, c.org_name, c.title,
       c.links_json, c.vcard_rev, c.deleted_at, c.updated_at,
       e.name AS event_name,
       t.name AS tenant_name,
       b.brand_id, b.display_name AS brand_name, b.theme_json
FROM cards c
JOIN tenants t ON t.tenant_id = c.tenant_id
LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.event_id = c.event_id
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


UPDATABLE = ("pass_type_id", "google_object_id", "vcard_rev", "s3_key", "status")


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


def insert_event(conn: Conn, values: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO wallet_pass_events (tenant_id, event_id, card_id, platform, event_type, user_agent, ip_address,
                                        device_type, metadata_json)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(platform)s, %(event_type)s, %(user_agent)s, %(ip_address)s,
                %(device_type)s, %(metadata)s)
        """,
        {
            "user_agent": None,
            "ip_address": None,
            "device_type": "unknown",
            **values,
            "metadata": Jsonb(values.get("metadata") or {}),
        },
    )


# --- the push outbox ---------------------------------------------------------------------------------------


def insert_outbox(conn: Conn, tenant_id: UUID, card_id: UUID, vcard_rev: int) -> int:
    return int(one(conn.execute(
        "INSERT INTO wallet_push_outbox (tenant_id, card_id, vcard_rev) VALUES (%s, %s, %s) RETURNING outbox_id",
        (tenant_id, card_id, vcard_rev),
    ))["outbox_id"])


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
