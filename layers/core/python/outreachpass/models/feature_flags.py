"""Feature flags: per tenant, {flag_key: {"enabled": bool, "value": any JSON}}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from outreachpass.models.bounded_json import Bounded, StoredJson
from outreachpass.models.common import described

# Same rule as the feature_flags.flag_key CHECK constraint.
FlagKey = Annotated[str, StringConstraints(pattern=described(r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$", "start with a letter; then letters, digits and _ . : - (at most 100)"))]
MAX_FLAGS = 200
# A flag's value: any JSON within the bounds, smaller than a settings object (200 flags fit a request).
FlagValue = Annotated[Any, Bounded(max_bytes=1024)]


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    value: FlagValue = None


class FeatureFlagsReplace(RootModel[dict[FlagKey, FlagIn]]):
    """PUT body: the tenant's complete set of flags; flags not named are removed."""

    root: dict[FlagKey, FlagIn] = Field(max_length=MAX_FLAGS)


class FlagOut(BaseModel):
    enabled: bool
    value: StoredJson = None
    updated_at: datetime
