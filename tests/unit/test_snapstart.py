"""SnapStart hooks (outreachpass.snapstart): registered with the Lambda runtime's snapshot_restore_py only
where that module exists, never run at import, and when run they build the first request's expensive
state (jinja2 templates, the ua-parser resolver, cryptography) without opening a connection, creating
an AWS client or reading a secret.

Each case runs in a fresh interpreter, as Lambda's init does; the Lambda runtime's module is faked by
putting one in sys.modules before the handler is imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_RUNTIME = """
import sys, types
fake = types.ModuleType("snapshot_restore_py")
fake.before, fake.after = [], []
fake.register_before_snapshot = lambda fn, *a, **k: fake.before.append(fn) or fn
fake.register_after_restore = lambda fn, *a, **k: fake.after.append(fn) or fn
sys.modules["snapshot_restore_py"] = fake
"""

REPORT = """
import importlib, json, sys
module = importlib.import_module(MODULE)
from outreachpass import snapstart
from outreachpass.integrations import aws, pages, useragent
from outreachpass.integrations.wallet import credentials
from outreachpass.db import connection
fake = sys.modules.get("snapshot_restore_py")
report = {
    "registered": [(kind, hook.__name__) for kind, hook in snapstart.registered()],
    "before": [hook.__name__ for hook in getattr(fake, "before", [])],
    "after": [hook.__name__ for hook in getattr(fake, "after", [])],
    "at_import": sorted(n for n in ("jinja2", "ua_parser", "cryptography") if n in sys.modules),
}
for hook in reversed(getattr(fake, "before", [])):  # the runtime runs them in reverse order of registration
    hook()
for hook in getattr(fake, "after", []):
    hook()
WATCHED = ("jinja2", "ua_parser", "cryptography", "outreachpass.integrations.wallet.signing", "qrcode", "PIL.PngImagePlugin",
           "google.auth.crypt", "google.oauth2.service_account", "requests", "babel.dates")
report |= {
    "after_hooks": sorted(n for n in WATCHED if n in sys.modules),
    "environment": pages.environment.built(),
    "templates": sorted(key[1] for key in pages.environment().cache.keys()) if pages.environment.built() else [],
    "resolver": useragent._get_parser.built(),
    "database": connection.database.built(),
    "clients": aws._client.built(),
    "secrets": sorted(credentials._cache),
    "boto3_session": bool(getattr(sys.modules.get("boto3"), "DEFAULT_SESSION", None)),
}
print(json.dumps(report))
"""


def run(module: str, *, fake_runtime: bool) -> dict:
    code = (FAKE_RUNTIME if fake_runtime else "") + f"MODULE = {module!r}\n" + REPORT
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}:{ROOT / 'layers/core/python'}",
            "PATH": "/usr/bin:/bin",
            # A secret to (not) read: a warm-up that fetched it would fail or show in the cache.
            "APPLE_PASS_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apple",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_the_lambda_runtime_nothing_is_registered_and_nothing_is_warmed():
    report = run("handlers.public.card_page", fake_runtime=False)
    assert report["registered"] == []
    assert report["after_hooks"] == []  # nothing ran: importing the handler stays cheap
    assert not report["environment"] and not report["resolver"]


def test_the_card_page_registers_its_warm_up_which_builds_templates_and_the_resolver():
    report = run("handlers.public.card_page", fake_runtime=True)
    assert report["before"] == ["warm_card_page"]
    assert report["after"] == ["reseed_random"]
    assert report["at_import"] == []  # registered at import, run only by the runtime
    assert report["environment"] and report["resolver"]
    assert set(report["templates"]) >= {"card.html", "404.html"}  # compiled and kept
    assert {"jinja2", "ua_parser", "babel.dates"} <= set(report["after_hooks"])  # babel.dates: the locales' dates
    assert (report["database"], report["clients"], report["secrets"], report["boto3_session"]) == (False, False, [], False)


def test_the_apple_wallet_routes_warm_cryptography_and_signing_without_secrets_or_connections():
    for module in ("handlers.public.card_wallet_apple", "handlers.wallet.pass_latest"):
        report = run(module, fake_runtime=True)
        assert report["before"] == ["warm_apple_wallet"], module
        assert report["after"] == ["reseed_random"], module
        assert report["at_import"] == [], module
        assert {"cryptography", "outreachpass.integrations.wallet.signing", "ua_parser"} <= set(
            report["after_hooks"]
        ), module
        assert report["resolver"], module
        assert (report["database"], report["clients"], report["secrets"], report["boto3_session"]) == (
            False,
            False,
            [],
            False,
        ), module


def test_the_qr_routes_warm_qrcode_and_pillow_without_connections():
    for module in ("handlers.public.card_qr_png", "handlers.public.card_qr_svg"):
        report = run(module, fake_runtime=True)
        assert report["before"] == ["warm_qr_codes"], module
        assert report["at_import"] == [], module
        assert {"qrcode", "PIL.PngImagePlugin"} <= set(report["after_hooks"]), module
        assert (report["database"], report["clients"], report["secrets"], report["boto3_session"]) == (False, False, [], False)


def test_the_google_wallet_route_warms_google_auth_without_secrets_or_connections():
    report = run("handlers.public.card_wallet_google", fake_runtime=True)
    assert report["before"] == ["warm_google_wallet"]
    assert report["after"] == ["reseed_random"]
    assert {"google.auth.crypt", "google.oauth2.service_account", "requests", "ua_parser"} <= set(report["after_hooks"])
    assert report["resolver"]
    assert (report["database"], report["clients"], report["secrets"], report["boto3_session"]) == (False, False, [], False)


def test_a_hook_registered_twice_is_handed_to_the_runtime_once():
    code = FAKE_RUNTIME + (
        "from outreachpass import snapstart\n"
        "hook = lambda: None\n"
        "assert snapstart.before_snapshot(hook) is hook\n"
        "snapstart.before_snapshot(hook); snapstart.after_restore(print)\n"
        "print(len(fake.before), len(fake.after))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "layers/core/python"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["1", "2"]  # the warm-up once; reseed_random and print
