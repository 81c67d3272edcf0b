"""Small SQL builders shared by the data-access modules (identifiers only from code, never from input)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb


def update_returning(
    conn: psycopg.Connection,
    *,
    table: str,
    key_column: str,
    tenant_id: UUID,
    key: UUID,
    changes: dict[str, Any],
    allowed: Iterable[str],
    returning: str,
    json_columns: Iterable[str] = (),
) -> dict[str, Any] | None:
    """UPDATE one tenant row with the allowed columns of `changes`; the row after, or None."""
    allowed_set = set(allowed)
    json_set = set(json_columns)
    # None clears a JSON column to SQL NULL (not JSON null, which no object CHECK accepts).
    fields = {column: (Jsonb(value) if column in json_set and value is not None else value) for column, value in changes.items() if column in allowed_set}
    if not fields:
        return conn.execute(
            sql.SQL("SELECT {returning} FROM {table} WHERE tenant_id = %s AND {key} = %s").format(
                returning=sql.SQL(returning), table=sql.Identifier(table), key=sql.Identifier(key_column)
            ),
            (tenant_id, key),
        ).fetchone()
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in fields
    )
    query = sql.SQL(
        "UPDATE {table} SET {assignments} WHERE tenant_id = %(_tenant_id)s AND {key} = %(_key)s RETURNING {returning}"
    ).format(table=sql.Identifier(table), assignments=assignments, key=sql.Identifier(key_column), returning=sql.SQL(returning))
    return conn.execute(query, {**fields, "_tenant_id": tenant_id, "_key": key}).fetchone()
