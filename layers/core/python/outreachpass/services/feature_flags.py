"""Feature flags: what a tenant switched off, and the check every gated feature makes.

A tenant's flags are the keys of models.feature_flags.FLAGS, each on unless the tenant set it
off (one feature_flags row per flag it set). A brand's `features` can switch the same keys off
for the cards, passes and emails of that brand. So a feature is served for a card when the
tenant has not switched it off AND the card's brand has not: `Features.of(tenant_flags,
brand_features)`.

The public queries read the tenant's flags in the query that reads the card
(data.feature_flags.TENANT_FLAGS_OF_CARD), so a gate costs no extra round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from outreachpass.data import feature_flags as flags_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import AppError, FieldError, ValidationFailed
from outreachpass.models.feature_flags import FLAGS, FeatureFlagsReplace
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change

DEFAULT_ENABLED = True


class FeatureDisabled(AppError):
    """A public route of a feature the card's tenant (or brand) switched off."""

    status = 404
    code = "FEATURE_DISABLED"

    def __init__(self, flag: str):
        super().__init__(f"This is not available for this card ({flag} is switched off)")
        self.flag = flag


@dataclass(frozen=True)
class Features:
    """Which gated features are served, for one card (its tenant's flags and its brand's features)."""

    off: frozenset[str] = frozenset()

    @classmethod
    def of(cls, tenant_flags: dict[str, Any] | None, brand_features: dict[str, Any] | None = None) -> Features:
        tenant_flags = tenant_flags or {}
        brand_features = brand_features or {}
        return cls(frozenset(
            key for key in FLAGS
            if tenant_flags.get(key, DEFAULT_ENABLED) is False or brand_features.get(key) is False
        ))

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> Features:
        """From a query row carrying `tenant_flags` (TENANT_FLAGS_OF_CARD) and the brand's `features_json`."""
        return cls.of(row.get("tenant_flags"), row.get("features_json"))

    def enabled(self, flag: str) -> bool:
        if flag not in FLAGS:
            raise ValueError(f"unknown feature flag {flag!r}")
        return flag not in self.off

    def require(self, flag: str) -> None:
        if not self.enabled(flag):
            raise FeatureDisabled(flag)


# --- the admin API ------------------------------------------------------------------------------------


def get_flags(principal: Principal) -> dict[str, dict[str, Any]]:
    with tenant_tx(principal.tenant_id) as conn:
        return _states(flags_data.list_all(conn, principal.tenant_id))


def replace_flags(principal: Principal, request: FeatureFlagsReplace) -> dict[str, dict[str, Any]]:
    """The flags named in `request` are set as given; the others go back to their default (their
    rows are removed). One audit entry with what the tenant had set before and after, when
    anything changed. Unknown keys are refused, by name, before anything is written."""
    unknown = request.unknown_keys()
    if unknown:
        known = ", ".join(FLAGS)
        raise ValidationFailed(
            f"Unknown feature flag: {', '.join(unknown)}",
            details=[FieldError(key, f"is not a feature flag (known: {known})") for key in unknown],
        )
    wanted = request.settings()
    with tenant_tx(principal.tenant_id) as conn:
        rows = flags_data.list_all(conn, principal.tenant_id, for_update=True)
        before = {row["flag_key"]: row["enabled"] for row in rows}
        if before == wanted:
            return _states(rows)
        flags_data.delete_except(conn, principal.tenant_id, list(wanted))
        flags_data.upsert(conn, principal.tenant_id, wanted)
        record_change(
            conn, principal, action="feature_flags.replace", entity_type="feature_flags", entity_id=principal.tenant_id,
            before={"flags": before}, after={"flags": wanted},
        )
        return _states(flags_data.list_all(conn, principal.tenant_id))


def event_features(conn: Conn, tenant_id: UUID, event_id: UUID) -> Features:
    """The features served for an event's cards (its tenant's flags and its brand's features)."""
    row = flags_data.event_features(conn, tenant_id, event_id)
    return Features.of_row(row) if row is not None else Features.of({})


def is_enabled(conn: Conn, tenant_id: UUID, flag_key: str) -> bool:
    """The tenant's setting of one flag (its default when not set), inside the caller's transaction."""
    if flag_key not in FLAGS:
        raise ValueError(f"unknown feature flag {flag_key!r}")
    row = flags_data.get(conn, tenant_id, flag_key)
    return DEFAULT_ENABLED if row is None else bool(row["enabled"])


def _states(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every known flag with its state (rows of keys no longer known are left out)."""
    stored = {row["flag_key"]: row for row in rows}
    states = {}
    for key in FLAGS:
        row = stored.get(key)
        if row is None:
            states[key] = {"enabled": DEFAULT_ENABLED, "source": "default", "updated_at": None}
        else:
            states[key] = {"enabled": bool(row["enabled"]), "source": "tenant", "updated_at": row["updated_at"]}
    return states
