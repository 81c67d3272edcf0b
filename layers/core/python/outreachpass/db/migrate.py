"""Versioned SQL migrations, applied by the deploy-time custom resource and at local start-up.

Files are named ``V<number>__<name>.sql`` and applied once each, in numeric order, each in
its own transaction, as the role ``outreachpass_owner`` (``SET ROLE`` from the connecting
admin / Aurora master user), so every object belongs to that role. The runner also makes
sure the roles exist:

* ``outreachpass_owner`` (NOLOGIN) owns the schema objects; the admin is made a member of
  it so it can ``SET ROLE``;
* ``outreachpass_app`` (LOGIN, not owner, no BYPASSRLS) is what the functions connect as;
  its password is set when one is given (stored as a SCRAM verifier computed client-side,
  so the plain password never reaches the server's statement log).

A session-level advisory lock, taken by polling ``pg_try_advisory_lock``, serialises
concurrent runners (two deploys, or the local stack starting twice); ``schema_migrations`` records each applied file with its
SHA-256, and a file whose content changed after it was applied stops the run.

A file whose first line is ``-- outreachpass:no-transaction`` runs outside a transaction,
one statement at a time (for ``CREATE INDEX CONCURRENTLY``); it is recorded only once it
has fully succeeded, so write it to be re-runnable (``IF NOT EXISTS``).

Operators: ``python -m outreachpass.db.migrate --database-url URL [--create-database]``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

log = logging.getLogger(__name__)

OWNER_ROLE = "outreachpass_owner"
APP_ROLE = "outreachpass_app"
HISTORY_TABLE = "schema_migrations"
LOCK_TIMEOUT_S = 900.0
LOCK_POLL_S = 0.2
# Advisory lock key: the bytes of "opmigrat" as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(b"opmigrat", "big", signed=True)
NO_TRANSACTION_MARKER = "-- outreachpass:no-transaction"

_FILENAME = re.compile(r"^V(?P<version>\d+)__(?P<name>[A-Za-z0-9][A-Za-z0-9_]*)\.sql$")


class MigrationError(RuntimeError):
    """The migrations cannot be applied (bad files, changed files, a failing statement, unsafe roles)."""


class ChecksumMismatchError(MigrationError):
    """An already-applied migration file was edited: migrations are immutable, add a new one."""


@dataclass(frozen=True)
class Migration:
    version: str  # as written in the file name, e.g. "0001"
    name: str
    path: Path
    sql: str
    checksum: str  # sha256 hex of the file, line endings normalised

    @property
    def number(self) -> int:
        return int(self.version)

    @property
    def label(self) -> str:
        return f"V{self.version}__{self.name}"

    @property
    def transactional(self) -> bool:
        first_line = self.sql.lstrip().split("\n", 1)[0].strip()
        return first_line != NO_TRANSACTION_MARKER


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def default_migrations_dir() -> Path:
    """MIGRATIONS_DIR if set; else the repository's migrations/; else outreachpass/migrations/
    packaged beside this library (where the Lambda bundler copies them)."""
    configured = os.environ.get("MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    candidates = []
    # layers/core/python/outreachpass/db/migrate.py -> <repo>/migrations
    if len(here.parents) > 5:
        candidates.append(here.parents[5] / "migrations")
    # <site>/outreachpass/db/migrate.py -> <site>/outreachpass/migrations
    candidates.append(here.parents[1] / "migrations")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise MigrationError(
        "no migrations directory found: set MIGRATIONS_DIR (looked in " + ", ".join(str(c) for c in candidates) + ")"
    )


def load_migrations(migrations_dir: Path) -> list[Migration]:
    """Every ``V<n>__<name>.sql`` in the directory, in numeric order. Any other ``.sql`` file is
    an error rather than silently skipped (a misnamed migration would never run)."""
    if not migrations_dir.is_dir():
        raise MigrationError(f"migrations directory does not exist: {migrations_dir}")
    found: dict[int, Migration] = {}
    for path in sorted(migrations_dir.iterdir()):
        if path.suffix != ".sql" or not path.is_file():
            continue
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named V<number>__<name>.sql")
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        migration = Migration(
            version=match["version"],
            name=match["name"],
            path=path,
            sql=raw.decode("utf-8"),
            checksum=hashlib.sha256(raw).hexdigest(),
        )
        if migration.number in found:
            raise MigrationError(f"{path.name}: version {migration.number} is also {found[migration.number].path.name}")
        found[migration.number] = migration
    return [found[number] for number in sorted(found)]


def split_statements(script: str) -> list[str]:
    """Split SQL on top-level semicolons: not inside quotes, dollar quotes or comments."""
    statements: list[str] = []
    start = i = 0
    n = len(script)
    while i < n:
        ch = script[i]
        if script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in ("'", '"'):
            end = i + 1
            while end < n:
                if script[end] == ch:
                    if end + 1 < n and script[end + 1] == ch:  # doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            i = end + 1
        elif ch == "$" and (tag := _DOLLAR_TAG.match(script, i)):
            end = script.find(tag.group(0), tag.end())
            i = n if end < 0 else end + len(tag.group(0))
        elif ch == ";":
            statements.append(script[start : i + 1])
            start = i = i + 1
        else:
            i += 1
    statements.append(script[start:])
    return [s.strip() for s in statements if _has_code(s)]


_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return without_comments.strip(" \t\r\n;") != ""


# ---------------------------------------------------------------------------------------
# Roles, privileges, history
# ---------------------------------------------------------------------------------------


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _create_role(conn: psycopg.Connection, role: str, attributes: str) -> None:
    if _role_exists(conn, role):
        return
    try:
        # Roles are cluster-wide: a runner on another database may create it at the same time.
        with conn.transaction():
            conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
        log.info("created role %s", role)
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        log.info("role %s was created concurrently", role)


def ensure_roles(conn: psycopg.Connection, app_password: str | None = None) -> None:
    """Create the owner and app roles if missing, let the current user SET ROLE to the owner,
    set the app role's password when given, and refuse roles that would defeat RLS."""
    _create_role(conn, OWNER_ROLE, "NOLOGIN")
    _create_role(conn, APP_ROLE, "LOGIN NOINHERIT")

    can_set = conn.execute("SELECT pg_has_role(current_user, %s, 'SET')", (OWNER_ROLE,)).fetchone()
    if not (can_set and can_set[0]):
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(OWNER_ROLE)))

    row = conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcanlogin, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        (OWNER_ROLE, APP_ROLE),
    ).fetchone()
    assert row is not None
    superuser, bypassrls, can_login, member_of_owner = row
    if superuser or bypassrls or member_of_owner:
        raise MigrationError(
            f"refusing to continue: role {APP_ROLE} is superuser, BYPASSRLS or a member of {OWNER_ROLE}; "
            "row-level security would not apply to it"
        )
    if not can_login:
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(APP_ROLE)))

    if app_password:
        verifier = conn.pgconn.encrypt_password(app_password.encode(), APP_ROLE.encode(), b"scram-sha-256")
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(APP_ROLE), sql.Literal(verifier.decode()))
        )
        log.info("set the password of role %s", APP_ROLE)


