"""The deploy-time run (the CloudFormation custom resource, handlers/jobs/migrate.py): connect as
the Aurora master user, create the database if needed, set the app role's password from its
secret, and apply what is pending.

Where the cluster and the credentials are comes from the function's environment, read once
per run into a `DeployTarget`:

    MASTER_SECRET_ARN  Aurora master credentials (JSON: username, password, host, port, dbname)
    DB_SECRET_ARN      the application role's credentials (JSON: username, password)
    DB_HOST, DB_PORT   the cluster writer endpoint (default: the master secret's host/port)
    DB_NAME            the application database (default: the master secret's dbname)
    DB_SSLMODE         libpq sslmode, default "require"
    MIGRATIONS_DIR     optional; default: the migrations bundled with the core layer
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from psycopg.conninfo import make_conninfo
from pydantic import BaseModel

from outreachpass.db.migrate.roles import APP_ROLE
from outreachpass.db.migrate.runner import apply_migrations, ensure_database

MAINTENANCE_DATABASE = "postgres"


class DeployTarget(BaseModel):
    master_secret_arn: str
    app_secret_arn: str
    host: str | None = None
    port: str | None = None
    dbname: str | None = None
    sslmode: str = "require"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DeployTarget:
        env = os.environ if environ is None else environ
        return cls(
            master_secret_arn=_required(env, "MASTER_SECRET_ARN"),
            app_secret_arn=_required(env, "DB_SECRET_ARN"),
            host=env.get("DB_HOST") or None,
            port=env.get("DB_PORT") or None,
            dbname=env.get("DB_NAME") or None,
            sslmode=env.get("DB_SSLMODE", "require"),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def role_credentials(secret_string: str, arn: str) -> dict[str, Any]:
    """A database secret's JSON (at least username and password)."""
    parsed = json.loads(secret_string)
    if not isinstance(parsed, dict) or not parsed.get("username") or "password" not in parsed:
        raise ValueError(f"secret {arn} is not a JSON object with username and password")
    return parsed


def _secret_string(arn: str) -> str:
    from outreachpass.integrations.aws import client

    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def run_deploy_migrations(target: DeployTarget | None = None, *, read_secret: Callable[[str], str] = _secret_string) -> list[str]:
    """Create the database if needed and apply the pending migrations; the versions applied."""
    target = target or DeployTarget.from_environ()
    master = role_credentials(read_secret(target.master_secret_arn), target.master_secret_arn)
    app = role_credentials(read_secret(target.app_secret_arn), target.app_secret_arn)
    if app["username"] != APP_ROLE:
        raise ValueError(f"the application secret must be for the role {APP_ROLE}, not {app['username']!r}")

    host = target.host or master.get("host")
    if not host:
        raise RuntimeError("no database host: set DB_HOST or put host in the master secret")
    port = str(target.port or master.get("port") or 5432)
    dbname = target.dbname or master.get("dbname")
    if not dbname:
        raise RuntimeError("no database name: set DB_NAME or put dbname in the master secret")

    common = {
        "host": host,
        "port": port,
        "user": master["username"],
        "password": master["password"],
        "sslmode": target.sslmode,
        "connect_timeout": "15",
    }
    ensure_database(make_conninfo(dbname=MAINTENANCE_DATABASE, **common), str(dbname))
    return apply_migrations(make_conninfo(dbname=dbname, **common), app_password=app["password"])
