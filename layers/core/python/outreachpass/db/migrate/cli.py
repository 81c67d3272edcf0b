"""``python -m outreachpass.db.migrate``: the operators' command (apply, dry run, create the database)."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from outreachpass.db.migrate import MigrationError
from outreachpass.db.migrate.runner import apply_migrations, ensure_database, pending_migrations, with_dbname

log = logging.getLogger(__name__)


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
