"""SQL for sending card emails: who an email job mails (attendees, their live cards, the event
and brand, the tenant's sender settings) and the send log (email_sends).

Every function takes a connection in a tenant transaction (RLS) and still filters on
tenant_id. The send log is the email worker's idempotency: a (job, attendee) row is claimed
before the message goes to SES, so a redelivered batch never sends twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn

SEND_COLUMNS = (
    "send_id, tenant_id, job_id, event_id, attendee_id, card_id, message_id, provider_message_id, recipient_email, "
    "status, reason, sender, configuration_set, claimed_at, sent_at, delivered_at, created_at, updated_at, links"
)

def sender_settings(conn: Conn, tenant_id: UUID) -> dict[str, Any] | None:
    """The tenant's name and key with its email settings (NULL columns when it has none)."""
    return conn.execute(
        """
        SELECT t.tenant_id, t.name AS tenant_name, t.tenant_key,
               s.from_email, s.from_name, s.reply_to, s.configuration_set
        FROM tenants t
        LEFT JOIN tenant_email_settings s ON s.tenant_id = t.tenant_id
        WHERE t.tenant_id = %s
        """,
        (tenant_id,),
    ).fetchone()


def active_job(conn: Conn, tenant_id: UUID, event_id: UUID, *, stale_after_s: int) -> dict[str, Any] | None:
    """An emails job of the event that is queued or running and made progress recently."""
    return conn.execute(
        """
        SELECT job_id, status, total, succeeded, failed, skipped, updated_at FROM jobs
        WHERE tenant_id = %s AND event_id = %s AND kind = 'emails' AND status IN ('queued', 'running')
          AND updated_at > now() - make_interval(secs => %s)
        ORDER BY created_at DESC LIMIT 1
        """,
        (tenant_id, event_id, stale_after_s),
    ).fetchone()


def event_attendee_ids(conn: Conn, tenant_id: UUID, event_id: UUID, *, unsent_only: bool) -> list[UUID]:
    """The event's attendees in creation order; with unsent_only, those without a sent message
    (a message whose outcome is unknown counts as sent: it may well have arrived)."""
    unsent = (
        """
        AND NOT EXISTS (
            SELECT 1 FROM email_sends s
            WHERE s.tenant_id = a.tenant_id AND s.event_id = a.event_id AND s.attendee_id = a.attendee_id
              AND s.status IN ('sent', 'unknown'))
        """
        if unsent_only
        else ""
    )
    rows = conn.execute(
        f"""
        SELECT a.attendee_id FROM attendees a
        WHERE a.tenant_id = %s AND a.event_id = %s {unsent}
        ORDER BY a.created_at, a.attendee_id
        """,
        (tenant_id, event_id),
    ).fetchall()
    return [row["attendee_id"] for row in rows]


def existing_attendee_ids(conn: Conn, tenant_id: UUID, event_id: UUID, attendee_ids: Sequence[UUID]) -> set[UUID]:
    rows = conn.execute(
        "SELECT attendee_id FROM attendees WHERE tenant_id = %s AND event_id = %s AND attendee_id = ANY(%s)",
        (tenant_id, event_id, list(attendee_ids)),
    ).fetchall()
    return {row["attendee_id"] for row in rows}


