"""One JSON encoding for the whole product: UUIDs, datetimes (UTC as Z), IPs, pydantic models."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Any
from uuid import UUID

from pydantic import BaseModel


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (date, UUID, IPv4Address, IPv6Address)):
        return str(value)
    if isinstance(value, (IPv4Interface, IPv6Interface)):
        return str(value.ip)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(payload: Any) -> str:
    return json.dumps(payload, default=_default, separators=(",", ":"), ensure_ascii=False)


def to_jsonable(payload: Any) -> Any:
    """Plain JSON types only (for JSONB columns and comparisons)."""
    return json.loads(dumps(payload))
