"""GET /c/{card_id}/wallet/apple through the local stack: the real handler, database, moto
(Secrets Manager holds the local development credentials, S3 the brand logo) and OpenSSL."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import uuid

import pytest
from PIL import Image

from outreachpass.integrations.wallet.images import default_images
from tests.integration.wallet_support import make_card, pass_json, pass_rows, unpack, wallet_events

PKPASS = "application/vnd.apple.pkpass"
OPENSSL = shutil.which("openssl")


@pytest.fixture
def card(local_stack, call_route, claims_for, tenant_factory):
    return make_card(call_route, claims_for, tenant_factory)


def test_download_is_a_signed_pkpass_of_the_card(local_stack, card, database, tmp_path):
    response = local_stack.request("GET", f"/c/{card.card_id}/wallet/apple")
    assert response.status == 200, response.text
    assert response.headers["content-type"] == PKPASS
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith('attachment; filename="Ada-Lovelace.pkpass"')
    assert "last-modified" in response.headers

    files = unpack(response.body)
    manifest = json.loads(files["manifest.json"])
    assert set(files) == set(manifest) | {"manifest.json", "signature"}
    for name, digest in manifest.items():
        assert hashlib.sha1(files[name]).hexdigest() == digest

    document = json.loads(files["pass.json"])
    wallet = local_stack.wallet.secrets["apple_pass"]
    assert document["formatVersion"] == 1
    assert document["passTypeIdentifier"] == wallet["pass_type_identifier"]
    assert document["teamIdentifier"] == wallet["team_identifier"]
    assert document["organizationName"] == "Northwind Events"
    assert document["webServiceURL"] == f"{local_stack.api_url}/wallet"
    assert len(document["authenticationToken"]) >= 16
    # Brand colours: the primary as background, white text on it, the accent (readable on it) as labels.
    assert document["backgroundColor"] == "rgb(11, 61, 145)"
    assert document["foregroundColor"] == "rgb(255, 255, 255)"
    assert document["labelColor"] == "rgb(251, 191, 36)"
    fields = {f["key"]: f["value"] for section in document["generic"].values() for f in section}
    assert fields["name"] == "Ada Lovelace"
    assert fields["title"] == "Chief Mathematician"
    assert fields["organisation"] == "Analytical Engines Ltd"
    assert fields["event"] == "Wallet Summit"
    assert document["barcodes"][0]["message"] == f"{local_stack.api_url}/c/{card.card_id}?src=qr"
    # No brand logo: the default image set.
    for name, data in default_images().items():
        assert files[name] == data

    rows = pass_rows(database, card.card_id)
    assert rows["apple"]["serial_number"] == document["serialNumber"]
    assert rows["apple"]["authentication_token"] == document["authenticationToken"]
    assert wallet_events(database, card.card_id) == [("apple", "generated"), ("apple", "downloaded")]

    if OPENSSL:
        (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
        (tmp_path / "signature").write_bytes(files["signature"])
        verified = subprocess.run(
            [OPENSSL, "smime", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "signature"),
             "-content", str(tmp_path / "manifest.json"), "-CAfile", str(local_stack.wallet.files.root_ca),
             "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True, check=False,
        )
        assert verified.returncode == 0, verified.stderr


def test_serial_and_token_stay_the_same_across_downloads(local_stack, card, database):
    first = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    second = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    assert (first["serialNumber"], first["authenticationToken"]) == (second["serialNumber"], second["authenticationToken"])
    assert len(pass_rows(database, card.card_id)) == 1
    assert wallet_events(database, card.card_id) == [("apple", "generated"), ("apple", "downloaded"), ("apple", "downloaded")]


def test_handler_answers_base64_binary(call_route, local_stack, card):
    response = call_route("GET", f"/c/{card.card_id}/wallet/apple", headers={"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"})
    assert response.status == 200
    assert response.raw["isBase64Encoded"] is True
    assert response.headers["content-type"] == PKPASS


def test_unknown_deleted_and_malformed_cards_are_404(local_stack, call_route, card):
    for card_id in (uuid.uuid4(), "not-a-uuid"):
        response = local_stack.request("GET", f"/c/{card_id}/wallet/apple")
        assert response.status == 404
        assert response.json()["error"]["code"] == "CARD_NOT_FOUND"
    deleted = call_route("DELETE", f"/api/v1/admin/attendees/{card.attendee_id}", claims=card.admin)
    assert deleted.status in (200, 204), deleted
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").status == 404


def test_brand_logo_from_s3_replaces_the_default(local_stack, call_route, card):
    def png(width: int, height: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGBA", (width, height), (200, 30, 30, 255)).save(out, format="PNG")
        return out.getvalue()

    folder = f"logos/{card.tenant_id}/{card.brand_id}"
    logos = {"logo.png": png(160, 50), "logo@2x.png": png(320, 100), "logo@3x.png": png(480, 150)}
    s3 = local_stack.boto("s3")
    for name, data in logos.items():
        s3.put_object(Bucket=local_stack.resources.buckets["assets"], Key=f"{folder}/{name}", Body=data, ContentType="image/png")
    patched = call_route(
        "PATCH", f"/api/v1/admin/brands/{card.brand_id}", claims=card.admin,
        json_body={"theme": {"primary_color": "#f5f5f4", "accent_color": "#2563eb", "logo_s3_key": f"{folder}/logo.png"}},
    )
    assert patched.status == 200, patched
    files = unpack(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    for name, data in logos.items():
        assert files[name] == data
    assert files["icon.png"] == default_images()["icon.png"]  # no brand icon: the default
    document = json.loads(files["pass.json"])
    assert document["backgroundColor"] == "rgb(245, 245, 244)"
    assert document["foregroundColor"] == "rgb(17, 24, 39)"  # dark text on a light brand colour


def test_another_tenants_logo_key_is_ignored(local_stack, call_route, card, tenant_factory):
    other = f"logos/{tenant_factory()}/x/logo.png"
    local_stack.boto("s3").put_object(Bucket=local_stack.resources.buckets["assets"], Key=other, Body=b"\x89PNG\r\n\x1a\nforeign")
    patched = call_route("PATCH", f"/api/v1/admin/brands/{card.brand_id}", claims=card.admin, json_body={"theme": {"logo_s3_key": other}})
    assert patched.status == 200, patched
    files = unpack(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    assert files["logo.png"] == default_images()["logo.png"]


@pytest.fixture
def apple_not_configured(local_stack, monkeypatch):
    from outreachpass.config import reset_settings
    from outreachpass.integrations.wallet.credentials import reset_credentials

    monkeypatch.delenv("APPLE_PASS_SECRET_ARN")
    reset_settings()
    reset_credentials()
    yield
    monkeypatch.undo()
    reset_settings()
    reset_credentials()


def test_missing_credentials_are_a_clear_503(call_route, card, apple_not_configured):
    response = call_route("GET", f"/c/{card.card_id}/wallet/apple")
    assert response.status == 503
    assert response.json["error"]["code"] == "WALLET_NOT_CONFIGURED"
    assert "secret" not in response.json["error"]["message"]  # the details are for the log, not the public
