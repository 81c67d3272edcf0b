"""SQL for email: the send log (email_sends), message contexts, email events, suppressions,
the tenant's sender settings, and the funnel metrics.

Every function takes a connection in a tenant transaction (RLS) and still filters on
tenant_id. The send log is the email worker's idempotency: a (job, attendee) row is claimed
before the message goes to SES, so a redelivered batch never sends twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

SEND_COLUMNS = (
    "send_id, tenant_id, job_id, event_id, attendee_id, card_id, message_id, provider_message_id, recipient_email, "
    "status, reason, sender, configuration_set, claimed_at, sent_at, delivered_at, created_at, updated_at, links"
)
CONTEXT_COLUMNS = (
    "message_id, tenant_id, event_id, card_id, attendee_id, job_id, provider_message_id, recipient_email, links, "
    "expires_at, created_at"
)

# --- what to send -----------------------------------------------------------------------------


def sender_settings(conn: psycopg.Connection, tenant_id: UUID) -> dict[str, Any] | None:
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


def active_job(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, *, stale_after_s: int) -> dict[str, Any] | None:
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


def event_attendee_ids(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, *, unsent_only: bool) -> list[UUID]:
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


def existing_attendee_ids(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, attendee_ids: Sequence[UUID]) -> set[UUID]:
    rows = conn.execute(
        "SELECT attendee_id FROM attendees WHERE tenant_id = %s AND event_id = %s AND attendee_id = ANY(%s)",
        (tenant_id, event_id, list(attendee_ids)),
    ).fetchall()
    return {row["attendee_id"] for row in rows}


def recipients(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, attendee_ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """Attendees of the event with their live card (card_id NULL when it has none)."""
    rows = conn.execute(
        """
        SELECT a.attendee_id, a.event_id, a.email, a.first_name, a.last_name, a.org_name, a.title,
               c.card_id, c.display_name
        FROM attendees a
        LEFT JOIN cards c ON c.tenant_id = a.tenant_id AND c.card_id = a.card_id AND c.deleted_at IS NULL
        WHERE a.tenant_id = %s AND a.event_id = %s AND a.attendee_id = ANY(%s)
        """,
        (tenant_id, event_id, list(attendee_ids)),
    ).fetchall()
    return {row["attendee_id"]: row for row in rows}


def event_with_brand(conn: psycopg.Connection, tenant_id: UUID, event_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        """
        SELECT e.event_id, e.name, e.slug, e.starts_at, e.ends_at, e.timezone, e.status, e.settings_json,
               b.brand_id, b.display_name AS brand_name, b.domain AS brand_domain, b.theme_json, b.features_json
        FROM events e
        LEFT JOIN brands b ON b.tenant_id = e.tenant_id AND b.brand_id = e.brand_id
        WHERE e.tenant_id = %s AND e.event_id = %s
        """,
        (tenant_id, event_id),
    ).fetchone()


# --- suppressions -----------------------------------------------------------------------------


def suppressed(conn: psycopg.Connection, tenant_id: UUID, emails: Iterable[str]) -> dict[str, str]:
    """address (lower case) -> reason, for the given addresses that are suppressed."""
    wanted = sorted({email.lower() for email in emails if email})
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT email, reason FROM email_suppressions WHERE tenant_id = %s AND email = ANY(%s)", (tenant_id, wanted)
    ).fetchall()
    return {row["email"]: row["reason"] for row in rows}


def suppress(conn: psycopg.Connection, tenant_id: UUID, email: str, reason: str) -> bool:
    """Add an address (an earlier reason is kept); True when it was not suppressed before."""
    row = conn.execute(
        """
        INSERT INTO email_suppressions (tenant_id, email, reason) VALUES (%s, %s, %s)
        ON CONFLICT (tenant_id, email) DO NOTHING RETURNING email
        """,
        (tenant_id, email.lower(), reason),
    ).fetchone()
    return row is not None


# --- the send log ---------------------------------------------------------------------------


def get_send(conn: psycopg.Connection, tenant_id: UUID, job_id: UUID, attendee_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {SEND_COLUMNS} FROM email_sends WHERE tenant_id = %s AND job_id = %s AND attendee_id = %s",
        (tenant_id, job_id, attendee_id),
    ).fetchone()


def insert_send(conn: psycopg.Connection, tenant_id: UUID, values: dict[str, Any]) -> dict[str, Any] | None:
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
    conn: psycopg.Connection,
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


def release_claim(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> None:
    """Forget a claim whose message certainly did not reach SES, so a retry sends it."""
    conn.execute("DELETE FROM email_sends WHERE tenant_id = %s AND message_id = %s AND status = 'claimed'", (tenant_id, message_id))
    conn.execute("DELETE FROM message_contexts WHERE tenant_id = %s AND message_id = %s", (tenant_id, message_id))


def send_by_message(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """A send by our message id or SES's."""
    return conn.execute(
        f"""
        SELECT {SEND_COLUMNS} FROM email_sends
        WHERE tenant_id = %s AND (message_id = %s OR provider_message_id = %s)
        ORDER BY send_id LIMIT 1
        """,
        (tenant_id, message_id, message_id),
    ).fetchone()


