"""Small SQL builders shared by the data-access modules (identifiers only from code, never from input):
`update_returning` for a PATCH of one tenant row, `keyset_page` for a list route's page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from outreachpass.data.conn import Conn


def update_returning(
    conn: Conn,
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


def keyset_page(
    conn: Conn,
    *,
    columns: str,
    source: str,
    equals: Mapping[str, Any],
    order: tuple[str, str],
    after: tuple[Any, Any] | None,
    limit: int,
    cursor_of: Callable[[dict[str, Any]], str],
    conditions: Iterable[str] = (),
    params: Mapping[str, Any] | None = None,
    prepare: bool | None = None,
    descending: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a list route, newest first, by keyset (data.pagination): the rows and the
    cursor of the next page (None on the last one).

    equals: column -> value filters (`tenant_id` among them); a None or empty value is no filter.
    order: the (key, id) sort key (a column or an expression, then the id), both descending unless
    `descending=False`; `after` is the cursor's position in it.
    conditions: further SQL conditions, with their %(name)s values in `params`.
    One row more than `limit` is fetched: it only says that another page exists."""
    where = list(conditions)
    values: dict[str, Any] = {**(params or {}), "limit": limit + 1}
    for column, value in equals.items():
        if value is None or value == "":
            continue
        name = column.rsplit(".", 1)[-1]
        where.append(f"{column} = %({name})s")
        values[name] = value
    key, id_column = order
    direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
    if after is not None:
        where.append(f"({key}, {id_column}) {beyond} (%(after_time)s, %(after_id)s)")
        values.update(after_time=after[0], after_id=after[1])
    rows = conn.execute(
        f"SELECT {columns} FROM {source} WHERE {' AND '.join(where)} "
        f"ORDER BY {key} {direction}, {id_column} {direction} LIMIT %(limit)s",
        values,
        prepare=prepare,
    ).fetchall()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor_of(rows[-1])
