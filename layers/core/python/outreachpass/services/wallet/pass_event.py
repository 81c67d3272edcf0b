"""What a pass knows of its event: when (in the event's time zone), where, until when the pass
is good for, whom to contact, and in which language it speaks. Read from the card row of
data.wallet.card_for_pass; shared by the Apple and Google passes so both say the same.

- Relevance: Apple's `relevantDates` take intervals of at most a day, so an event gets one per
  calendar day it covers (in its time zone), at most MAX_RELEVANT_DAYS.
- Expiry: `settings.pass_expires_days_after_end` days after the end (0 to 365), else
  models.events.DEFAULT_PASS_EXPIRY_DAYS. An expired pass stays in the wallet, greyed out or
  moved aside; the card page behind its QR code keeps working.
- The organiser's contact: the event's `settings.contact_email` when it is an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreachpass.models.events import DEFAULT_PASS_EXPIRY_DAYS
from outreachpass.services.card_appearance import organisation_of
from outreachpass.services.wallet.labels import pass_language

MAX_RELEVANT_DAYS = 14
MAX_EXPIRY_DAYS = 365


@dataclass(frozen=True)
class PassEvent:
    language: str  # one of labels.SUPPORTED: the attendee's, else the event's, else English
    organiser: str  # the brand's name, else the tenant's
    name: str | None = None
    starts_at: datetime | None = None  # aware, in the event's time zone
    ends_at: datetime | None = None
    venue_name: str | None = None
    venue_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    contact_email: str | None = None
    expires_at: datetime | None = None

    @property
    def location(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    @property
    def venue_text(self) -> str | None:
        """The venue's name and address on separate lines (what is known of it)."""
        parts = [part for part in (self.venue_name, self.venue_address) if part]
        return "\n".join(parts) or None

    def relevant_days(self) -> list[tuple[datetime, datetime]]:
        """One (start, end) interval per calendar day of the event, in its time zone."""
        if self.starts_at is None or self.ends_at is None or self.ends_at <= self.starts_at:
            return []
        windows: list[tuple[datetime, datetime]] = []
        start = self.starts_at
        while start < self.ends_at and len(windows) < MAX_RELEVANT_DAYS:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=start.tzinfo)
            end = min(midnight, self.ends_at)
            windows.append((start, end))
            start = end
        return windows


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def expiry_days(settings: dict[str, Any] | None) -> int:
    value = (settings or {}).get("pass_expires_days_after_end")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EXPIRY_DAYS:
        return DEFAULT_PASS_EXPIRY_DAYS
    return value


def pass_event(card: dict[str, Any]) -> PassEvent:
    """The event facts of a card row (data.wallet.card_for_pass); a card outside any event gets
    only its language and organiser. Stored values are re-checked: a bad one is left out."""
    language = pass_language(card.get("attendee_language"), card.get("event_language"))
    organiser = organisation_of(card)
    if not card.get("event_id") or card.get("event_starts_at") is None:
        return PassEvent(language=language, organiser=organiser, name=_text(card.get("event_name")))
    zone = _zone(card.get("event_timezone"))
    starts_at = card["event_starts_at"].astimezone(zone)
    ends_at = card["event_ends_at"].astimezone(zone) if card.get("event_ends_at") else None
    venue: dict[str, Any] = card["event_venue"] if isinstance(card.get("event_venue"), dict) else {}
    settings: dict[str, Any] = card["event_settings"] if isinstance(card.get("event_settings"), dict) else {}
    contact = _text(settings.get("contact_email"))
    return PassEvent(
        language=language,
        organiser=organiser,
        name=_text(card.get("event_name")),
        starts_at=starts_at,
        ends_at=ends_at,
        venue_name=_text(venue.get("name")),
        venue_address=_text(venue.get("address")),
        latitude=_number(venue.get("latitude"), -90, 90),
        longitude=_number(venue.get("longitude"), -180, 180),
        contact_email=contact if contact and "@" in contact else None,
        expires_at=(ends_at + timedelta(days=expiry_days(settings))) if ends_at else None,
    )
