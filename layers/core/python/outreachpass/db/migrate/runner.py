"""Applying the pending migrations, each once, in numeric order, each in its own transaction, as
the owner role (``SET ROLE`` from the connecting admin / Aurora master user).

A session-level advisory lock, taken by polling ``pg_try_advisory_lock``, serialises
concurrent runners (two deploys, or the local stack starting twice); ``schema_migrations``
records each applied file with its SHA-256, and a file whose content changed after it was
applied stops the run. A file marked ``-- outreachpass:no-transaction`` runs one statement at
a time outside a transaction and is recorded only once it has fully succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from outreachpass.db.migrate import ChecksumMismatchError, MigrationError
from outreachpass.db.migrate.files import Migration, default_migrations_dir, load_migrations, split_statements
from outreachpass.db.migrate.roles import APP_ROLE, OWNER_ROLE, ensure_database_privileges, ensure_roles

log = logging.getLogger(__name__)

HISTORY_TABLE = "schema_migrations"
LOCK_TIMEOUT_S = 900.0
LOCK_POLL_S = 0.2
# Advisory lock key: the bytes of "opmigrat" as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(b"opmigrat", "big", signed=True)


def _ensure_history_table(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OWNER_ROLE)))
        conn.execute(
            sql.SQL(
                """
                CREATE TABLE IF NOT EXISTS public.{table} (
                    version     text PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now(),
                    applied_by  text NOT NULL DEFAULT session_user,
                    duration_ms integer
                )
                """
            ).format(table=sql.Identifier(HISTORY_TABLE))
        )
        # The app role may read which versions are applied (health checks), never change them.
        conn.execute(sql.SQL("REVOKE ALL ON public.{} FROM {}").format(sql.Identifier(HISTORY_TABLE), sql.Identifier(APP_ROLE)))
        conn.execute(sql.SQL("GRANT SELECT ON public.{} TO {}").format(sql.Identifier(HISTORY_TABLE), sql.Identifier(APP_ROLE)))


def _applied(conn: psycopg.Connection) -> dict[int, tuple[str, str, str]]:
    rows = conn.execute(
        sql.SQL("SELECT version, name, checksum FROM public.{}").format(sql.Identifier(HISTORY_TABLE))
    ).fetchall()
    return {int(version): (version, name, checksum) for version, name, checksum in rows}


def _verify(migrations: Sequence[Migration], applied: dict[int, tuple[str, str, str]]) -> list[Migration]:
    """The pending migrations; raises if an applied file changed."""
    on_disk = {m.number: m for m in migrations}
    changed = [
        m.label for m in migrations if m.number in applied and applied[m.number][2] != m.checksum
    ]
    if changed:
        raise ChecksumMismatchError(
            "already-applied migrations were modified: " + ", ".join(changed)
            + ". Applied migrations are immutable; restore the files and add a new migration instead."
        )
    unknown = sorted(number for number in applied if number not in on_disk)
    if unknown:
        log.warning(
            "the database has migrations that are not on disk (newer code deployed before?): %s",
            ", ".join(f"V{applied[n][0]}__{applied[n][1]}" for n in unknown),
        )
    return [m for m in migrations if m.number not in applied]


def _apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    owner = sql.Identifier(OWNER_ROLE)
    record = sql.SQL("INSERT INTO public.{} (version, name, checksum, duration_ms) VALUES (%s, %s, %s, %s)").format(
        sql.Identifier(HISTORY_TABLE)
    )
    started = time.monotonic()
    log.info("applying migration %s", migration.label)
    try:
        if migration.transactional:
            with conn.transaction():
                conn.execute(sql.SQL("SET LOCAL ROLE {}").format(owner))
                conn.execute("SET LOCAL search_path = public")
                conn.execute("SET LOCAL statement_timeout = 0")
                conn.execute(sql.SQL(migration.sql))  # a trusted file, not input
                elapsed = int((time.monotonic() - started) * 1000)
                conn.execute(record, (migration.version, migration.name, migration.checksum, elapsed))
        else:
            conn.execute(sql.SQL("SET ROLE {}").format(owner))
            conn.execute("SET search_path = public")
            try:
                # One statement per round trip: several in one query string would form an
                # implicit transaction, which CREATE INDEX CONCURRENTLY refuses.
                for statement in split_statements(migration.sql):
                    conn.execute(sql.SQL(statement))  # a trusted file, not input
            finally:
                conn.execute("RESET ROLE")
                conn.execute("RESET search_path")
            elapsed = int((time.monotonic() - started) * 1000)
            conn.execute(record, (migration.version, migration.name, migration.checksum, elapsed))
    except psycopg.Error as exc:
        diag = exc.diag
        where = f" (at: {diag.context.strip()})" if diag and diag.context else ""
        raise MigrationError(f"migration {migration.label} failed: {str(exc).strip()}{where}") from exc
    log.info("applied migration %s in %d ms", migration.label, int((time.monotonic() - started) * 1000))


def _describe(conninfo: str) -> str:
    """Where we connect, for logs: never the password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "<unparseable conninfo>"
    return f"{params.get('user', '')}@{params.get('host', '')}:{params.get('port', '')}/{params.get('dbname', '')}"


