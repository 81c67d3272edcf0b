"""Feature flags: per tenant, {flag_key: {"enabled": bool, "value": any JSON}}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

# Same rule as the feature_flags.flag_key CHECK constraint.
FlagKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.:-]{0,99}$")]
MAX_FLAGS = 200


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    value: Any = None


class FeatureFlagsReplace(RootModel[dict[FlagKey, FlagIn]]):
    """PUT body: the tenant's complete set of flags; flags not named are removed."""

    root: dict[FlagKey, FlagIn] = Field(max_length=MAX_FLAGS)


class FlagOut(BaseModel):
    enabled: bool
    value: Any = None
    updated_at: datetime
