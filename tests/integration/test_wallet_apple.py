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
from tests.integration.wallet_support import lproj_strings, make_card, pass_json, pass_rows, unpack, wallet_events

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

    verify_with_openssl(local_stack, files, tmp_path)


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


# --- passes that know their event (issue 17) ---------------------------------------------------

VENUE = {"name": "Messe Berlin, Hall 3", "address": "Messedamm 22\n14055 Berlin", "latitude": 52.5065, "longitude": 13.2708}


def verify_with_openssl(local_stack, files, tmp_path):
    if not OPENSSL:
        pytest.skip("openssl is not installed (make test installs it)")
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
    (tmp_path / "signature").write_bytes(files["signature"])
    verified = subprocess.run(
        [OPENSSL, "smime", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "signature"),
         "-content", str(tmp_path / "manifest.json"), "-CAfile", str(local_stack.wallet.files.root_ca),
         "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, text=True, check=False,
    )
    assert verified.returncode == 0, verified.stderr


def test_a_german_attendees_pass_speaks_german_and_knows_the_event(local_stack, call_route, claims_for, tenant_factory, tmp_path):
    card = make_card(
        call_route, claims_for, tenant_factory, language="de",
        event={"venue": VENUE, "settings": {"contact_email": "Team@Northwind.example", "badge_colour": "teal"}},
    )
    response = local_stack.request("GET", f"/c/{card.card_id}/wallet/apple")
    assert response.status == 200, response.text
    files = unpack(response.body)
    verify_with_openssl(local_stack, files, tmp_path)
    manifest = json.loads(files["manifest.json"])
    assert set(files) == set(manifest) | {"manifest.json", "signature"}
    for name, digest in manifest.items():
        assert hashlib.sha1(files[name]).hexdigest() == digest

    # One localization, the attendee's, parsed strictly as Apple's strings format.
    assert lproj_strings(files).keys() == {"de"}
    strings = lproj_strings(files)["de"]
    document = json.loads(files["pass.json"])
    assert document["description"] == "op.description"
    assert strings["op.description"] == "Visitenkarte von Ada Lovelace"
    keys = [f["key"] for section in document["generic"].values() for f in section]
    assert len(keys) == len(set(keys)), keys  # Apple: a field's key is unique in the pass
    labels = {f["key"]: f["label"] for section in document["generic"].values() for f in section}
    assert {key: strings[label] for key, label in labels.items()} == {
        "date": "Beginn", "name": "Name", "title": "Position", "organisation": "Organisation", "event": "Veranstaltung",
        "event_name": "Veranstaltung",
        "starts": "Beginn", "ends": "Ende", "venue": "Veranstaltungsort", "email": "E-Mail", "phone": "Telefon",
        "card": "Visitenkarte", "organiser": "Veranstalter", "organiser_email": "E-Mail des Veranstalters",
    }
    card_link = next(f for f in document["generic"]["backFields"] if f["key"] == "card")
    assert strings[card_link["attributedValue"]] == f'<a href="{local_stack.api_url}/c/{card.card_id}">Visitenkarte öffnen</a>'

    # When and where: the event's time zone (Berlin, summer time), a relevance interval per day,
    # expiry 7 days after the end, the venue's coordinates with localized lock-screen text.
    assert document["relevantDate"] == "2031-05-01T11:00:00+02:00"
    assert document["relevantDates"] == [
        {"startDate": "2031-05-01T11:00:00+02:00", "endDate": "2031-05-02T00:00:00+02:00"},
        {"startDate": "2031-05-02T00:00:00+02:00", "endDate": "2031-05-02T20:00:00+02:00"},
    ]
    assert document["expirationDate"] == "2031-05-09T20:00:00+02:00"
    assert document["locations"] == [{"latitude": 52.5065, "longitude": 13.2708, "relevantText": "op.near_venue"}]
    assert strings["op.near_venue"] == "Ihre Visitenkarte für Wallet Summit"
    back = {f["key"]: f for f in document["generic"]["backFields"]}
    assert back["starts"]["value"] == "2031-05-01T11:00:00+02:00" and back["starts"]["ignoresTimeZone"] is True
    assert back["ends"]["value"] == "2031-05-02T20:00:00+02:00"
    assert back["venue"]["value"] == "Messe Berlin, Hall 3\nMessedamm 22\n14055 Berlin"
    # The organiser on the back: the brand, and the event's contact address (stored lower-case).
    assert back["organiser"]["value"] == "Northwind Events"
    assert back["organiser_email"]["value"] == "team@northwind.example"
    assert document["organizationName"] == "Northwind Events"


