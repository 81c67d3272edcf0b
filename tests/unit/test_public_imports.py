"""Cold start of the public card routes: importing a handler loads none of the heavy libraries;
each is imported on first use by the function that needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("jinja2", "qrcode", "PIL", "ua_parser", "boto3", "botocore.session", "vobject")  # powertools imports the botocore package itself


@pytest.mark.parametrize(
    "module",
    [
        "handlers.public.card_page",
        "handlers.public.card_vcard",
        "handlers.public.card_qr_png",
        "handlers.public.card_qr_svg",
        "handlers.track.events_beacon",
    ],
)
def test_importing_a_public_handler_loads_no_heavy_library(module):
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
