"""The response envelope as types, so the OpenAPI document describes every success body and
Powertools validates each response against it before it leaves the function."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Meta(BaseModel):
    correlation_id: str
    timestamp: datetime


class PageMeta(Meta):
    next_cursor: str | None


class Envelope(BaseModel, Generic[T]):
    data: T
    meta: Meta


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: PageMeta
