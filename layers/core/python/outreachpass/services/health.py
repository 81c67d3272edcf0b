"""Health: the database answers a trivial query within the connect timeout."""

from __future__ import annotations

from outreachpass.db.connection import system_tx


def check_database() -> None:
    with system_tx() as conn:
        conn.execute("SELECT 1").fetchone()