def recipients(conn: Conn, tenant_id: UUID, event_id: UUID, attendee_ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """Attendees of the event with their live card (card_id NULL when it has none)."""
    rows = conn.execute(
        """
        SELECT a.attendee_id, a.event_id, a.email, a.first_name, a.last_name, a.org_name, a.title, a.language,
               c.card_id, c.display_name
        FROM attendees a
        LEFT JOIN cards c ON c.tenant_id = a.tenant_id AND c.card_id = a.card_id AND c.deleted_at IS NULL
        WHERE a.tenant_id = %s AND a.event_id = %s AND a.attendee_id = ANY(%s)
        """,
        (tenant_id, event_id, list(attendee_ids)),
    ).fetchall()
    return {row["attendee_id"]: row for row in rows}


def event_with_brand(conn: Conn, tenant_id: UUID, event_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        """
        SELECT e.event_id, e.name, e.slug, e.starts_at, e.ends_at, e.timezone, e.status, e.settings_json, e.language,
               b.brand_id, b.display_name AS brand_name, b.domain AS brand_domain, b.theme_json, b.features_json, e.venue_json,
               (SELECT jsonb_object_agg(f.flag_key, f.enabled) FROM feature_flags f WHERE f.tenant_id = e.tenant_id) AS tenant_flags
        FROM events e
        LEFT JOIN brands b ON b.tenant_id = e.tenant_id AND b.brand_id = e.brand_id
        WHERE e.tenant_id = %s AND e.event_id = %s
        """,
        (tenant_id, event_id),
    ).fetchone()


# --- the send log ---------------------------------------------------------------------------


def sent_message(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """OUR message id's send (kept for good: what a link of it needs once its context is gone),
    with its card only while the card lives (card_id NULL otherwise)."""
    return conn.execute(
        """
        SELECT s.message_id, s.event_id, c.card_id, s.attendee_id, s.recipient_email, s.links, s.created_at
        FROM email_sends s
        LEFT JOIN cards c ON c.tenant_id = s.tenant_id AND c.card_id = s.card_id AND c.deleted_at IS NULL
        WHERE s.tenant_id = %s AND s.message_id = %s AND s.status IN ('sent', 'unknown')
        """,
        (tenant_id, message_id),
    ).fetchone()


def get_send(conn: Conn, tenant_id: UUID, job_id: UUID, attendee_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SEND_COLUMNS} FROM email_sends WHERE tenant_id = %s AND job_id = %s AND attendee_id = %s",
        (tenant_id, job_id, attendee_id),
    ).fetchone()


def insert_send(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
    """Claim (status claimed) or record (skipped) a (job, attendee); None when it already has a row."""
    return conn.execute(
        f"""
        INSERT INTO email_sends (tenant_id, job_id, event_id, attendee_id, card_id, message_id, recipient_email,
                                 status, reason, sender, configuration_set, links)
        VALUES (%(tenant_id)s, %(job_id)s, %(event_id)s, %(attendee_id)s, %(card_id)s, %(message_id)s,
                %(recipient_email)s, %(status)s, %(reason)s, %(sender)s, %(configuration_set)s, %(links)s)
        ON CONFLICT (tenant_id, job_id, attendee_id) DO NOTHING
        RETURNING {SEND_COLUMNS}
        """,
        {
            "tenant_id": tenant_id,
            "card_id": None,
            "message_id": None,
            "recipient_email": None,
            "reason": None,
            "sender": None,
            "configuration_set": None,
            **values,
            "links": Jsonb(values["links"]) if values.get("links") is not None else None,
        },
    ).fetchone()


def finish_send(
    conn: Conn,
    tenant_id: UUID,
    message_id: str,
    *,
    status: str,
    provider_message_id: str | None = None,
    reason: str | None = None,
    from_statuses: Sequence[str] = ("claimed",),
) -> dict[str, Any] | None:
    """claimed -> sent | failed | unknown; None when the row is not in one of `from_statuses`."""
    return conn.execute(
        f"""
        UPDATE email_sends
        SET status = %s, provider_message_id = coalesce(%s, provider_message_id), reason = %s,
            sent_at = CASE WHEN %s = 'sent' THEN coalesce(sent_at, now()) ELSE sent_at END
        WHERE tenant_id = %s AND message_id = %s AND status = ANY(%s)
        RETURNING {SEND_COLUMNS}
        """,
        (status, provider_message_id, reason, status, tenant_id, message_id, list(from_statuses)),
    ).fetchone()


def release_claim(conn: Conn, tenant_id: UUID, message_id: str) -> None:
    """Forget a claim whose message certainly did not reach SES, so a retry sends it."""
    conn.execute("DELETE FROM email_sends WHERE tenant_id = %s AND message_id = %s AND status = 'claimed'", (tenant_id, message_id))
    conn.execute("DELETE FROM message_contexts WHERE tenant_id = %s AND message_id = %s", (tenant_id, message_id))


def send_by_message(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """A send by our message id or SES's."""
    return conn.execute(
        f"""
        SELECT {SEND_COLUMNS} FROM email_sends
        WHERE tenant_id = %s AND (message_id = %s OR provider_message_id = %s)
        ORDER BY send_id LIMIT 1
        """,
        (tenant_id, message_id, message_id),
    ).fetchone()


def unsubscribe_target(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """OUR message id's recipient, with whose mail it is (the event's brand, the tenant), for the
    one-click unsubscribe (services/email/unsubscribe)."""
    return conn.execute(
        """
        SELECT s.recipient_email, t.name AS tenant_name, b.display_name AS brand_name, b.theme_json,
               (SELECT a.language FROM attendees a WHERE a.tenant_id = s.tenant_id AND a.attendee_id = s.attendee_id)
                   AS attendee_language, e.language AS event_language
        FROM email_sends s
        JOIN tenants t ON t.tenant_id = s.tenant_id
        LEFT JOIN events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
        LEFT JOIN brands b ON b.tenant_id = e.tenant_id AND b.brand_id = e.brand_id
        WHERE s.tenant_id = %s AND s.message_id = %s
        """,
        (tenant_id, message_id),
    ).fetchone()


def mark_delivered(conn: Conn, tenant_id: UUID, send_id: int, delivered_at: datetime) -> None:
    conn.execute(
        "UPDATE email_sends SET delivered_at = least(coalesce(delivered_at, %s), %s) WHERE tenant_id = %s AND send_id = %s",
        (delivered_at, delivered_at, tenant_id, send_id),
    )


def heal_unknown(conn: Conn, tenant_id: UUID, send_id: int, provider_message_id: str | None) -> dict[str, Any] | None:
    """unknown -> sent, when SES reports on the message: it was accepted after all."""
    return conn.execute(
        f"""
        UPDATE email_sends
        SET status = 'sent', provider_message_id = coalesce(provider_message_id, %s),
            reason = 'accepted by SES (outcome learnt from its events)', sent_at = coalesce(sent_at, claimed_at)
        WHERE tenant_id = %s AND send_id = %s AND status = 'unknown'
          AND coalesce(provider_message_id, %s) IS NOT NULL
        RETURNING {SEND_COLUMNS}
        """,
        (provider_message_id, tenant_id, send_id, provider_message_id),
    ).fetchone()


def job_send_counts(conn: Conn, tenant_id: UUID, job_id: UUID) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM email_sends WHERE tenant_id = %s AND job_id = %s GROUP BY status",
        (tenant_id, job_id),
    ).fetchall()
    return {row["status"]: row["n"] for row in rows}
