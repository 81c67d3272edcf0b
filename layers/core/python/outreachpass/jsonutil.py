"""One JSON encoding for the whole product: UUIDs, datetimes (UTC as Z), IPs, pydantic models;
and the decoding of stored JSON (jsonb columns), which never fails a read."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from itertools import accumulate
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


# Stored JSON deeper than this is not parsed (Python's parser would raise RecursionError);
# nothing the API accepts comes near it (models.bounded_json).
MAX_STORED_DEPTH = 500
MAX_STORED_DIGITS = 4000  # Python refuses to parse integers of 4,300+ digits
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def loads_stored(data: bytes | bytearray | memoryview | str) -> Any:
    """A jsonb value as Python (psycopg's loader, db.connection): a document nested too deep
    reads as None and an integer too long to parse as None, where json.loads would raise and
    fail the whole query. The API clips the rest (models.bounded_json)."""
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    if nests_deeper_than(text, MAX_STORED_DEPTH):
        return None
    return json.loads(text, parse_int=_stored_integer)


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether a JSON text nests containers more than `limit` deep, found without parsing it
    (brackets inside strings do not count). Linear; cheap when the text has few brackets."""
    if text.count("{") + text.count("[") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0) > limit


def _stored_integer(text: str) -> int | None:
    return int(text) if len(text) <= MAX_STORED_DIGITS else None
