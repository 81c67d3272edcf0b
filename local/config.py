"""Configuration of the local stack: where data lives, which ports, which names.

Plain values with defaults; `python -m local` builds one from its command line and the
environment (PORT, DATABASE_URL), tests build one directly. Nothing here touches the
environment at import time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"
LAYER_DIR = REPO_ROOT / "layers" / "core" / "python"
MIGRATIONS_DIR = REPO_ROOT / "migrations"
DEFAULT_DATA_DIR = REPO_ROOT / ".local"

# moto's default account; queue URLs and ARNs carry it.
ACCOUNT_ID = "123456789012"
DEMO_DOMAIN = "demo.outreachpass.dev"


def ensure_code_paths() -> None:
    """Make handler modules (`handlers.x.y`) and the core layer (`outreachpass`) importable,
    as the Lambda runtime does with the function code root and /opt/python."""
    for path in (str(REPO_ROOT), str(LAMBDAS_DIR), str(LAYER_DIR)):
        if path not in sys.path:
            sys.path.append(path)


@dataclass
class LocalConfig:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8000  # 0 = any free port
    region: str = "us-east-1"
    stage: str = "local"
    # Admin connection to an existing PostgreSQL instead of the embedded one.
    database_url: str | None = None
    # Both URLs given (tests): use them as they are, no embedded server.
    app_database_url: str | None = None
    migrate: bool = True
    seed: bool = True
    database_name: str = "outreachpass"
    # SQS: queues are created with this visibility timeout locally (AWS uses the table's),
    # and a failed message becomes visible again after retry_delay_s, so retries are quick.
    visibility_timeout_s: int = 5
    retry_delay_s: int = 2
    poll_wait_s: int = 1  # long-poll wait; short so that stopping is quick
    background_workers: bool = True
    sender: str = f"no-reply@{DEMO_DOMAIN}"
    admin_username: str = f"admin@{DEMO_DOMAIN}"
    # Browser origins besides the stack's own that may call the API (the deployment config's
    # `cors_origins` in AWS), e.g. a Vite dev server on another port. The console at /admin/
    # is on the stack's own origin and needs none.
    cors_origins: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def dev_json_path(self) -> Path:
        return self.data_dir / "dev.json"

    @property
    def state_path(self) -> Path:
        """Generated values that must survive restarts (passwords, secret values)."""
        return self.data_dir / "state.json"

    def resource_name(self, name: str) -> str:
        """outreachpass-local-<name>, with dashes (bucket and queue names)."""
        return f"outreachpass-{self.stage}-{name.replace('_', '-')}"

    def secret_name(self, name: str) -> str:
        """Secrets Manager name per lambdas/routes.py: outreachpass/<stage>/<name>."""
        return f"outreachpass/{self.stage}/{name}"
