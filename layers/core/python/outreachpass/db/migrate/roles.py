"""The database roles and their privileges:

* ``outreachpass_owner`` (NOLOGIN) owns the schema objects; the connecting admin is made a
  member of it so it can ``SET ROLE``;
* ``outreachpass_app`` (LOGIN, not owner, no BYPASSRLS) is what the functions connect as; its
  password is set when one is given (stored as a SCRAM verifier computed client-side, so the
  plain password never reaches the server's statement log).
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from outreachpass.db.migrate import MigrationError

log = logging.getLogger(__name__)

OWNER_ROLE = "outreachpass_owner"
APP_ROLE = "outreachpass_app"


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


def ensure_database_privileges(conn: psycopg.Connection) -> None:
    owner, app = sql.Identifier(OWNER_ROLE), sql.Identifier(APP_ROLE)
    row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    dbname = row[0]
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), app))
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(owner))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
