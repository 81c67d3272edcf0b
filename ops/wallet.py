"""`python -m ops.wallet check`: are the wallet credentials usable, before a pass needs them?

    python -m ops.wallet check                                   # the running local stack (make dev)
    python -m ops.wallet check --stage prod --region eu-west-1   # a deployed stage's secrets
    python -m ops.wallet check --stage prod --tenant-key acme    # a silo tenant's copies
    python -m ops.wallet check --apple-pass-file apple_pass.json --google-wallet-file google_wallet.json
                                                                 # files, before they go into the secrets

What it checks, each with a line saying what to fix when it fails:

- `apple_pass`: the Pass Type ID certificate, its private key and Apple's WWDR intermediate, as
  the functions check them before signing (integrations/wallet/credentials.py): the key belongs
  to the certificate, the WWDR certificate issued it, the pass type and team identifiers match
  it, neither certificate has expired (and a warning from 30 days before);
- `apns`: the token key, when one is set (else pushes use the Pass Type ID certificate);
- `google_wallet`: the issuer id and the service-account key, then a real call: an OAuth token
  for the key and `GET issuer/{issuer_id}` on the Wallet REST API, through the same
  AuthorizedSession the functions use. 401, 403, 404, a refused key and an unreachable API each
  get their own message. Against the local stack the call is skipped: its development key is
  unknown to Google (the stack fakes Google inside its own process).

Secrets come from Secrets Manager (`outreachpass/<stage>[/<tenant key>]/<name>`, AWS credentials
from the usual chain), from the local stack's moto (`.local/dev.json`), or from files. Exit code
0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ops import REPO_ROOT

DEFAULT_LOCAL_DIR = REPO_ROOT / ".local"
NAMES = ("apple_pass", "apns", "google_wallet")
MOTO_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # moto's dummy keys (local stack only)


class SourceError(Exception):
    """The command cannot read the credentials it should check."""


@dataclass
class Result:
    name: str
    status: str  # ok | warning | failed | skipped | not set
    message: str

    @property
    def failed(self) -> bool:
        return self.status == "failed"


# --- where the values come from --------------------------------------------------------------------


@dataclass
class Source:
    describe: str
    read: Callable[[str], dict[str, Any] | None]  # a secret's JSON value; None when not found
    local: bool = False


def file_source(files: Mapping[str, str]) -> Callable[[str], dict[str, Any] | None]:
    def read(name: str) -> dict[str, Any] | None:
        path = files.get(name)
        if not path:
            return None
        try:
            value = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise SourceError(f"{path} is not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise SourceError(f"{path} must hold a JSON object")
        return value

    return read


def secrets_source(*, stage: str, tenant_key: str | None, region: str, endpoint_url: str | None, local: bool) -> Callable[[str], dict[str, Any] | None]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url, **(MOTO_CREDENTIALS if local else {}))

    def read(name: str) -> dict[str, Any] | None:
        secret_id = "/".join(["outreachpass", stage, *([tenant_key] if tenant_key else []), name])
        try:
            raw = client.get_secret_value(SecretId=secret_id)["SecretString"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                raise SourceError(f"no secret {secret_id} in {region}: deploy the Data stack, or check --stage/--tenant-key") from None
            raise SourceError(f"cannot read {secret_id}: {code} (the caller needs secretsmanager:GetSecretValue on it)") from None
        except BotoCoreError as exc:
            raise SourceError(f"cannot reach Secrets Manager in {region}: {exc}") from None
        try:
            value = json.loads(raw or "{}")
        except ValueError:
            raise SourceError(f"the secret {secret_id} is not JSON (see docs/wallet.md for its shape)") from None
        return value if isinstance(value, dict) and value else None

    return read


def resolve_source(args: argparse.Namespace, environ: Mapping[str, str]) -> Source:
    files = {"apple_pass": args.apple_pass_file, "apns": args.apns_file, "google_wallet": args.google_wallet_file}
    if any(files.values()):
        named = ", ".join(f"{name}={path}" for name, path in files.items() if path)
        return Source(describe=f"files ({named})", read=file_source({k: v for k, v in files.items() if v}))
    if args.stage:
        region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise SourceError("to check a deployed stage, also give --region (or set AWS_REGION)")
        where = f"stage {args.stage}" + (f", tenant {args.tenant_key}" if args.tenant_key else "") + f", region {region}"
        return Source(describe=f"Secrets Manager ({where})", read=secrets_source(
            stage=args.stage, tenant_key=args.tenant_key, region=region, endpoint_url=args.endpoint_url, local=False))
    dev_json = Path(args.local_dir) / "dev.json"
    try:
        info = json.loads(dev_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{dev_json} not found: start the local stack (make dev), or name a stage (--stage, --region) or files (--apple-pass-file, ...)") from None
    except ValueError:
        raise SourceError(f"{dev_json} is not valid JSON") from None
    return Source(
        describe="the local stack (moto)",
        read=secrets_source(stage=args.local_stage, tenant_key=None, region=info.get("region", "us-east-1"),
                            endpoint_url=args.endpoint_url or info.get("aws_endpoint_url"), local=True),
        local=True,
    )


# --- the checks ------------------------------------------------------------------------------------


def check_apple(value: dict[str, Any] | None, now: datetime) -> Result:
    from outreachpass.integrations.wallet.credentials import (
        EXPIRY_WARNING,
        WalletNotConfigured,
        parse_apple_pass_credentials,
    )

    if not value:
        return Result("apple_pass", "not set", "empty: Apple Wallet passes answer 503 until the Pass Type ID certificate is stored (docs/wallet.md)")
    try:
        creds = parse_apple_pass_credentials(value, now=now)
    except WalletNotConfigured as exc:
        return Result("apple_pass", "failed", exc.detail)
    expires = creds.not_valid_after
    days = (expires - now).days
    issuer = creds.wwdr_certificate.subject.rfc4514_string()
    message = (f"{creds.pass_type_identifier} (team {creds.team_identifier}): the key matches the certificate, issued by {issuer}; "
               f"valid until {expires:%Y-%m-%d} ({days} days)")
    if expires - EXPIRY_WARNING <= now:
        return Result("apple_pass", "warning", message + ": renew it now (Apple Developer portal), then update the apple_pass secret")
    return Result("apple_pass", "ok", message)


def check_apns(value: dict[str, Any] | None) -> Result:
    from outreachpass.integrations.wallet.credentials import WalletNotConfigured, parse_apns_credentials

    try:
        creds = parse_apns_credentials(value)
    except WalletNotConfigured as exc:
        return Result("apns", "failed", exc.detail)
    if creds is None:
        return Result("apns", "not set", "empty: pushes authenticate with the Pass Type ID certificate")
    return Result("apns", "ok", f"token key {creds.key_id} of team {creds.team_id}, {creds.environment} ({creds.endpoint})")


def check_google(value: dict[str, Any] | None, *, api_url: str, call: bool) -> Result:
    from outreachpass.integrations.wallet.credentials import WalletNotConfigured, parse_google_wallet_credentials
    from outreachpass.integrations.wallet.google_wallet import GoogleWalletError, GoogleWalletRejected, client_for

    if not value:
        return Result("google_wallet", "not set", "empty: Google Wallet save links answer 503 until the issuer id and service account are stored (docs/wallet.md)")
    try:
        creds = parse_google_wallet_credentials(value)
    except WalletNotConfigured as exc:
        return Result("google_wallet", "failed", exc.detail)
    who, issuer = creds.client_email, creds.issuer_id
    if not call:
        return Result("google_wallet", "skipped", f"{who} for issuer {issuer}: the key parses; the local stack's development key is unknown to Google, so no call is made")
    try:
        status, payload = client_for(creds, api_url).issuer(issuer)
    except GoogleWalletRejected as exc:
        return Result("google_wallet", "failed", f"Google's token endpoint refused the key of {who} ({exc}): the key was deleted or disabled, or this "
                      "machine's clock is wrong; create a new key for the service account and update the google_wallet secret")
    except GoogleWalletError as exc:
        return Result("google_wallet", "failed", f"cannot reach the Google Wallet API at {api_url} ({exc}): check the network path from here "
                      "(the functions go out through the VPC's NAT gateways)")
    if status == 200:
        name = payload.get("name")
        return Result("google_wallet", "ok", f"{who} reaches issuer {issuer}" + (f" ({name})" if name else ""))
    fixes = {
        401: f"Google refused the access token of {who} (401): the key or the service account was disabled; create a new key and update the google_wallet secret",
        403: f"{who} may not act for issuer {issuer} (403): add it as a user of the issuer in the Google Pay & Wallet Console (Users), "
             "and enable the Google Wallet API in the service account's Google Cloud project",
        404: f"issuer {issuer} does not exist (404): copy the issuer id from the Google Pay & Wallet Console into google_wallet.issuer_id",
    }
    return Result("google_wallet", "failed", fixes.get(status, f"Google answered {status} for issuer {issuer}: {(payload.get('error') or {}).get('message', 'try again later')}"))


def run_checks(source: Source, *, only: str | None, api_url: str, now: datetime | None = None) -> list[Result]:
    moment = now or datetime.now(UTC)
    results = []
    for name in NAMES:
        if only and name != only:
            continue
        try:
            value = source.read(name)
        except SourceError as exc:
            results.append(Result(name, "failed", str(exc)))
            continue
        if name == "apple_pass":
            results.append(check_apple(value, moment))
        elif name == "apns":
            results.append(check_apns(value))
        else:
            results.append(check_google(value, api_url=api_url, call=not source.local))
    return results


# --- the command -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.wallet", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check the wallet credentials (Apple certificate chain and key, APNs key, Google issuer access)")
    source = check.add_argument_group("what to check (default: the running local stack)")
    source.add_argument("--stage", help="a deployed stage: read outreachpass/<stage>/<name> from Secrets Manager")
    source.add_argument("--tenant-key", help="a silo tenant's copies: outreachpass/<stage>/<tenant key>/<name>")
    source.add_argument("--region", help="the stage's AWS region (default: AWS_REGION)")
    source.add_argument("--endpoint-url", help="AWS endpoint override (e.g. a moto server)")
    source.add_argument("--local-dir", default=str(DEFAULT_LOCAL_DIR), help="the local stack's data folder (dev.json)")
    source.add_argument("--local-stage", default="local", help=argparse.SUPPRESS)
    source.add_argument("--apple-pass-file", help="an apple_pass JSON file (the secret's shape) instead of the secret")
    source.add_argument("--apns-file", help="an apns JSON file instead of the secret")
    source.add_argument("--google-wallet-file", help="a google_wallet JSON file instead of the secret")
    check.add_argument("--only", choices=NAMES, help="check one of them")
    check.add_argument("--google-api-url", help="the Wallet REST API (default: GOOGLE_WALLET_API_URL or Google's)")
    check.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None, *, environ: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    out = out or sys.stdout
    try:
        source = resolve_source(args, env)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from outreachpass.config import Settings

    api_url = (args.google_api_url or Settings.from_environ(dict(env)).google_wallet_api_url).rstrip("/")
    results = run_checks(source, only=args.only, api_url=api_url)
    if args.json:
        json.dump({"source": source.describe, "results": [asdict(r) for r in results]}, out, indent=2)
        out.write("\n")
    else:
        out.write(f"Wallet credentials in {source.describe}:\n")
        for result in results:
            out.write(f"  {result.name:<14} {result.status.upper():<8} {result.message}\n")
    return 1 if any(result.failed for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
