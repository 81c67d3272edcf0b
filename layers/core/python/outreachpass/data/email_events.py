"""SQL for what happens to a sent email: its message context (the links it carried, for click
tracking; 7 days), its events (sent, delivered, opened, clicked, bounced, ...) and the funnel
built from them, and the SECURITY DEFINER resolvers that find a message's tenant.

Every function but the resolvers takes a connection in a tenant transaction (RLS) and still
filters on tenant_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn

CONTEXT_COLUMNS = (
    "message_id, tenant_id, event_id, card_id, attendee_id, job_id, provider_message_id, recipient_email, links, "
    "expires_at, created_at"
)


def message_tenant(conn: Conn, message_id: str) -> UUID | None:
    """The tenant of a live message of ours (SECURITY DEFINER resolver: works before any tenant is set)."""
    row = conn.execute("SELECT app_message_tenant(%s) AS tenant_id", (message_id,)).fetchone()
    return row["tenant_id"] if row else None


def sent_message_tenant(conn: Conn, message_id: str) -> UUID | None:
    """The tenant of any message of ours ever sent, its context live, expired or deleted
    (SECURITY DEFINER resolver, V0621): a link of an old email."""
    row = conn.execute("SELECT app_sent_message_tenant(%s) AS tenant_id", (message_id,)).fetchone()
    return row["tenant_id"] if row else None


def email_tenant(conn: Conn, message_id: str) -> UUID | None:
    """The tenant of a message by our id or SES's (SECURITY DEFINER resolver), for SES's events."""
    row = conn.execute("SELECT app_email_tenant(%s) AS tenant_id", (message_id,)).fetchone()
    return row["tenant_id"] if row else None


# --- message contexts -------------------------------------------------------------------------


def insert_context(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO message_contexts (message_id, tenant_id, event_id, card_id, attendee_id, job_id, recipient_email, links)
        VALUES (%(message_id)s, %(tenant_id)s, %(event_id)s, %(card_id)s, %(attendee_id)s, %(job_id)s,
                %(recipient_email)s, %(links)s)
        """,
        {**values, "tenant_id": tenant_id, "links": Jsonb(values["links"])},
    )


def set_context_provider_id(conn: Conn, tenant_id: UUID, message_id: str, provider_message_id: str) -> None:
    conn.execute(
        "UPDATE message_contexts SET provider_message_id = %s WHERE tenant_id = %s AND message_id = %s",
        (provider_message_id, tenant_id, message_id),
    )


def live_context(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """The context of OUR message id (not SES's), unless it has expired."""
    return conn.execute(
        f"""
        SELECT {CONTEXT_COLUMNS} FROM message_contexts
        WHERE tenant_id = %s AND message_id = %s AND expires_at > now()
        """,
        (tenant_id, message_id),
    ).fetchone()


def context_by_any_id(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
    """A context by our id or SES's, expired or not (SES events may come late)."""
    return conn.execute(
        f"""
        SELECT {CONTEXT_COLUMNS} FROM message_contexts
        WHERE tenant_id = %s AND (message_id = %s OR provider_message_id = %s) LIMIT 1
        """,
        (tenant_id, message_id, message_id),
    ).fetchone()


def message_timing(conn: Conn, tenant_id: UUID, message_id: str) -> dict[str, Any] | None:
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


def insert_event(conn: Conn, tenant_id: UUID, values: dict[str, Any]) -> int | None:
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


def recent_clicks(conn: Conn, tenant_id: UUID, message_id: str, *, around: datetime, window_s: float) -> list[dict[str, Any]]:
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


def reclassify_machine(conn: Conn, tenant_id: UUID, event_ids: Sequence[int], reason: str) -> int:
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


def events_of_message(conn: Conn, tenant_id: UUID, message_id: str) -> list[dict[str, Any]]:
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
    conn: Conn,
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
