"""`python -m local.token`: print a fresh id token of the demo admin of the running stack.

Reads the running stack's `.local/dev.json` (or `--data-dir`), signs in to its local
Cognito pool with the demo admin's password, and prints the id token, e.g.

    curl -H "Authorization: Bearer $(python -m local.token)" http://127.0.0.1:8000/api/v1/admin/events
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from local.config import DEFAULT_DATA_DIR


def fresh_token(info: dict) -> str:
    import boto3

    client = boto3.client(
        "cognito-idp",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (moto's dummy credentials)
    )
    result = client.admin_initiate_auth(
        UserPoolId=info["user_pool_id"],
        ClientId=info["user_pool_client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": info["admin_username"], "PASSWORD": info["admin_password"]},
    )
    return result["AuthenticationResult"]["IdToken"]


def jwt_subject(token: str) -> str:
    """The `sub` claim of a token this stack's pool issued (read, not verified: it is ours)."""
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    path = args.data_dir / "dev.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"{path} not found: is the local stack running (make dev)?", file=sys.stderr)
        return 1
    if not info.get("admin_password"):
        print("the running stack has no demo admin (started with --no-seed)", file=sys.stderr)
        return 1
    print(fresh_token(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