@pytest.mark.parametrize(("attendee_language", "event_language", "expected"), [(None, "fr", "fr"), ("pt-BR", "de", "pt"), ("pl", None, "en")])
def test_the_pass_language_falls_back_to_the_event_then_english(local_stack, call_route, claims_for, tenant_factory, attendee_language, event_language, expected):
    attendee = {"language": attendee_language} if attendee_language else {}
    event = {"language": event_language} if event_language else {}
    card = make_card(call_route, claims_for, tenant_factory, event=event, **attendee)
    files = unpack(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    assert lproj_strings(files).keys() == {expected}


def test_the_event_sets_how_long_its_passes_last(local_stack, call_route, claims_for, tenant_factory):
    card = make_card(call_route, claims_for, tenant_factory, event={"settings": {"pass_expires_days_after_end": 0}})
    document = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    assert document["expirationDate"] == "2031-05-02T20:00:00+02:00"
    assert "locations" not in document  # no venue coordinates, no locations
    changed = call_route("PATCH", f"/api/v1/admin/events/{card.event_id}", claims=card.admin,
                         json_body={"settings": {"pass_expires_days_after_end": 30}, "venue": {"latitude": 48.1, "longitude": 11.6}})
    assert changed.status == 200, changed
    document = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    assert document["expirationDate"] == "2031-06-01T20:00:00+02:00"
    assert document["locations"] == [{"latitude": 48.1, "longitude": 11.6, "relevantText": "op.near_venue"}]


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"contact_email": "not an address"}, "settings.contact_email"), ({"pass_expires_days_after_end": 400}, "settings.pass_expires_days_after_end"),
     ({"pass_expires_days_after_end": "soon"}, "settings.pass_expires_days_after_end")],
)
def test_wallet_settings_of_an_event_are_checked(call_route, claims_for, tenant_factory, settings, field):
    card = make_card(call_route, claims_for, tenant_factory)
    response = call_route("PATCH", f"/api/v1/admin/events/{card.event_id}", claims=card.admin, json_body={"settings": settings})
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in {d["field"] for d in response.json["error"]["details"]}


def test_the_avatar_is_the_thumbnail(local_stack, call_route, claims_for, tenant_factory, tmp_path):
    from tests.integration.test_images import image_bytes, upload

    card = make_card(call_route, claims_for, tenant_factory)
    token = local_stack.token_for(card.tenant_id, "admin")
    api = {"call": lambda method, path, **kw: local_stack.request(method, path, token=token, **kw), "tenant_id": str(card.tenant_id), "stack": local_stack}
    job = upload(api, f"/api/v1/admin/cards/{card.card_id}/avatar", image_bytes("PNG", (600, 400)), "image/png")
    assert job["status"] == "succeeded", job

    files = unpack(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    verify_with_openssl(local_stack, files, tmp_path)
    folder = f"avatars/{card.tenant_id}/{card.card_id}/{job['job_id']}"
    s3 = local_stack.boto("s3")
    for name, side in (("thumbnail.png", 90), ("thumbnail@2x.png", 180), ("thumbnail@3x.png", 270)):
        stored = s3.get_object(Bucket=local_stack.resources.buckets["assets"], Key=f"{folder}/{name}")["Body"].read()
        assert files[name] == stored
        assert Image.open(io.BytesIO(files[name])).size == (side, side)
    assert "thumbnail.png" in json.loads(files["manifest.json"])
