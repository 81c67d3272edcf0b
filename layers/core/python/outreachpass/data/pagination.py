"""Keyset pagination on (created_at DESC, id DESC), with an opaque cursor.

A cursor is the last row's sort key, base64url-encoded; it survives inserts between pages
(no skipped or repeated rows, unlike OFFSET) and costs one index range scan per page.
"""

from __future__ import annotations

import base64
import binascii
import json
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


def next_cursor(rows: list[dict[str, Any]], limit: int, id_column: str) -> tuple[list[dict[str, Any]], str | None]:
    """Rows are fetched with limit + 1: the extra row only says another page exists."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, Cursor(last["created_at"], last[id_column]).encode()
