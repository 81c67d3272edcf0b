from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from outreachpass.models.common import HexColour, HostName, RequestModel

BrandKey = Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=r"^[A-Z0-9_]+$")]


class Theme(BaseModel):
    """What the card page, wallet passes and emails are branded with."""

    model_config = ConfigDict(extra="forbid")

    primary_color: HexColour = "#1f2937"
    accent_color: HexColour = "#2563eb"
    background_color: HexColour = "#ffffff"
    text_color: HexColour = "#111827"
    logo_s3_key: Annotated[str, StringConstraints(max_length=512)] | None = None
    font_family: Annotated[str, StringConstraints(max_length=120)] | None = None


class BrandCreate(RequestModel):
    brand_key: BrandKey
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    domain: HostName | None = None
    theme: Theme = Field(default_factory=Theme)
    features: dict[Annotated[str, StringConstraints(max_length=64)], bool] = Field(default_factory=dict, max_length=100)


class BrandUpdate(RequestModel):
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    domain: HostName | None = None
    theme: Theme | None = None
    features: dict[Annotated[str, StringConstraints(max_length=64)], bool] | None = Field(default=None, max_length=100)


class BrandOut(BaseModel):
    brand_id: UUID
    brand_key: str
    display_name: str | None
    domain: str | None
    theme: dict[str, Any] = Field(validation_alias="theme_json")
    features: dict[str, Any] = Field(validation_alias="features_json")
    created_at: datetime
    updated_at: datetime
