"""The connection every data-access function takes (and the services pass along).

db.connection opens every application connection with psycopg's dict_row, so rows are
`dict[str, Any]` (`Row`). The transactions it hands out are annotated as plain
`psycopg.Connection`, whose rows psycopg types as tuples; until they say
`psycopg.Connection[DictRow]`, `Conn` takes any row type, and each function says what it
returns.
"""

from __future__ import annotations

from typing import Any, TypeAlias, cast

import psycopg

Conn: TypeAlias = psycopg.Connection[Any]
Row: TypeAlias = dict[str, Any]


def one(cursor: psycopg.Cursor[Any]) -> Row:
    """The row a statement always returns (INSERT ... RETURNING, an UPDATE of a row the caller
    holds, an aggregate): its absence is a bug, not a case to handle."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the statement returned no row")
    return cast(Row, row)


def held(row: Row | None) -> Row:
    """A row the caller's own transaction holds (locked FOR UPDATE or written earlier in it), read
    back or changed again: it cannot have gone, so None here is a bug, not a case to handle."""
    if row is None:
        raise RuntimeError("a row held by this transaction was not found")
    return row
