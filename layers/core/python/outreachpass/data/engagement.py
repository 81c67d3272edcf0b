"""SQL for each attendee's engagement with its card: was it e-mailed, delivered, opened,
clicked; was the card viewed, added to a wallet, exported; did the mail bounce.

One statement for a page of attendees (at most 200): per attendee, index probes on the
attendee (e-mail tables) and on its card (the card-event tables), each stopping at the
first row. Machine opens and clicks (privacy proxies, link scanners) and bot views do not
count, as in the analytics.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from outreachpass.data.conn import Conn, Row


def of_attendees(conn: Conn, tenant_id: UUID, attendees: Iterable[Row]) -> dict[UUID, Row]:
    rows = list(attendees)
    if not rows:
        return {}
    found: list[Row] = conn.execute(
        """
        SELECT a.attendee_id,
               s.last_sent_at,
               coalesce(s.delivered, false)
                 OR EXISTS (SELECT 1 FROM email_events e WHERE e.tenant_id = %(tenant)s AND e.attendee_id = a.attendee_id
                            AND e.event_type = 'delivered') AS delivered,
               EXISTS (SELECT 1 FROM email_events e WHERE e.tenant_id = %(tenant)s AND e.attendee_id = a.attendee_id
                       AND e.event_type = 'opened' AND e.classification = 'human') AS opened,
               EXISTS (SELECT 1 FROM email_events e WHERE e.tenant_id = %(tenant)s AND e.attendee_id = a.attendee_id
                       AND e.event_type = 'clicked' AND e.classification = 'human') AS clicked,
               EXISTS (SELECT 1 FROM email_events e WHERE e.tenant_id = %(tenant)s AND e.attendee_id = a.attendee_id
                       AND e.event_type IN ('bounced', 'complained', 'rejected')) AS bounced,
               EXISTS (SELECT 1 FROM card_view_events v WHERE v.tenant_id = %(tenant)s AND v.card_id = a.card_id
                       AND v.device_type <> 'bot') AS viewed,
               EXISTS (SELECT 1 FROM wallet_pass_events w WHERE w.tenant_id = %(tenant)s AND w.card_id = a.card_id
                       AND w.event_type = 'added') AS wallet_added,
               EXISTS (SELECT 1 FROM contact_export_events x WHERE x.tenant_id = %(tenant)s AND x.card_id = a.card_id) AS exported
          FROM unnest(%(ids)s::uuid[], %(cards)s::uuid[]) AS a (attendee_id, card_id)
          LEFT JOIN LATERAL (
                SELECT max(es.sent_at) AS last_sent_at, bool_or(es.delivered_at IS NOT NULL) AS delivered
                  FROM email_sends es
                 WHERE es.tenant_id = %(tenant)s AND es.attendee_id = a.attendee_id AND es.status = 'sent'
               ) s ON true
        """,
        {"tenant": tenant_id, "ids": [r["attendee_id"] for r in rows], "cards": [r.get("card_id") for r in rows]},
    ).fetchall()
    return {row["attendee_id"]: row for row in found}
