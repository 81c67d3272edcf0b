"""The .pkpass format, signed with the local development credentials and checked with OpenSSL.

Real signing (cryptography), real verification (the openssl command line), no mocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from local.wallet_credentials import PASS_TYPE_IDENTIFIER, TEAM_IDENTIFIER, ensure_credentials, secret_values
from outreachpass.integrations.wallet.apple_pass import ApplePassContent, Colours, build_pkpass, rgb
from outreachpass.integrations.wallet.credentials import (
    WalletNotConfigured,
    parse_apns_credentials,
    parse_apple_pass_credentials,
    parse_google_wallet_credentials,
)
from outreachpass.integrations.wallet.images import default_images

OPENSSL = shutil.which("openssl")
REQUIRED_KEYS = {
    "formatVersion", "passTypeIdentifier", "serialNumber", "teamIdentifier", "organizationName", "description",
    "foregroundColor", "backgroundColor", "labelColor", "generic", "barcodes", "webServiceURL", "authenticationToken",
}


@pytest.fixture(scope="module")
def wallet_files(tmp_path_factory):
    return ensure_credentials(tmp_path_factory.mktemp("wallet-creds"))


@pytest.fixture(scope="module")
def secrets_(wallet_files):
    return secret_values(wallet_files)


@pytest.fixture(scope="module")
def apple(secrets_):
    return parse_apple_pass_credentials(secrets_["apple_pass"])


def content(**overrides) -> ApplePassContent:
    values = dict(
        serial_number="3f1c2b0e9a8d4c7b8e6f5a4b3c2d1e0f",
        authentication_token="t0k3n-abcdefghijklmnopqrstuvwxyz012345",
        web_service_url="https://cards.example.com/wallet",
        card_url="https://cards.example.com/c/4a7c0f34-6f0e-4a55-9f0b-2f4b8c1d9e21",
        organization_name="Demo Events Co.",
        display_name="Ada Lovelace",
        title="Chief Mathematician",
        org_name="Analytical Engines Ltd",
        event_name="Demo Summit",
        email="ada@example.com",
        phone="+44 20 7946 0001",
        colours=Colours(foreground="#ffffff", background="#1f2937", label="#93c5fd"),
        logo_text="Demo Events Co.",
    )
    values.update(overrides)
    return ApplePassContent(**values)


def build(apple, **overrides) -> bytes:
    return build_pkpass(
        content(**overrides),
        default_images(),
        pass_type_identifier=apple.pass_type_identifier,
        team_identifier=apple.team_identifier,
        certificate=apple.certificate,
        private_key=apple.private_key,
        intermediate=apple.wwdr_certificate,
    )


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def openssl_verify(workdir: Path, files: dict[str, bytes], root_ca: Path) -> subprocess.CompletedProcess:
    (workdir / "manifest.json").write_bytes(files["manifest.json"])
    (workdir / "signature").write_bytes(files["signature"])
    return subprocess.run(
        [
            OPENSSL, "smime", "-verify", "-binary", "-inform", "DER", "-in", str(workdir / "signature"),
            "-content", str(workdir / "manifest.json"), "-CAfile", str(root_ca), "-purpose", "any",
            "-out", str(workdir / "verified"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_archive_holds_exactly_the_manifest_files_and_every_hash_matches(apple):
    files = unpack(build(apple))
    manifest = json.loads(files["manifest.json"])
    assert set(files) == set(manifest) | {"manifest.json", "signature"}
    assert "pass.json" in manifest
    assert {"icon.png", "icon@2x.png", "icon@3x.png", "logo.png", "logo@2x.png", "logo@3x.png"} <= set(manifest)
    for name, digest in manifest.items():
        assert hashlib.sha1(files[name]).hexdigest() == digest, name


def test_pass_json_has_the_required_keys_and_the_card(apple):
    document = json.loads(unpack(build(apple))["pass.json"])
    assert set(document) >= REQUIRED_KEYS
    assert document["formatVersion"] == 1
    assert document["passTypeIdentifier"] == PASS_TYPE_IDENTIFIER
    assert document["teamIdentifier"] == TEAM_IDENTIFIER
    assert len(document["authenticationToken"]) >= 16
    assert document["webServiceURL"] == "https://cards.example.com/wallet"
    assert document["backgroundColor"] == "rgb(31, 41, 55)"
    assert document["foregroundColor"] == "rgb(255, 255, 255)"
    assert document["labelColor"] == "rgb(147, 197, 253)"
    keys = [f["key"] for section in document["generic"].values() for f in section]
    assert len(keys) == len(set(keys)), keys  # Apple: a field's key is unique in the pass
    fields = {f["key"]: f["value"] for section in document["generic"].values() for f in section}
    assert fields["name"] == "Ada Lovelace"
    assert fields["title"] == "Chief Mathematician"
    assert fields["organisation"] == "Analytical Engines Ltd"
    assert fields["event"] == "Demo Summit"
    [barcode] = document["barcodes"]
    assert barcode == {
        "format": "PKBarcodeFormatQR",
        "message": "https://cards.example.com/c/4a7c0f34-6f0e-4a55-9f0b-2f4b8c1d9e21?src=qr",
        "messageEncoding": "utf-8",
        "altText": "Ada Lovelace",
    }


def test_empty_fields_are_left_out_and_text_stays_unicode(apple):
    document = json.loads(unpack(build(apple, title=None, org_name="  ", event_name=None, display_name="Zoë Ørsted"))["pass.json"])
    assert document["generic"]["secondaryFields"] == []
    assert document["generic"]["auxiliaryFields"] == []
    assert document["generic"]["primaryFields"][0]["value"] == "Zoë Ørsted"


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command (scripts/system-deps.sh installs it)")
def test_signature_verifies_with_openssl_and_breaks_when_a_byte_changes(apple, wallet_files, tmp_path):
    files = unpack(build(apple))
    result = openssl_verify(tmp_path, files, wallet_files.root_ca)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "verified").read_bytes() == files["manifest.json"]

    # One byte of pass.json changes: its hash no longer matches, so the manifest that matches
    # it is not the signed one and the signature fails.
    tampered = bytearray(files["pass.json"])
    index = tampered.index(b"Ada")
    tampered[index] = ord("E")
    manifest = json.loads(files["manifest.json"])
    assert hashlib.sha1(bytes(tampered)).hexdigest() != manifest["pass.json"]
    manifest["pass.json"] = hashlib.sha1(bytes(tampered)).hexdigest()
    forged = dict(files, **{"manifest.json": json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()})
    failed = openssl_verify(tmp_path, forged, wallet_files.root_ca)
    assert failed.returncode != 0
    assert "Verification successful" not in failed.stderr


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_signature_is_sha256_with_signing_time_and_embeds_the_intermediate(apple, tmp_path):
    signature = unpack(build(apple))["signature"]
    (tmp_path / "signature").write_bytes(signature)
    printed = subprocess.run(
        [OPENSSL, "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(tmp_path / "signature")],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "signingTime" in printed
    assert "sha256" in printed
    assert "eContent: <ABSENT>" in printed  # detached
    certs = subprocess.run(
        [OPENSSL, "pkcs7", "-inform", "DER", "-print_certs", "-in", str(tmp_path / "signature")],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "Stand-in for Apple WWDR" in certs
    assert f"Pass Type ID: {PASS_TYPE_IDENTIFIER}" in certs


def test_colour_syntax():
    assert rgb("#fff") == "rgb(255, 255, 255)"
    assert rgb("#2563EB") == "rgb(37, 99, 235)"


# --- the start-up checks of the credentials --------------------------------------------------


def test_local_credentials_pass_the_checks(secrets_):
    apple = parse_apple_pass_credentials(secrets_["apple_pass"])
    assert (apple.pass_type_identifier, apple.team_identifier) == (PASS_TYPE_IDENTIFIER, TEAM_IDENTIFIER)
    apns = parse_apns_credentials(secrets_["apns"])
    assert apns.endpoint == "https://api.sandbox.push.apple.com"
    google = parse_google_wallet_credentials(secrets_["google_wallet"])
    assert google.client_email.endswith(".iam.gserviceaccount.com")
    assert parse_apns_credentials({}) is None  # no APNs key: pushes use the pass certificate


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pass_type_identifier": "pass.com.other.card"}, "does not match the certificate's UID"),
        ({"team_identifier": "OTHERTEAM9"}, "does not match the certificate's OU"),
        ({"certificate_pem": "not a certificate"}, "not a PEM certificate"),
        ({"private_key_pem": None}, "has no 'private_key_pem'"),
    ],
)
def test_mismatched_or_broken_apple_credentials_fail_clearly(secrets_, change, message):
    with pytest.raises(WalletNotConfigured) as raised:
        parse_apple_pass_credentials({**secrets_["apple_pass"], **change})
    assert message in raised.value.detail
    assert raised.value.status == 503
    assert "certificate" not in raised.value.message  # the public message stays generic


def test_expired_certificate_fails_clearly(secrets_, apple):
    later = apple.certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(WalletNotConfigured, match="expired on"):
        parse_apple_pass_credentials(secrets_["apple_pass"], now=later)


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A second, independent set of local credentials (another CA)."""
    return secret_values(ensure_credentials(tmp_path_factory.mktemp("wallet-other")))["apple_pass"]