def _ensure_database_privileges(conn: psycopg.Connection) -> None:
    owner, app = sql.Identifier(OWNER_ROLE), sql.Identifier(APP_ROLE)
    row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    dbname = row[0]
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), app))
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(owner))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


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
                conn.execute(sql.SQL(migration.sql))  # type: ignore[arg-type]  # trusted file, not input
                elapsed = int((time.monotonic() - started) * 1000)
                conn.execute(record, (migration.version, migration.name, migration.checksum, elapsed))
        else:
            conn.execute(sql.SQL("SET ROLE {}").format(owner))
            conn.execute("SET search_path = public")
            try:
                # One statement per round trip: several in one query string would form an
                # implicit transaction, which CREATE INDEX CONCURRENTLY refuses.
                for statement in split_statements(migration.sql):
                    conn.execute(sql.SQL(statement))  # type: ignore[arg-type]  # trusted file, not input
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


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------


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
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise MigrationError(f"another migration runner has held the lock for over {timeout_s:.0f} s")
        time.sleep(LOCK_POLL_S)


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
            _ensure_database_privileges(conn)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m outreachpass.db.migrate",
        description="Apply the OutreachPass SQL migrations to a PostgreSQL database.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_ADMIN_URL"),
        help="admin connection URL of the target database (default: $DATABASE_ADMIN_URL)",
    )
    parser.add_argument("--migrations-dir", type=Path, default=None, help="default: $MIGRATIONS_DIR or the bundled files")
    parser.add_argument(
        "--app-password-env",
        metavar="VAR",
        default=None,
        help="set the outreachpass_app password from this environment variable (never pass secrets as arguments)",
    )
    parser.add_argument(
        "--create-database", action="store_true", help="create the URL's database first (connecting to 'postgres')"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the pending migrations and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.database_url:
        parser.error("--database-url (or $DATABASE_ADMIN_URL) is required")

    app_password = None
    if args.app_password_env:
        app_password = os.environ.get(args.app_password_env)
        if not app_password:
            parser.error(f"environment variable {args.app_password_env} is empty or not set")

    try:
        if args.create_database:
            dbname = conninfo_to_dict(args.database_url).get("dbname")
            if not dbname:
                parser.error("--create-database needs a database name in the URL")
            ensure_database(with_dbname(args.database_url, "postgres"), str(dbname))
        if args.dry_run:
            pending = pending_migrations(args.database_url, migrations_dir=args.migrations_dir)
            print("pending: " + (", ".join(pending) if pending else "none"))
            return 0
        applied = apply_migrations(args.database_url, migrations_dir=args.migrations_dir, app_password=app_password)
    except MigrationError as exc:
        log.error("%s", exc)
        return 1
    print("applied: " + (", ".join(applied) if applied else "none (up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
