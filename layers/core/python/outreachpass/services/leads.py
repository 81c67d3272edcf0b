"""Leads: the attendees an exhibitor met, captured by scanning their card on the show floor.

The caller's exhibitor comes from its users row, read at the start of the request
(principal.caller_state), never from the body: an exhibitor user reaches its own exhibitor's
leads and the cards of its exhibitor's event, nothing else. An exhibitor user without an
exhibitor (its exhibitor was deleted) is refused with 403 EXHIBITOR_REQUIRED.

Capture is built for a phone that queues scans while offline and replays them later:
* a scan is whatever the camera read: the card URL of a card's QR code (`.../c/<id>?src=qr`), a
  card URL typed in, a bare card id, or a vCard that carries a card URL; anything else is a 400;
* one lead per exhibitor and card: scanning a card again returns the existing lead (200), as
  it is, whatever notes the repeated scan carries (PATCH changes a lead);
* `client_id` is the device's id of a scan: sending it again returns the lead that scan made
  (200), so a replayed queue never makes duplicates, even when the card was deleted since;
* the contact fields are copied from what the card's public page shows (name, title,
  organisation, e-mail, phone, LinkedIn), no more, at the time of the scan;
* an unknown card, a deleted one, another tenant's or one of another event of the tenant are
  the same 404 CARD_NOT_FOUND;
* a new lead records a `lead_captured` engagement event on the card, in the same statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreachpass.data import events as events_data
from outreachpass.data import exhibitors as exhibitors_data
from outreachpass.data import leads as leads_data
from outreachpass.data.conn import Conn, held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Forbidden, NotFound, ValidationFailed
from outreachpass.integrations.csv_writer import CsvLines
from outreachpass.models.leads import LeadCapture, LeadUpdate
from outreachpass.principal import Principal, caller_state
from outreachpass.services.card_appearance import linkedin_url

# A card URL's path: /c/<card id>, then nothing or a sub-resource (/vcard, /qr.png, ...).
_CARD_PATH = re.compile(r"/c/([0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12})(?:/[^?#\s]*)?$")
_CARD_URL_IN_TEXT = re.compile(r"https?://[^\s/]+(/c/[0-9A-Fa-f-]{32,36})(?=[/?#\s;]|$)")
NOT_A_CARD = "not a card: scan a card's QR code, or enter its URL (…/c/<id>) or its id"

EXPORT_COLUMNS = (
    "captured_at", "name", "org_name", "title", "email", "phone", "linkedin_url", "rating", "tags", "notes", "lead_id", "card_id",
)
UTF8_BOM = "\ufeff"  # spreadsheets (Excel) read the file as UTF-8 only with it


def card_id_from_scan(text: str) -> UUID:
    """The card id in what a scanner read; 400 VALIDATION_ERROR on `scan` for anything else."""
    raw = text.strip()
    if raw.upper().startswith("BEGIN:VCARD"):
        found = _CARD_URL_IN_TEXT.search(raw)
        raw = found.group(1) if found else ""
    if "/" not in raw:
        try:
            return UUID(raw)
        except ValueError:
            raise ValidationFailed.field("scan", NOT_A_CARD) from None
    path = raw
    if "://" in raw:
        try:
            parts = urlsplit(raw)
        except ValueError:
            raise ValidationFailed.field("scan", NOT_A_CARD) from None
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise ValidationFailed.field("scan", NOT_A_CARD)
        path = parts.path
    else:
        path = urlsplit(raw).path
    found = _CARD_PATH.search(path)
    if found is None:
        raise ValidationFailed.field("scan", NOT_A_CARD)
    return UUID(found.group(1))


def capture_lead(principal: Principal, request: LeadCapture) -> tuple[dict[str, Any], bool]:
    """(the lead, whether this request created it)."""
    card_id = card_id_from_scan(request.scan)
    with tenant_tx(principal.tenant_id) as conn:
        exhibitor_id = _caller_exhibitor_id()
        replayed, card = leads_data.scan_context(conn, principal.tenant_id, exhibitor_id, card_id, request.client_id)
        if replayed is not None:
            return replayed, False
        if card is None:
            raise NotFound("card", card_id)
        lead = leads_data.insert_recording_engagement(
            conn,
            principal.tenant_id,
            {
                "exhibitor_id": exhibitor_id,
                "event_id": card["event_id"],
                "card_id": card_id,
                "client_id": request.client_id,
                "captured_by": caller_state().user_id,
                **_contact_of(card),
                "notes": request.notes or None,
                "rating": request.rating,
                "tags": request.tags,
            },
        )
        if lead is not None:
            return lead, True
        # Already captured: this card by this exhibitor (another scan, another device), or this
        # client_id by a concurrent replay that committed first.
        existing = leads_data.by_card(conn, principal.tenant_id, exhibitor_id, card_id)
        if existing is None and request.client_id is not None:
            existing = leads_data.by_client_id(conn, principal.tenant_id, exhibitor_id, request.client_id)
        if existing is None:  # pragma: no cover - a conflict always leaves the row it conflicted with
            raise NotFound("card", card_id)
        return existing, False


def _contact_of(card: dict[str, Any]) -> dict[str, Any]:
    """What the card's public page shows of its owner."""
    return {
        "name": card["display_name"].strip(),
        "org_name": card["org_name"],
        "title": card["title"],
        "email": card["email"],
        "phone": card["phone"],
        "linkedin_url": linkedin_url(card["links_json"]),
    }


