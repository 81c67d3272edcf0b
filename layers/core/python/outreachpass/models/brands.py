from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from outreachpass.models.bounded_json import StoredJsonObject
from outreachpass.models.common import HexColour, HostName, Name, RequestModel, described, one_line

BrandKey = Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=described(r"^[A-Z0-9_]+$", "use capital letters, digits and _ only (e.g. ACME_EVENTS)"))]


FeatureKey = Annotated[str, one_line(64)]


class Theme(BaseModel):
    """What the card page, wallet passes and emails are branded with."""

    model_config = ConfigDict(extra="forbid")

    primary_color: HexColour = "#1f2937"
    accent_color: HexColour = "#2563eb"
    background_color: HexColour = "#ffffff"
    text_color: HexColour = "#111827"
    logo_s3_key: Annotated[str, one_line(512, min_length=0)] | None = None
    font_family: Annotated[str, one_line(120, min_length=0)] | None = None


class BrandCreate(RequestModel):
    brand_key: BrandKey
    display_name: Name
    domain: HostName | None = None
    theme: Theme = Field(default_factory=Theme)
    features: dict[FeatureKey, bool] = Field(default_factory=dict, max_length=100)


class BrandUpdate(RequestModel):
    display_name: Name | None = None
    domain: HostName | None = None
    theme: Theme | None = None
    features: dict[FeatureKey, bool] | None = Field(default=None, max_length=100)


class BrandOut(BaseModel):
    brand_id: UUID
    brand_key: str
    display_name: str | None
    domain: str | None
    theme: StoredJsonObject = Field(validation_alias="theme_json")
    features: StoredJsonObject = Field(validation_alias="features_json")
    created_at: datetime
    updated_at: datetime