def test_a_key_of_another_certificate_is_refused(secrets_, other):
    with pytest.raises(WalletNotConfigured, match="is not the private key"):
        parse_apple_pass_credentials({**secrets_["apple_pass"], "private_key_pem": other["private_key_pem"]})


def test_a_certificate_not_issued_by_the_wwdr_is_refused(secrets_, other):
    with pytest.raises(WalletNotConfigured, match="did not issue the pass certificate"):
        parse_apple_pass_credentials({**secrets_["apple_pass"], "wwdr_certificate_pem": other["wwdr_certificate_pem"]})


def test_google_and_apns_secrets_are_checked(secrets_):
    with pytest.raises(WalletNotConfigured, match="issuer_id"):
        parse_google_wallet_credentials({**secrets_["google_wallet"], "issuer_id": "abc"})
    with pytest.raises(WalletNotConfigured, match="client_email"):
        parse_google_wallet_credentials({"issuer_id": "123", "service_account": {"private_key": "x", "token_uri": "y"}})
    with pytest.raises(WalletNotConfigured, match="ES256"):
        parse_apns_credentials({**secrets_["apns"], "private_key_pem": secrets_["apple_pass"]["private_key_pem"]})


def test_credentials_are_kept_and_reused(wallet_files):
    before = wallet_files.pass_certificate.read_bytes()
    again = ensure_credentials(wallet_files.directory.parent)
    assert again.pass_certificate.read_bytes() == before
    assert oct(wallet_files.pass_key.stat().st_mode & 0o777) == "0o600"
    assert datetime.now(UTC) < parse_apple_pass_credentials(secret_values(again)["apple_pass"]).not_valid_after