def _acquire_lock(conn: psycopg.Connection, *, timeout_s: float = LOCK_TIMEOUT_S) -> None:
    """Take the runners' advisory lock by polling, not by blocking in pg_advisory_lock: a runner
    blocked in that call holds a snapshot, and a migration with CREATE INDEX CONCURRENTLY in the
    runner that holds the lock waits for every older snapshot to go away: a deadlock."""
    deadline = time.monotonic() + timeout_s
    while not _try_lock(conn):
        if time.monotonic() > deadline:
            raise MigrationError(f"another migration runner has held the lock for over {timeout_s:.0f} s")
        time.sleep(LOCK_POLL_S)


def _try_lock(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
    return bool(row and row[0])


def apply_migrations(
    admin_conninfo: str, *, migrations_dir: Path | None = None, app_password: str | None = None
) -> list[str]:
    """Apply the pending migrations; returns the versions applied (e.g. ``["0001", "0002"]``).

    ``admin_conninfo`` connects as a user allowed to create roles and to SET ROLE to the
    owner (the Aurora master user, a local superuser), to the target database.
    """
    migrations = load_migrations(migrations_dir or default_migrations_dir())
    log.info("migrating %s: %d migration files", _describe(admin_conninfo), len(migrations))
    applied_now: list[str] = []
    with psycopg.connect(admin_conninfo, autocommit=True, application_name="outreachpass-migrate") as conn:
        _acquire_lock(conn)
        try:
            ensure_roles(conn, app_password)
            ensure_database_privileges(conn)
            _ensure_history_table(conn)
            pending = _verify(migrations, _applied(conn))
            if not pending:
                log.info("schema is up to date")
            for migration in pending:
                _apply_one(conn, migration)
                applied_now.append(migration.version)
        finally:
            if not conn.broken:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now


def pending_migrations(admin_conninfo: str, *, migrations_dir: Path | None = None) -> list[str]:
    """The versions that apply_migrations would apply (nothing is changed). Raises like it on edited files."""
    migrations = load_migrations(migrations_dir or default_migrations_dir())
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f"public.{HISTORY_TABLE}",)).fetchone()
        applied = _applied(conn) if exists and exists[0] else {}
    return [m.version for m in _verify(migrations, applied)]


def ensure_database(admin_conninfo: str, dbname: str) -> bool:
    """Create database ``dbname`` if it does not exist; True when it was created.
    ``admin_conninfo`` points at any existing database of the server (e.g. ``postgres``)."""
    with psycopg.connect(admin_conninfo, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        except psycopg.errors.DuplicateDatabase:
            return False
    log.info("created database %s", dbname)
    return True


def with_dbname(conninfo: str, dbname: str) -> str:
    """The same connection parameters, to another database."""
    return make_conninfo(conninfo, dbname=dbname)
