"""Cold start of the email tracking routes: importing the pixel or the click handler loads no
heavy library (no jinja2, no boto3 session, no QR or image code, no user-agent parser); the
signing key and the user-agent parser are loaded on first use only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("jinja2", "qrcode", "PIL", "ua_parser", "boto3", "botocore.session")  # powertools imports the botocore package itself


@pytest.mark.parametrize("module", ["handlers.track.email_open", "handlers.track.email_click"])
def test_importing_a_tracking_handler_loads_no_heavy_library(module):
    code = (
        "import json, sys\n"
        f"import {module}\n"
        f"print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))\n"
    )
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