def get_lead(principal: Principal, lead_id: UUID) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        return _existing(conn, principal.tenant_id, _caller_exhibitor_id(), lead_id)


def list_leads(principal: Principal, *, q: str | None, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    after = Cursor.decode(cursor)
    search = " ".join((q or "").split()) or None
    with tenant_tx(principal.tenant_id) as conn:
        rows = leads_data.list_page(
            conn, principal.tenant_id, _caller_exhibitor_id(), q=search, limit=limit,
            after=(after.created_at, after.id) if after else None,
        )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, Cursor(rows[-1]["captured_at"], rows[-1]["lead_id"]).encode()


def update_lead(principal: Principal, lead_id: UUID, request: LeadUpdate) -> dict[str, Any]:
    changes = request.model_dump(exclude_unset=True)
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []
    if "notes" in changes and not changes["notes"]:
        changes["notes"] = None
    with tenant_tx(principal.tenant_id) as conn:
        exhibitor_id = _caller_exhibitor_id()
        before = _existing(conn, principal.tenant_id, exhibitor_id, lead_id, for_update=True)
        changes = {key: value for key, value in changes.items() if before[key] != value}
        if not changes:
            return before
        return held(leads_data.update(conn, principal.tenant_id, lead_id, changes))


def delete_lead(principal: Principal, lead_id: UUID) -> None:
    with tenant_tx(principal.tenant_id) as conn:
        if not leads_data.delete(conn, principal.tenant_id, _caller_exhibitor_id(), lead_id):
            raise NotFound("lead", lead_id)


def summary(principal: Principal) -> dict[str, Any]:
    """The caller's exhibitor and its lead counts (the scanner's header)."""
    with tenant_tx(principal.tenant_id) as conn:
        exhibitor_id = _caller_exhibitor_id()
        exhibitor = exhibitors_data.get(conn, principal.tenant_id, exhibitor_id)
        if exhibitor is None:  # pragma: no cover - the foreign key nulls users.exhibitor_id first
            raise _no_exhibitor()
        return {"exhibitor": exhibitor, "leads": leads_data.counts(conn, principal.tenant_id, exhibitor_id)}


@dataclass(frozen=True)
class LeadsCsv:
    filename: str
    text: str
    rows: int


def export_csv(principal: Principal) -> LeadsCsv:
    """Every lead of the caller's exhibitor, oldest first, as CSV for a spreadsheet: UTF-8 with a
    BOM, formula-safe cells (integrations/csv_writer), times in the event's time zone."""
    with tenant_tx(principal.tenant_id) as conn:
        exhibitor_id = _caller_exhibitor_id()
        exhibitor = exhibitors_data.get(conn, principal.tenant_id, exhibitor_id)
        if exhibitor is None:  # pragma: no cover - see summary()
            raise _no_exhibitor()
        zone = _event_zone(conn, principal.tenant_id, exhibitor["event_id"])
        lines = CsvLines(tz=zone)
        parts = [UTF8_BOM, lines.header(EXPORT_COLUMNS)]
        rows = 0
        for lead in leads_data.stream_all(conn, principal.tenant_id, exhibitor_id):
            parts.append(lines.row(_export_values(lead)))
            rows += 1
    slug = re.sub(r"[^a-z0-9]+", "-", exhibitor["name"].lower()).strip("-")[:60] or "exhibitor"
    return LeadsCsv(filename=f"leads-{slug}-{datetime.now(UTC):%Y%m%d}.csv", text="".join(parts), rows=rows)


def _export_values(lead: dict[str, Any]) -> Iterator[Any]:
    for column in EXPORT_COLUMNS:
        value = lead[column]
        yield "; ".join(value) if column == "tags" else value


def _event_zone(conn: Conn, tenant_id: UUID, event_id: UUID) -> ZoneInfo:
    event = events_data.get(conn, tenant_id, event_id)
    try:
        return ZoneInfo((event or {}).get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- the caller's exhibitor ---------------------------------------------------------------------


def _caller_exhibitor_id() -> UUID:
    """The exhibitor of the caller's users row (valid once the request's transaction began)."""
    exhibitor_id = caller_state().exhibitor_id
    if exhibitor_id is None:
        raise _no_exhibitor()
    return exhibitor_id


def _no_exhibitor() -> Forbidden:
    return Forbidden("This user works for no exhibitor; ask the organiser to invite you to one", code="EXHIBITOR_REQUIRED")


def _existing(conn: Conn, tenant_id: UUID, exhibitor_id: UUID, lead_id: UUID, *, for_update: bool = False) -> dict[str, Any]:
    lead = leads_data.get(conn, tenant_id, exhibitor_id, lead_id, for_update=for_update)
    if lead is None:
        raise NotFound("lead", lead_id)
    return lead
