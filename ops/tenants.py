"""`python -m ops.tenants`: onboard, list, disable and enable tenants.

    python -m ops.tenants create --name "Acme" --admin-email a@acme.test [--brand-key ACME] [--password ...]
    python -m ops.tenants list [--status active|disabled] [--json]
    python -m ops.tenants disable <tenant_id>
    python -m ops.tenants enable <tenant_id>

`create` makes the tenant, its default brand and its first admin: a users row and a Cognito
account with `custom:tenant_id` and `custom:role=admin`. With `--password` (or
`--password-stdin`) the admin signs in with that password at once; without, Cognito e-mails an
invitation with a temporary password (against the local stack, which delivers no mail, a
password is generated and printed instead).

Target: the running local stack by default (`make dev`; read from `.local/dev.json`), or a
deployed stage with `--database-url` / `--database-secret-arn` (the master credentials: the
command acts as the owner role across tenants) and `--user-pool-id` (AWS credentials from the
usual chain, e.g. AWS_PROFILE). Also from the environment: OUTREACHPASS_ADMIN_DATABASE_URL,
OUTREACHPASS_DATABASE_SECRET_ARN, OUTREACHPASS_USER_POOL_ID, AWS_REGION.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from ops import REPO_ROOT
from outreachpass.data.tenants import NotOwner
from outreachpass.errors import AppError

DEFAULT_LOCAL_DIR = REPO_ROOT / ".local"
MOTO_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto's dummy keys (local stack only)


class TargetError(Exception):
    """The command cannot tell, or reach, what it should work on."""


@dataclass(frozen=True)
class Target:
    database_url: str
    user_pool_id: str
    region: str
    endpoint_url: str | None  # moto locally; None in AWS
    local: bool

    def describe(self) -> str:
        where = "the local stack" if self.local else f"region {self.region}"
        return f"{where}: database {redact(self.database_url)}, user pool {self.user_pool_id}"


def redact(url: str) -> str:
    """A database URL without its password, for messages."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_target(args: argparse.Namespace, environ: Mapping[str, str]) -> Target:
    database_url = args.database_url or environ.get("OUTREACHPASS_ADMIN_DATABASE_URL")
    secret_arn = args.database_secret_arn or environ.get("OUTREACHPASS_DATABASE_SECRET_ARN")
    pool_id = args.user_pool_id or environ.get("OUTREACHPASS_USER_POOL_ID")
    if database_url or secret_arn or pool_id:
        # A deployed stage: everything must be named, nothing is taken from the local stack.
        region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        missing = [flag for flag, value in (("--database-url or --database-secret-arn", database_url or secret_arn),
                                            ("--user-pool-id", pool_id), ("--region", region)) if not value]
        if missing:
            raise TargetError(f"to work on a deployed stage, also give {', '.join(missing)}")
        if not database_url:
            database_url = database_url_from_secret(secret_arn, region=region, endpoint_url=args.endpoint_url)
        return Target(database_url=database_url, user_pool_id=pool_id, region=region, endpoint_url=args.endpoint_url, local=False)

    dev_json = Path(args.local_dir) / "dev.json"
    try:
        info = json.loads(dev_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(
            f"{dev_json} not found: start the local stack (make dev), or name a deployed stage with "
            "--database-url/--database-secret-arn, --user-pool-id and --region"
        ) from None
    except ValueError:
        raise TargetError(f"{dev_json} is not valid JSON") from None
    try:
        return Target(
            database_url=info["admin_database_url"],
            user_pool_id=info["user_pool_id"],
            region=info["region"],
            endpoint_url=args.endpoint_url or info["aws_endpoint_url"],
            local=True,
        )
    except KeyError as exc:
        raise TargetError(f"{dev_json} has no {exc.args[0]}: restart the local stack (make dev)") from None


def database_url_from_secret(secret_arn: str, *, region: str, endpoint_url: str | None) -> str:
    """The master credentials of the cluster from its Secrets Manager secret (RDS's JSON shape:
    host, port, username, password, dbname)."""
    import boto3
    from psycopg.conninfo import make_conninfo

    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    secret = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
    return make_conninfo(
        host=secret["host"],
        port=secret.get("port", 5432),
        dbname=secret.get("dbname", "outreachpass"),
        user=secret["username"],
        password=secret["password"],
        sslmode="require",
    )


def directory_for(target: Target) -> Any:
    import boto3

    from outreachpass.integrations.cognito import UserDirectory

    credentials = MOTO_CREDENTIALS if target.local else {}
    client = boto3.client("cognito-idp", region_name=target.region, endpoint_url=target.endpoint_url, **credentials)
    return UserDirectory(client, target.user_pool_id)


def connect(target: Target) -> Any:
    import psycopg
    from psycopg.rows import dict_row

    try:
        return psycopg.connect(target.database_url, autocommit=True, row_factory=dict_row, connect_timeout=10,
                               application_name="ops.tenants")
    except psycopg.OperationalError as exc:
        hint = " (is the local stack running? make dev)" if target.local else ""
        raise TargetError(f"cannot connect to the database {redact(target.database_url)}{hint}: {str(exc).strip()}") from None


def generate_password(length: int = 24) -> str:
    """A password Cognito's policy accepts (upper, lower, digit, symbol), for a local admin."""
    alphabet = string.ascii_letters + string.digits
    body = [secrets.choice(alphabet) for _ in range(length - 4)]
    body += [secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase), secrets.choice(string.digits),
             secrets.choice("!#%+-=?@^_")]
    secrets.SystemRandom().shuffle(body)
    return "".join(body)


def actor() -> str:
    try:
        return f"platform:{getpass.getuser()}"
    except Exception:
        return "platform"


