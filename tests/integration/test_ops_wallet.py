"""`python -m ops.wallet check`: the Apple chain and key, the APNs key, and a real call to the
Google issuer through the runtime's AuthorizedSession, with Google faked at the transport
(local.wallet_fakes): success, 401, 403, 404, a refused key, an unreachable API; the local
stack's secrets in moto; files before they go into the secrets."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from local.wallet_credentials import GOOGLE_ISSUER_ID, ensure_credentials, secret_values
from local.wallet_fakes import FakeGoogleWallet
from ops.wallet import check_apple, main
from outreachpass.integrations.wallet import google_wallet

API = "https://walletobjects.googleapis.com/walletobjects/v1"


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    return secret_values(ensure_credentials(tmp_path_factory.mktemp("wallet-creds")))


@pytest.fixture
def google():
    """A fresh fake Google under the runtime's client (no token cached from another test)."""
    previous = google_wallet.transport_adapter()  # the local stack's fake, when it runs
    fake = FakeGoogleWallet()
    fake.issuers.add(GOOGLE_ISSUER_ID)
    google_wallet.set_adapter(fake)
    yield fake
    google_wallet.set_adapter(previous)


@pytest.fixture
def files(tmp_path, values):
    paths = {}
    for name, value in values.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(value), encoding="utf-8")
        paths[name] = str(path)
    return paths


def run(*argv):
    out = io.StringIO()
    code = main(["check", *argv], environ={}, out=out)
    return code, out.getvalue()


def checked(files, *extra):
    return run("--apple-pass-file", files["apple_pass"], "--apns-file", files["apns"], "--google-wallet-file", files["google_wallet"],
               "--google-api-url", API, *extra)


def test_good_credentials_pass_every_check(files, google):
    code, out = checked(files, "--json")
    assert code == 0, out
    report = {r["name"]: r for r in json.loads(out)["results"]}
    assert report["apple_pass"]["status"] == "ok"
    assert "pass.dev.outreachpass.local (team LOCALTEAM1): the key matches the certificate" in report["apple_pass"]["message"]
    assert report["apns"]["status"] == "ok"
    assert report["google_wallet"] == {"name": "google_wallet", "status": "ok",
                                       "message": f"wallet-local@outreachpass-local.iam.gserviceaccount.com reaches issuer {GOOGLE_ISSUER_ID} (Local issuer)"}
    assert google.token_requests == 1  # a real OAuth token request, then the API call with it
    assert google.calls == [("GET", f"/walletobjects/v1/issuer/{GOOGLE_ISSUER_ID}")]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # google-auth refreshes the token and retries a 401 (twice): a revoked key answers 401 each time.
        ({"fail_next": [401, 401, 401]}, "(401): the key or the service account was disabled; create a new key"),
        ({"fail_next": [403]}, "may not act for issuer 3388000000000000001 (403): add it as a user of the issuer in the Google Pay & Wallet Console"),
        ({"issuers": set()}, "issuer 3388000000000000001 does not exist (404)"),
        ({"refuse_token": True}, "Google's token endpoint refused the key of wallet-local@"),
        ({"unreachable": True}, f"cannot reach the Google Wallet API at {API}"),
    ],
)
def test_google_failures_say_what_to_fix(files, google, script, expected):
    for attribute, value in script.items():
        setattr(google, attribute, value.copy() if isinstance(value, list | set) else value)
    code, out = checked(files, "--only", "google_wallet")
    assert code == 1
    assert "google_wallet  FAILED" in out
    assert expected in out


def test_apple_problems_are_named(tmp_path, values, google):
    other = secret_values(ensure_credentials(tmp_path / "other"))
    mismatched = {**values["apple_pass"], "private_key_pem": other["apple_pass"]["private_key_pem"]}
    path = tmp_path / "apple.json"
    path.write_text(json.dumps(mismatched), encoding="utf-8")
    code, out = run("--apple-pass-file", str(path), "--only", "apple_pass")
    assert code == 1
    assert "apple_pass.private_key_pem is not the private key of apple_pass.certificate_pem" in out

    wrong_issuer = {**values["apple_pass"], "wwdr_certificate_pem": other["apple_pass"]["wwdr_certificate_pem"]}
    path.write_text(json.dumps(wrong_issuer), encoding="utf-8")
    code, out = run("--apple-pass-file", str(path), "--only", "apple_pass")
    assert code == 1 and "the WWDR certificate did not issue the pass certificate" in out

    from outreachpass.integrations.wallet.credentials import parse_apple_pass_credentials

    expires = parse_apple_pass_credentials(values["apple_pass"]).not_valid_after
    soon = check_apple(values["apple_pass"], expires - timedelta(days=10))
    assert soon.status == "warning" and "(10 days): renew it now" in soon.message
    late = check_apple(values["apple_pass"], expires + timedelta(days=1))
    assert late.status == "failed" and f"expired on {expires:%Y-%m-%d}" in late.message


def test_the_local_stacks_secrets_are_read_from_moto(local_stack, tmp_path):
    (tmp_path / "dev.json").write_text(json.dumps({"aws_endpoint_url": local_stack.aws_endpoint_url, "region": local_stack.region}))
    code, out = run("--local-dir", str(tmp_path))
    assert code == 0, out
    assert "Wallet credentials in the local stack (moto):" in out
    assert "apple_pass     OK" in out
    assert "google_wallet  SKIPPED" in out and "unknown to Google" in out


def test_a_missing_source_is_a_clear_error(tmp_path, capsys):
    code, _ = run("--local-dir", str(tmp_path))
    assert code == 1
    assert "dev.json not found: start the local stack (make dev)" in capsys.readouterr().err
    code, out = run("--google-wallet-file", str(tmp_path / "nope.json"))
    assert code == 1 and "cannot read" in out
