"""Cards: what an attendee's card shows is derived from the attendee, in one place."""

from __future__ import annotations

from typing import Any


def card_fields_from_attendee(attendee: dict[str, Any]) -> dict[str, Any]:
    """The card's display fields for an attendee row (or validated attendee values)."""
    name = " ".join(part for part in (attendee.get("first_name"), attendee.get("last_name")) if part)
    links = {"linkedin": str(attendee["linkedin_url"])} if attendee.get("linkedin_url") else {}
    return {
        "display_name": name or (attendee.get("email") or "Attendee"),
        "email": attendee.get("email"),
        "phone": attendee.get("phone"),
        "org_name": attendee.get("org_name"),
        "title": attendee.get("title"),
        "links_json": links,
    }