# --- commands -----------------------------------------------------------------------------------


def cmd_create(args: argparse.Namespace, target: Target, out: TextIO, stdin: TextIO) -> int:
    from pydantic import ValidationError

    from outreachpass.models.tenants import TenantCreate
    from outreachpass.services.tenants import create_tenant

    password = args.password
    if args.password_stdin:
        password = stdin.readline().rstrip("\r\n")
    generated = None
    if password is None and target.local:
        password = generated = generate_password()
    try:
        request = TenantCreate(
            name=args.name, admin_email=args.admin_email, admin_name=args.admin_name, brand_key=args.brand_key,
            tenant_key=args.tenant_key, password=password,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).replace("_", "-")
            print(f"error: --{field}: {error['msg']}", file=sys.stderr)
        return 2
    with connect(target) as conn:
        created = create_tenant(conn, directory_for(target), request, actor=actor())
    result = {key: str(value) if isinstance(value, UUID) else value for key, value in created.items()}
    result["invitation_sent"] = password is None
    if generated:
        result["password"] = generated  # shown once: the only way to hand it over locally
    if args.json:
        print(json.dumps(result, indent=2), file=out)
        return 0
    print(f"Created tenant {result['name']} ({result['tenant_id']}) on {target.describe()}", file=out)
    print(f"  brand   {result['brand_key']} ({result['brand_id']})", file=out)
    print(f"  admin   {result['admin_email']} ({result['admin_user_id']})", file=out)
    if generated:
        print(f"  password {generated}  (generated: shown only now)", file=out)
    elif password is not None:
        print("  the admin signs in with the password given", file=out)
    else:
        print("  Cognito e-mailed the admin an invitation with a temporary password", file=out)
    return 0


def cmd_list(args: argparse.Namespace, target: Target, out: TextIO, stdin: TextIO) -> int:
    from outreachpass.services.tenants import list_tenants

    with connect(target) as conn:
        tenants = list_tenants(conn, status=args.status)
    if args.json:
        from outreachpass.jsonutil import dumps

        print(dumps(tenants), file=out)
        return 0
    headers = ("tenant_id", "name", "key", "status", "admins", "users", "events", "created")
    rows = [
        (str(t["tenant_id"]), t["name"], t["tenant_key"] or "-", t["status"], str(t["admins"]), str(t["users"]), str(t["events"]),
         t["created_at"].strftime("%Y-%m-%d"))
        for t in tenants
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    print(line.format(*headers), file=out)
    for row in rows:
        print(line.format(*row), file=out)
    print(f"{len(rows)} tenant(s)", file=out)
    return 0


def cmd_set_status(status: str):
    def run(args: argparse.Namespace, target: Target, out: TextIO, stdin: TextIO) -> int:
        from outreachpass.services.tenants import set_tenant_status

        with connect(target) as conn:
            tenant = set_tenant_status(conn, directory_for(target), args.tenant_id, status, actor=actor())
        if args.json:
            from outreachpass.jsonutil import dumps

            print(dumps(tenant), file=out)
        else:
            verb = "Disabled" if status == "disabled" else "Enabled"
            print(f"{verb} tenant {tenant['name']} ({tenant['tenant_id']}) and {tenant['accounts_changed']} user account(s)", file=out)
        return 0

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.tenants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_argument_group("target (default: the running local stack)")
    target.add_argument("--local-dir", default=str(DEFAULT_LOCAL_DIR), help="the local stack's data folder (dev.json)")
    target.add_argument("--database-url", help="PostgreSQL URL with the master (owner) credentials of a deployed stage")
    target.add_argument("--database-secret-arn", help="Secrets Manager secret with the cluster's master credentials")
    target.add_argument("--user-pool-id", help="the stage's Cognito user pool id")
    target.add_argument("--region", help="AWS region of the stage")
    target.add_argument("--endpoint-url", help="AWS endpoint override (e.g. a moto server)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="a tenant, its default brand and its first admin")
    create.add_argument("--name", required=True, help="the organisation's name")
    create.add_argument("--admin-email", required=True, help="the first admin's e-mail address (their sign-in)")
    create.add_argument("--admin-name", help="the first admin's full name")
    create.add_argument("--brand-key", help="the default brand's key (default: from the name, e.g. ACME)")
    create.add_argument("--tenant-key", help="the tenant's key in the deployment config (per-tenant stacks)")
    secret = create.add_mutually_exclusive_group()
    secret.add_argument("--password", help="the admin's password (else an invitation e-mail; locally a generated one)")
    secret.add_argument("--password-stdin", action="store_true", help="read the admin's password from stdin")
    create.set_defaults(run=cmd_create)

    listing = commands.add_parser("list", help="every tenant with its status and counts")
    listing.add_argument("--status", choices=("active", "disabled"))
    listing.set_defaults(run=cmd_list)

    for name, status, text in (("disable", "disabled", "disable a tenant and its users' accounts"),
                               ("enable", "active", "enable a disabled tenant and its users' accounts")):
        command = commands.add_parser(name, help=text)
        command.add_argument("tenant_id", type=UUID, help="the tenant's id (see list)")
        command.set_defaults(run=cmd_set_status(status))
    for command in commands.choices.values():  # --json after the command works too
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    return parser


def main(argv: list[str] | None = None, *, environ: Mapping[str, str] | None = None, out: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    try:
        target = resolve_target(args, os.environ if environ is None else environ)
        return args.run(args, target, out, stdin or sys.stdin)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except NotOwner as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AppError as exc:
        details = "".join(f"\n  {d.field}: {d.reason}" for d in exc.details)
        print(f"error: {exc.message} ({exc.code}){details}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
