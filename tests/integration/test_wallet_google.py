"""Google Wallet through the local stack: the save link (302 to pay.google.com with an RS256
JWT), the generic class and object inserted through the REST API (google-auth's
AuthorizedSession over a fake transport: the OAuth token request and the API calls are real
HTTP requests answered in memory), and the PATCH when the card changes."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization

from outreachpass.services.wallet.push import dispatch_outbox
from tests.integration.wallet_support import make_card, pass_rows, wallet_events

SAVE_PREFIX = "https://pay.google.com/gp/v/save/"


@pytest.fixture
def card(local_stack, call_route, claims_for, tenant_factory):
    return make_card(call_route, claims_for, tenant_factory)


def save_token(response) -> str:
    assert response.status == 302, response.text
    location = response.headers["location"]
    assert location.startswith(SAVE_PREFIX)
    assert len(location) < 1800
    return location.removeprefix(SAVE_PREFIX)


def test_save_link_is_a_signed_jwt_referencing_the_inserted_object(local_stack, card, database):
    google = local_stack.wallet.google
    secret = local_stack.wallet.secrets["google_wallet"]
    account = secret["service_account"]
    started = int(time.time())

    response = local_stack.request("GET", f"/c/{card.card_id}/wallet/google")
    token = save_token(response)
    assert response.headers["cache-control"] == "no-store"

    public_key = serialization.load_pem_private_key(account["private_key"].encode(), None).public_key()
    claims = pyjwt.decode(token, public_key, algorithms=["RS256"], audience="google")
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] == account["private_key_id"]
    object_id = f"{secret['issuer_id']}.outreachpass-card-{card.card_id}"
    api = urlsplit(local_stack.api_url)
    assert claims["iss"] == account["client_email"]
    assert claims["aud"] == "google"
    assert claims["typ"] == "savetowallet"
    assert started - 5 <= claims["iat"] <= int(time.time()) + 5
    assert claims["origins"] == [f"{api.scheme}://{api.netloc}"]
    assert claims["payload"] == {"genericObjects": [{"id": object_id}]}

    # The object (and its event's class) were inserted through the REST API first.
    class_id = f"{secret['issuer_id']}.outreachpass-event-{card.event_id}"
    assert class_id in google.classes
    saved = google.objects[object_id]
    assert saved["classId"] == class_id
    assert saved["state"] == "ACTIVE"
    assert saved["header"]["defaultValue"]["value"] == "Ada Lovelace"
    assert saved["subheader"]["defaultValue"]["value"] == "Chief Mathematician"
    assert saved["cardTitle"]["defaultValue"]["value"] == "Northwind Events"
    assert saved["hexBackgroundColor"] == "#0b3d91"
    assert saved["barcode"] == {"type": "QR_CODE", "value": f"{local_stack.api_url}/c/{card.card_id}?src=qr", "alternateText": "Ada Lovelace"}

    row = pass_rows(database, card.card_id)["google"]
    assert (row["google_object_id"], row["status"]) == (object_id, "active")
    assert wallet_events(database, card.card_id) == [("google", "generated"), ("google", "downloaded")]


def test_a_second_click_reuses_the_current_object(local_stack, card, database):
    google = local_stack.wallet.google
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    calls = len(google.calls)
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    assert len(google.calls) == calls  # nothing to send to Google
    assert wallet_events(database, card.card_id) == [("google", "generated"), ("google", "downloaded"), ("google", "downloaded")]


def test_a_card_change_patches_the_saved_object(local_stack, call_route, card, database):
    google = local_stack.wallet.google
    secret = local_stack.wallet.secrets["google_wallet"]
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    object_id = f"{secret['issuer_id']}.outreachpass-card-{card.card_id}"

    changed = call_route("PATCH", f"/api/v1/admin/cards/{card.card_id}", claims=card.admin, json_body={"display_name": "Ada King", "title": "Countess"})
    assert changed.status == 200
    dispatch_outbox()
    local_stack.run_workers_once()

    assert ("PATCH", f"/walletobjects/v1/genericObject/{object_id}") in google.calls
    assert google.objects[object_id]["header"]["defaultValue"]["value"] == "Ada King"
    assert google.objects[object_id]["subheader"]["defaultValue"]["value"] == "Countess"
    assert pass_rows(database, card.card_id)["google"]["vcard_rev"] == changed.json["data"]["vcard_rev"]
    assert ("google", "updated") in wallet_events(database, card.card_id)


def test_google_down_is_a_503_and_the_next_click_works(local_stack, card):
    google = local_stack.wallet.google
    google.fail_next.append(503)
    try:
        down = local_stack.request("GET", f"/c/{card.card_id}/wallet/google")
    finally:
        google.fail_next.clear()
    assert down.status == 503
    assert down.json()["error"]["code"] == "GOOGLE_WALLET_UNAVAILABLE"
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))


def test_unknown_card_is_404(local_stack):
    response = local_stack.request("GET", f"/c/{uuid.uuid4()}/wallet/google")
    assert response.status == 404
    assert response.json()["error"]["code"] == "CARD_NOT_FOUND"
