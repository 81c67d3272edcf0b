"""Keyset pagination on (created_at DESC, id DESC), with an opaque cursor.

A cursor is the last row's sort key, base64url-encoded; it survives inserts between pages
(no skipped or repeated rows, unlike OFFSET) and costs one index range scan per page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from outreachpass.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        if not token:
            return None
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, identifier = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(datetime.fromisoformat(created_at), UUID(identifier))
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise ValidationFailed.field("cursor", "not a cursor this API returned") from None


def cursor_of(id_column: str) -> Callable[[dict[str, Any]], str]:
    """The cursor after a row of a list sorted by (created_at, <id_column>) (data.sql.keyset_page)."""

    def encode(row: dict[str, Any]) -> str:
        return Cursor(row["created_at"], row[id_column]).encode()

    return encode


def position(cursor: Cursor | None) -> tuple[datetime, UUID] | None:
    return (cursor.created_at, cursor.id) if cursor else None


def encode_position(at: datetime, key: str) -> str:
    """The cursor of a list sorted by (a time, a text key), e.g. the suppression list by (created_at, email)."""
    raw = json.dumps([at.isoformat(), key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str | None) -> tuple[datetime, str] | None:
    """encode_position's position back; a token this API did not make is a 400 on `cursor`."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        at, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(key, str):
            raise TypeError("key")
        return datetime.fromisoformat(at), key
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed.field("cursor", "not a cursor this API returned") from None


@dataclass(frozen=True)
class SortedCursor:
    """The cursor of a list sorted by a named key other than creation time: the sort's name, the
    last row's key value (text) and id. A cursor of another sort is refused (400 on `cursor`)."""

    sort: str
    value: str
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.value, str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None, sort: str) -> SortedCursor | None:
        if not token:
            return None
        try:
            padded = token + "=" * (-len(token) % 4)
            found_sort, value, identifier = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if found_sort != sort or not isinstance(value, str):
                raise ValueError("another sort")
            return cls(found_sort, value, UUID(identifier))
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
            raise ValidationFailed.field("cursor", "not a cursor this API returned for this sort") from None
