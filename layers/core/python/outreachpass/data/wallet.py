"""SQL for wallet passes: the pass rows, Google classes, Apple device registrations and wallet events
(the push outbox and refresh requests are data/wallet_outbox; the items of pass-generation jobs are
data/pass_jobs).

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
