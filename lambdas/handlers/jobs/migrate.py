"""CloudFormation custom resource (CDK Provider framework, onEvent): apply the SQL migrations.

Runs at deploy time, before the functions that need the new schema (they depend on the
resource). On Create and Update it connects as the Aurora master user, creates the
database if needed, creates the owner and app roles, sets the app role's password from
its secret, and applies the pending migrations; on Delete it does nothing (the data
outlives the stack). A failure raises, so the deployment fails and rolls back.

Environment:
    MASTER_SECRET_ARN  Aurora master credentials (JSON: username, password, host, port, dbname)
    DB_SECRET_ARN      the application role's credentials (JSON: username, password)
    DB_HOST, DB_PORT   the cluster writer endpoint (default: the master secret's host/port)
    DB_NAME            the application database (default: the master secret's dbname)
    DB_SSLMODE         libpq sslmode, default "require"
    MIGRATIONS_DIR     optional; default: the migrations bundled with the core layer

To re-run on every change of the SQL, the stack passes a hash of the migrations as a
resource property: a changed property is an Update.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from psycopg.conninfo import make_conninfo

from outreachpass.db.migrate import APP_ROLE, apply_migrations, ensure_database

PHYSICAL_RESOURCE_ID = "outreachpass-migrations"
MAINTENANCE_DATABASE = "postgres"

log = logging.getLogger(__name__)


def _secret(client: Any, arn: str) -> dict[str, Any]:
    value = client.get_secret_value(SecretId=arn)["SecretString"]
    parsed = json.loads(value)
    if not isinstance(parsed, dict) or not parsed.get("username") or "password" not in parsed:
        raise ValueError(f"secret {arn} is not a JSON object with username and password")
    return parsed


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def run_migrations() -> list[str]:
    import boto3  # the client is created per invocation; AWS_ENDPOINT_URL is honoured by boto3

    client = boto3.client("secretsmanager")
    master = _secret(client, _required_env("MASTER_SECRET_ARN"))
    app = _secret(client, _required_env("DB_SECRET_ARN"))
    if app["username"] != APP_ROLE:
        raise ValueError(f"the application secret must be for the role {APP_ROLE}, not {app['username']!r}")

    host = os.environ.get("DB_HOST") or master.get("host")
    if not host:
        raise RuntimeError("no database host: set DB_HOST or put host in the master secret")
    port = str(os.environ.get("DB_PORT") or master.get("port") or 5432)
    dbname = os.environ.get("DB_NAME") or master.get("dbname")
    if not dbname:
        raise RuntimeError("no database name: set DB_NAME or put dbname in the master secret")

    common = {
        "host": host,
        "port": port,
        "user": master["username"],
        "password": master["password"],
        "sslmode": os.environ.get("DB_SSLMODE", "require"),
        "connect_timeout": "15",
    }
    ensure_database(make_conninfo(dbname=MAINTENANCE_DATABASE, **common), dbname)
    return apply_migrations(make_conninfo(dbname=dbname, **common), app_password=app["password"])


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logging.getLogger("outreachpass").setLevel(logging.INFO)  # the runner's progress, in CloudWatch
    log.setLevel(logging.INFO)
    request_type = event.get("RequestType")
    log.info("migrations custom resource: %s", request_type)
    if request_type == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_RESOURCE_ID, "Data": {"applied": ""}}
    if request_type not in ("Create", "Update"):
        raise ValueError(f"unexpected RequestType {request_type!r}")
    applied = run_migrations()
    log.info("migrations applied: %s", ", ".join(applied) or "none")
    return {"PhysicalResourceId": PHYSICAL_RESOURCE_ID, "Data": {"applied": ",".join(applied)}}