def mark_delivered(conn: psycopg.Connection, tenant_id: UUID, send_id: int, delivered_at: datetime) -> None:
    conn.execute(
        "UPDATE email_sends SET delivered_at = least(coalesce(delivered_at, %s), %s) WHERE tenant_id = %s AND send_id = %s",
        (delivered_at, delivered_at, tenant_id, send_id),
    )


def heal_unknown(conn: psycopg.Connection, tenant_id: UUID, send_id: int, provider_message_id: str | None) -> dict[str, Any] | None:
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


def job_send_counts(conn: psycopg.Connection, tenant_id: UUID, job_id: UUID) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM email_sends WHERE tenant_id = %s AND job_id = %s GROUP BY status",
        (tenant_id, job_id),
    ).fetchall()
    return {row["status"]: row["n"] for row in rows}


# --- message contexts -------------------------------------------------------------------------


def insert_context(conn: psycopg.Connection, tenant_id: UUID, values: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO message_contexts (message_id, tenant_id, event_id, card_id, attendee_id, job_id, recipient_email, links)
        VALUES (%(message_id)s, %(tenant_id)s, %(event_id)s, %(card_id)s, %(attendee_id)s, %(job_id)s,
                %(recipient_email)s, %(links)s)
        """,
        {**values, "tenant_id": tenant_id, "links": Jsonb(values["links"])},
    )


def set_context_provider_id(conn: psycopg.Connection, tenant_id: UUID, message_id: str, provider_message_id: str) -> None:
    conn.execute(
        "UPDATE message_contexts SET provider_message_id = %s WHERE tenant_id = %s AND message_id = %s",
        (provider_message_id, tenant_id, message_id),
    )


def message_tenant(conn: psycopg.Connection, message_id: str, *, live_only: bool) -> UUID | None:
    """The tenant of one of our message ids (SECURITY DEFINER resolvers, in a transaction without
    a tenant): while its context lives, or (live_only=False) of any message ever sent."""
    query = "SELECT app_message_tenant(%s) AS tenant_id" if live_only else "SELECT app_sent_message_tenant(%s) AS tenant_id"
    row = conn.execute(query, (message_id,)).fetchone()
    return row["tenant_id"] if row else None


def live_context(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """The context of OUR message id (not SES's), unless it has expired."""
    return conn.execute(
        f"""
        SELECT {CONTEXT_COLUMNS} FROM message_contexts
        WHERE tenant_id = %s AND message_id = %s AND expires_at > now()
        """,
        (tenant_id, message_id),
    ).fetchone()


def sent_message(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
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


def context_by_any_id(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """A context by our id or SES's, expired or not (SES events may come late)."""
    return conn.execute(
        f"""
        SELECT {CONTEXT_COLUMNS} FROM message_contexts
        WHERE tenant_id = %s AND (message_id = %s OR provider_message_id = %s) LIMIT 1
        """,
        (tenant_id, message_id, message_id),
    ).fetchone()


def message_timing(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """When our message was sent and delivered (for the prefetch rule)."""
    return conn.execute(
        """
        SELECT s.sent_at, s.delivered_at, s.claimed_at FROM email_sends s
        WHERE s.tenant_id = %s AND s.message_id = %s
        """,
        (tenant_id, message_id),
    ).fetchone()


# --- email events ---------------------------------------------------------------------------

EVENT_FIELDS = (
    "event_id", "card_id", "attendee_id", "message_id", "recipient_email", "event_type", "classification",
    "link_url", "user_agent", "ip_address", "dedupe_key", "occurred_at", "metadata_json",
)


def insert_event(conn: psycopg.Connection, tenant_id: UUID, values: dict[str, Any]) -> int | None:
    """Insert one email event; None when its dedupe key was seen before (a redelivered notification)."""
    params = {field: values.get(field) for field in EVENT_FIELDS}
    params["classification"] = params["classification"] or "human"
    params["metadata_json"] = Jsonb(params["metadata_json"] or {})
    row = conn.execute(
        """
        INSERT INTO email_events (tenant_id, event_id, card_id, attendee_id, message_id, recipient_email, event_type,
                                  classification, link_url, user_agent, ip_address, dedupe_key, occurred_at, metadata_json)
        VALUES (%(tenant_id)s, %(event_id)s, %(card_id)s, %(attendee_id)s, %(message_id)s, %(recipient_email)s,
                %(event_type)s, %(classification)s, %(link_url)s, %(user_agent)s, %(ip_address)s, %(dedupe_key)s,
                coalesce(%(occurred_at)s, now()), %(metadata_json)s)
        ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING email_event_id
        """,
        {**params, "tenant_id": tenant_id},
    ).fetchone()
    return row["email_event_id"] if row else None


def recent_clicks(conn: psycopg.Connection, tenant_id: UUID, message_id: str, *, around: datetime, window_s: float) -> list[dict[str, Any]]:
    """Clicks of a message within `window_s` seconds of `around` (the burst rule)."""
    return conn.execute(
        """
        SELECT email_event_id, link_url, occurred_at, classification, metadata_json->>'link' AS link
        FROM email_events
        WHERE tenant_id = %s AND message_id = %s AND event_type = 'clicked'
          AND occurred_at BETWEEN %s - make_interval(secs => %s) AND %s + make_interval(secs => %s)
        ORDER BY occurred_at
        """,
        (tenant_id, message_id, around, window_s, around, window_s),
    ).fetchall()


def reclassify_machine(conn: psycopg.Connection, tenant_id: UUID, event_ids: Sequence[int], reason: str) -> int:
    if not event_ids:
        return 0
    cursor = conn.execute(
        """
        UPDATE email_events
        SET classification = 'machine',
            metadata_json = metadata_json || jsonb_build_object('classification_reason', %s::text)
        WHERE tenant_id = %s AND email_event_id = ANY(%s) AND classification = 'human'
        """,
        (reason, tenant_id, list(event_ids)),
    )
    return cursor.rowcount


def events_of_message(conn: psycopg.Connection, tenant_id: UUID, message_id: str) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT email_event_id, event_type, classification, link_url, user_agent, host(ip_address) AS ip_address,
               occurred_at, metadata_json
        FROM email_events WHERE tenant_id = %s AND message_id = %s ORDER BY occurred_at, email_event_id
        """,
        (tenant_id, message_id),
    ).fetchall()


# --- metrics --------------------------------------------------------------------------------


def funnel(
    conn: psycopg.Connection,
    tenant_id: UUID,
    *,
    event_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Per event type: human total and unique (distinct messages), machine total and unique.

    Opens and clicks that SES itself reported (metadata source 'ses', when the configuration
    set has SES open/click tracking on) are left out: our pixel and redirect count those
    same actions already, and counting both would double them."""
    conditions = ["tenant_id = %(tenant_id)s", "NOT (event_type IN ('opened', 'clicked') AND coalesce(metadata_json->>'source', '') = 'ses')"]
    params: dict[str, Any] = {"tenant_id": tenant_id}
    if event_id is not None:
        conditions.append("event_id = %(event_id)s")
        params["event_id"] = event_id
    if since is not None:
        conditions.append("occurred_at >= %(since)s")
        params["since"] = since
    if until is not None:
        conditions.append("occurred_at < %(until)s")
        params["until"] = until
    return conn.execute(
        f"""
        SELECT event_type,
               count(*) FILTER (WHERE classification = 'human') AS human_total,
               count(DISTINCT message_id) FILTER (WHERE classification = 'human') AS human_unique,
               count(*) FILTER (WHERE classification = 'machine') AS machine_total,
               count(DISTINCT message_id) FILTER (WHERE classification = 'machine') AS machine_unique
        FROM email_events
        WHERE {' AND '.join(conditions)}
        GROUP BY event_type
        """,
        params,
    ).fetchall()
