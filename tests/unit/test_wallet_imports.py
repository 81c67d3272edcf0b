"""Cold start of the wallet functions: importing a handler loads none of the libraries the
wallet needs only when it signs, pushes or calls Google (cryptography, httpx/h2, google-auth,
requests, boto3, Pillow); each is imported on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("cryptography", "httpx", "h2", "google.auth", "requests", "boto3", "botocore.session", "PIL", "ua_parser")


@pytest.mark.parametrize(
    "module",
    [
        "handlers.public.wallet_apple",
        "handlers.public.wallet_google",
        "handlers.wallet.device_register",
        "handlers.wallet.device_unregister",
        "handlers.wallet.device_updates",
        "handlers.wallet.pass_latest",
        "handlers.wallet.device_log",
        "handlers.admin.passes_generate",
        "handlers.workers.generate_passes",
        "handlers.workers.wallet_push",
        "handlers.jobs.wallet_outbox_relay",
    ],
)
def test_importing_a_wallet_handler_loads_no_heavy_library(module):
    code = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(n for n in {HEAVY!r} if n in sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == []
