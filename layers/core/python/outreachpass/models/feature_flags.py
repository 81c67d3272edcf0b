"""Feature flags: the switches a tenant can set, each gating a real feature (services.feature_flags).

Every flag is on by default; a tenant turns one off with PUT /api/v1/admin/feature-flags. The
request and response bodies name every known flag, so the OpenAPI document lists them with
what each switches; an unknown flag is refused (400 naming it).

Adding a flag: one entry in FLAGS (key and description), one field in each of the two models
below (a test keeps the three in step), and the check where the feature is served.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FLAGS: dict[str, str] = {
    "apple_wallet": "Apple Wallet passes: the card page's \"Add to Apple Wallet\" button, GET /c/{card_id}/wallet/apple, the "
    "Apple Wallet link of card emails and Apple passes in pass jobs. Off: no button, no link, the route answers "
    "404 FEATURE_DISABLED. Passes already saved keep receiving updates.",
    "google_wallet": "Google Wallet passes: the card page's \"Add to Google Wallet\" button, GET /c/{card_id}/wallet/google, "
    "the Google Wallet link of card emails and Google objects in pass jobs. Off: no button, no link, the route answers "
    "404 FEATURE_DISABLED. Passes already saved keep receiving updates.",
    "vcard_download": "The vCard download: the card page's \"Save contact\" button, GET /c/{card_id}/vcard and the vCard "
    "link of card emails. Off: no button, no link, the route (and the page's add_to_contacts beacon) answers 404 "
    "FEATURE_DISABLED.",
    "share_button": "The card page's Share button. Off: no button, and the page's share beacon answers 404 "
    "FEATURE_DISABLED (links shared earlier still open the card).",
    "email_open_tracking": "The open pixel of card emails. Off: emails are sent without it, and the pixel of emails sent "
    "earlier records nothing (it still answers its image).",
    "contact_share": "The card page's \"Share my details\" form (a visitor's details e-mailed to the card's owner): "
    "POST /api/track/cards/{card_id}/contact. Off: no form, and the route answers 403 CONTACT_SHARE_DISABLED "
    "(nothing sent or recorded).",
}


class FlagSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


def _setting(key: str) -> FlagSetting | None:
    return Field(default=None, description=FLAGS[key])


class FeatureFlagsReplace(BaseModel):
    """PUT body: the flags the tenant sets; a flag left out goes back to its default (on). Any
    other key is refused with 400 VALIDATION_ERROR naming it."""

    # Unknown keys are kept for the service to refuse by name (services.feature_flags); the
    # schema still says no other keys are allowed.
    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})

    apple_wallet: FlagSetting | None = _setting("apple_wallet")
    google_wallet: FlagSetting | None = _setting("google_wallet")
    vcard_download: FlagSetting | None = _setting("vcard_download")
    share_button: FlagSetting | None = _setting("share_button")
    email_open_tracking: FlagSetting | None = _setting("email_open_tracking")
    contact_share: FlagSetting | None = _setting("contact_share")

    def unknown_keys(self) -> list[str]:
        return sorted(self.model_extra or {})

    def settings(self) -> dict[str, bool]:
        """{flag: enabled} for the flags named in the body."""
        return {key: value.enabled for key in FLAGS if (value := getattr(self, key)) is not None}


class FlagState(BaseModel):
    enabled: bool
    source: Literal["default", "tenant"] = Field(description="default: the tenant has not set it (flags are on by default)")
    updated_at: datetime | None = Field(description="When the tenant last set it; null for a default")


def _state(key: str) -> FlagState:
    return Field(description=FLAGS[key])  # type: ignore[no-any-return]


class FeatureFlags(BaseModel):
    """Every flag with its state for the tenant."""

    apple_wallet: FlagState = _state("apple_wallet")
    google_wallet: FlagState = _state("google_wallet")
    vcard_download: FlagState = _state("vcard_download")
    share_button: FlagState = _state("share_button")
    email_open_tracking: FlagState = _state("email_open_tracking")
    contact_share: FlagState = _state("contact_share")
