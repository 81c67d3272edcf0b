"""Request and response shapes of the wallet routes (the admin pass-generation job; the Apple web
service bodies are Apple's shapes)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from outreachpass.models.common import RequestModel, described

Platform = Literal["apple", "google"]
PLATFORMS: tuple[Platform, ...] = ("apple", "google")
MAX_IDS = 5000


class PassesGenerate(RequestModel):
    """Which cards of the event get passes, on which platforms.

    Give `card_ids` or `attendee_ids` (not both), or neither (or `all: true`) for every live card
    of the event. Passes already generated at the card's current vcard_rev are skipped unless
    `force` is set."""

    all: bool = False
    card_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_IDS)
    attendee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_IDS)
    platforms: list[Platform] = Field(default_factory=lambda: list(PLATFORMS), min_length=1, max_length=2)
    force: bool = False

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("card_ids", "attendee_ids")
    @classmethod
    def _unique_ids(cls, value: list[UUID] | None) -> list[UUID] | None:
        return list(dict.fromkeys(value)) if value else value

    @model_validator(mode="after")
    def _one_selection(self) -> PassesGenerate:
        chosen = [name for name in ("card_ids", "attendee_ids") if getattr(self, name)]
        if len(chosen) > 1:
            raise ValueError("give card_ids or attendee_ids, not both")
        if chosen and self.all:
            raise ValueError(f"all: true selects every card; drop it or drop {chosen[0]}")
        return self

    @property
    def selection(self) -> str:
        if self.card_ids:
            return "cards"
        if self.attendee_ids:
            return "attendees"
        return "all"


# --- Apple Wallet web service (Apple's JSON shapes) ------------------------------------------------

PushToken = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=described(r"^[A-Za-z0-9]+$", "use letters and digits only"))]


class DeviceRegistration(BaseModel):
    """POST /wallet/v1/devices/.../registrations/...: {"pushToken": "<hex>"}."""

    pushToken: PushToken  # Apple's name for it


class DeviceLogs(BaseModel):
    """POST /wallet/v1/log: {"logs": ["..."]}."""

    logs: list[Annotated[str, StringConstraints(max_length=4000)]] = Field(default_factory=list, max_length=100)
