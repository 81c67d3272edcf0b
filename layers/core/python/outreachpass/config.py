"""Typed runtime configuration, read from the environment once per container.

Nothing reads the environment at import time: `settings()` builds the model on first use,
so tests and the local stack can set variables first. The variable names are the
contract in lambdas/routes.py (bucket_env, queue_env, dead_letter_env, secret_env).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    stage: str = "local"
    region: str = "us-east-1"
    public_base_url: str = "http://127.0.0.1:8000"
    service_name: str = "outreachpass"
    # Database: DATABASE_URL wins (local stack, tests); in AWS the proxy host and a secret.
    database_url: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_name: str = "outreachpass"
    db_secret_arn: str | None = None
    db_connect_timeout_s: int = Field(default=5, ge=1, le=60)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    # Resources by logical name (see lambdas/routes.py).
    buckets: dict[str, str] = Field(default_factory=dict)
    queues: dict[str, str] = Field(default_factory=dict)
    dead_letter_queues: dict[str, str] = Field(default_factory=dict)  # a work queue's name -> its DLQ's URL
    secrets: dict[str, str] = Field(default_factory=dict)
    user_pool_id: str | None = None
    user_pool_client_id: str | None = None
    ses_configuration_set: str | None = None
    default_sender: str | None = None
    # Wallet endpoints (tests and local fakes point them elsewhere): APNs (default: by the apns
    # secret's environment, production or sandbox) and the Google Wallet REST API.
    apns_url: str | None = None
    google_wallet_api_url: str = "https://walletobjects.googleapis.com/walletobjects/v1"
    # Where browsers load assets (avatars, logos) from: a CDN in front of the assets bucket; unset,
    # the card page presigns S3 GETs (integrations/public_assets.py).
    assets_base_url: str | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            stage=env.get("STAGE", "local"),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_name=env.get("POWERTOOLS_SERVICE_NAME", "outreachpass"),
            database_url=env.get("DATABASE_URL") or None,
            db_host=env.get("DB_HOST") or None,
            db_port=int(env.get("DB_PORT", "5432")),
            db_name=env.get("DB_NAME", "outreachpass"),
            db_secret_arn=env.get("DB_SECRET_ARN") or None,
            buckets=_suffixed(env, "_BUCKET"),
            queues=_suffixed(env, "_QUEUE_URL"),
            dead_letter_queues=_suffixed(env, "_DLQ_URL"),
            secrets=_suffixed(env, "_SECRET_ARN"),
            user_pool_id=env.get("USER_POOL_ID") or None,
            user_pool_client_id=env.get("USER_POOL_CLIENT_ID") or None,
            ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
            default_sender=env.get("DEFAULT_SENDER") or None,
            apns_url=(env.get("APNS_URL") or "").rstrip("/") or None,
            google_wallet_api_url=(env.get("GOOGLE_WALLET_API_URL") or "https://walletobjects.googleapis.com/walletobjects/v1").rstrip("/"),
            assets_base_url=(env.get("ASSETS_BASE_URL") or "").strip().rstrip("/") or None,
        )

    def bucket(self, name: str) -> str:
        return _require(self.buckets, name, "bucket")

    def queue_url(self, name: str) -> str:
        return _require(self.queues, name, "queue")

    def dead_letter_queue_url(self, name: str) -> str:
        return _require(self.dead_letter_queues, name, "dead-letter queue")

    def secret_arn(self, name: str) -> str:
        return _require(self.secrets, name, "secret")


def _suffixed(env: Mapping[str, str], suffix: str) -> dict[str, str]:
    """{"assets": "..."} from ASSETS_BUCKET=..., per the naming contract in routes.py."""
    return {key[: -len(suffix)].lower(): value for key, value in env.items() if key.endswith(suffix) and value}


def _require(resources: dict[str, str], name: str, kind: str) -> str:
    try:
        return resources[name]
    except KeyError:
        raise RuntimeError(
            f"{kind} '{name}' is not configured for this function: add it to the function's Needs in lambdas/routes.py"
        ) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    settings.cache_clear()
