"""Google Wallet through the local stack: the save link (302 to pay.google.com with an RS256
JWT), the event ticket class and object sent through the REST API (google-auth's
AuthorizedSession over a fake transport: the OAuth token request and the API calls are real
HTTP requests answered in memory), checked against the shape Google documents
(tests/schemas/google_wallet_event_ticket.schema.json), and the PATCHes when the card, the event
or the brand changes."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization

from outreachpass.services.wallet import labels
from outreachpass.services.wallet.push import dispatch_outbox
from tests.integration.wallet_support import make_card, pass_rows, wallet_events

SAVE_PREFIX = "https://pay.google.com/gp/v/save/"
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "google_wallet_event_ticket.schema.json").read_text())
VENUE = {"name": "Messe Berlin", "address": "Messedamm 22\n14055 Berlin", "latitude": 52.5065, "longitude": 13.2708}


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{kind}"}, format_checker=jsonschema.FormatChecker())


def check_every_body_sent(google) -> int:
    """Every class and object body our code sent Google, against Google's documented shape."""
    checked = 0
    for method, path, body in google.bodies:
        kind = path.split("/walletobjects/v1/", 1)[1].split("/", 1)[0]
        if body is None or kind == "genericObject":  # the retirement of a pass of before issue 17
            continue
        schema = {"eventTicketClass": "EventTicketClass", "eventTicketObject": "EventTicketObject"}[kind]
        errors = sorted(validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        checked += 1
    return checked


@pytest.fixture
def google(local_stack):
    fake = local_stack.wallet.google
    fake.bodies.clear()
    return fake


@pytest.fixture
def card(local_stack, call_route, claims_for, tenant_factory):
    return make_card(call_route, claims_for, tenant_factory)


def save_token(response) -> str:
    assert response.status == 302, response.text
    location = response.headers["location"]
    assert location.startswith(SAVE_PREFIX)
    assert len(location) < 1800
    return location.removeprefix(SAVE_PREFIX)


def ids(local_stack, card) -> tuple[str, str]:
    issuer = local_stack.wallet.secrets["google_wallet"]["issuer_id"]
    return f"{issuer}.outreachpass-eventticket-{card.event_id}", f"{issuer}.outreachpass-ticket-{card.card_id}"


def test_schema_refuses_what_google_would(google):
    """The schema is not a rubber stamp: what Google documents as wrong fails it."""
    good = {"id": "3388000000000000001.x", "issuerName": "Org", "reviewStatus": "UNDER_REVIEW",
            "eventName": {"defaultValue": {"language": "en", "value": "Summit"}}}
    assert validator("EventTicketClass").is_valid(good)
    for bad in (
        {k: v for k, v in good.items() if k != "eventName"},  # required
        {**good, "hexBackgroundColour": "#fff"},  # not a field
        {**good, "hexBackgroundColor": "blue"},
        {**good, "id": "outreachpass-event"},  # no issuer id
        {**good, "reviewStatus": "LIVE"},
        {**good, "venue": {"name": good["eventName"]}},  # a venue needs its address
        {**good, "textModulesData": [{"id": "a.b", "body": "x"}]},  # dots separate field paths
        {**good, "logo": {"sourceUri": {"uri": "https://x/y.png"}, "privateImageId": "p"}},
        {**good, "classTemplateInfo": {"cardTemplateOverride": {"cardRowTemplateInfos": [{"oneItem": {"item": {}}}] * 4}}},
    ):
        assert not validator("EventTicketClass").is_valid(bad), bad
    assert not validator("EventTicketObject").is_valid({"id": "1.a", "classId": "1.b", "state": "VALID"})


def test_save_link_is_a_signed_jwt_referencing_the_inserted_object(local_stack, card, database, google):
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
    class_id, object_id = ids(local_stack, card)
    api = urlsplit(local_stack.api_url)
    assert claims["iss"] == account["client_email"]
    assert claims["aud"] == "google"
    assert claims["typ"] == "savetowallet"
    assert started - 5 <= claims["iat"] <= int(time.time()) + 5
    assert claims["origins"] == [f"{api.scheme}://{api.netloc}"]
    assert claims["payload"] == {"eventTicketObjects": [{"id": object_id}]}

    # The event's class and the card's object were sent first, in the shape Google documents.
    assert check_every_body_sent(google) == 2
    sent = google.classes[class_id]
    assert sent["issuerName"] == "Northwind Events"
    assert sent["eventName"]["defaultValue"] == {"language": "en", "value": "Wallet Summit"}
    assert sent["dateTime"] == {"start": "2031-05-01T11:00:00+02:00", "end": "2031-05-02T20:00:00+02:00"}
    assert sent["hexBackgroundColor"] == "#0b3d91"
    rows = sent["classTemplateInfo"]["cardTemplateOverride"]["cardRowTemplateInfos"]
    paths = [f["fieldPath"] for row in rows for item in row.values() for part in item.values() for f in part["firstValue"]["fields"]]
    assert paths == ["object.textModulesData['name']", "object.textModulesData['title']", "object.textModulesData['organisation']",
                     "class.dateTime.start", "class.venue.name", "class.textModulesData['venue']"]
    saved = google.objects[object_id]
    assert saved["classId"] == class_id
    assert saved["state"] == "ACTIVE"
    assert saved["ticketHolderName"] == "Ada Lovelace"
    modules = {m["id"]: m for m in saved["textModulesData"]}
    assert {key: m["body"] for key, m in modules.items()} == {
        "name": "Ada Lovelace", "title": "Chief Mathematician", "organisation": "Analytical Engines Ltd",
        "email": card_email(database, card), "phone": "+44 20 7946 0001"}
    assert saved["barcode"] == {"type": "QR_CODE", "value": f"{local_stack.api_url}/c/{card.card_id}?src=qr", "alternateText": "Ada Lovelace"}
    assert saved["validTimeInterval"] == {"end": {"date": "2031-05-09T20:00:00+02:00"}}

    row = pass_rows(database, card.card_id)["google"]
    assert (row["google_object_id"], row["pass_type_id"], row["status"]) == (object_id, class_id, "active")
    assert wallet_events(database, card.card_id) == [("google", "generated"), ("google", "downloaded")]


def card_email(database, card) -> str:
    import psycopg

    with psycopg.connect(database.admin_url) as conn:
        return conn.execute("SELECT email FROM cards WHERE card_id = %s", (card.card_id,)).fetchone()[0]


def test_a_german_attendee_gets_german_labels_and_every_language_translated(local_stack, call_route, claims_for, tenant_factory, google):
    card = make_card(call_route, claims_for, tenant_factory, language="de", event={"venue": VENUE, "language": "fr",
                                                                               "settings": {"contact_email": "team@northwind.example"}})
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    assert check_every_body_sent(google) == 2
    class_id, object_id = ids(local_stack, card)
    saved = google.objects[object_id]
    title = next(m for m in saved["textModulesData"] if m["id"] == "title")["localizedHeader"]
    assert title["defaultValue"] == {"language": "de", "value": "Position"}
    translated = {t["language"]: t["value"] for t in title["translatedValues"]}
    assert set(translated) == set(labels.SUPPORTED) - {"de"}
    assert translated["fr"] == "Fonction" and translated["ja"] == "役職" and translated["en"] == "Title"
    link = saved["linksModuleData"]["uris"][0]
    assert link["localizedDescription"]["defaultValue"] == {"language": "de", "value": "Visitenkarte"}

    # The class speaks the event's language (French) and knows the venue and the organiser's address.
    sent = google.classes[class_id]
    assert sent["venue"]["name"]["defaultValue"] == {"language": "fr", "value": "Messe Berlin"}
    assert sent["venue"]["address"]["defaultValue"]["value"] == "Messedamm 22\n14055 Berlin"
    assert sent["merchantLocations"] == [{"latitude": 52.5065, "longitude": 13.2708}]
    contact = next(m for m in sent["textModulesData"] if m["id"] == "organiser_email")
    assert contact["body"] == "team@northwind.example"
    assert contact["localizedHeader"]["defaultValue"] == {"language": "fr", "value": "E-mail de l\u2019organisateur"}


def test_the_brand_logo_and_hero_come_from_the_public_assets(local_stack, call_route, claims_for, tenant_factory, google, monkeypatch):
    from outreachpass.config import reset_settings
    from tests.integration.test_images import image_bytes, upload

    monkeypatch.setenv("ASSETS_BASE_URL", "https://d111.cloudfront.net")
    reset_settings()
    try:
        card = make_card(call_route, claims_for, tenant_factory)
        token = local_stack.token_for(card.tenant_id, "admin")
        api = {"call": lambda method, path, **kw: local_stack.request(method, path, token=token, **kw), "tenant_id": str(card.tenant_id), "stack": local_stack}
        job = upload(api, f"/api/v1/admin/brands/{card.brand_id}/logo", image_bytes("PNG", (800, 300)), "image/png")
        assert job["status"] == "succeeded", job
        save_token(call_route("GET", f"/c/{card.card_id}/wallet/google"))
        check_every_body_sent(google)
        class_id, _ = ids(local_stack, card)
        folder = f"logos/{card.tenant_id}/{card.brand_id}/{job['job_id']}"
        sent = google.classes[class_id]
        assert sent["logo"]["sourceUri"]["uri"] == f"https://d111.cloudfront.net/{folder}/google-logo.png"
        assert sent["heroImage"]["sourceUri"]["uri"] == f"https://d111.cloudfront.net/{folder}/google-hero.png"
        assert sent["logo"]["contentDescription"]["defaultValue"]["value"] == "Northwind Events"
        import io

        from PIL import Image

        s3 = local_stack.boto("s3")
        for name, size in (("google-logo.png", (660, 660)), ("google-hero.png", (1032, 336))):
            body = s3.get_object(Bucket=local_stack.resources.buckets["assets"], Key=f"{folder}/{name}")["Body"].read()
            assert Image.open(io.BytesIO(body)).size == size
    finally:
        monkeypatch.undo()
        reset_settings()


def test_a_second_click_sends_nothing(local_stack, card, database, google):
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    calls = len(google.calls)
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    assert len(google.calls) == calls  # class and object unchanged: nothing to send to Google
    assert wallet_events(database, card.card_id) == [("google", "generated"), ("google", "downloaded"), ("google", "downloaded")]


def test_a_card_change_patches_the_saved_object(local_stack, call_route, card, database, google):
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    _, object_id = ids(local_stack, card)
    before = len(google.calls)

    changed = call_route("PATCH", f"/api/v1/admin/cards/{card.card_id}", claims=card.admin, json_body={"display_name": "Ada King", "title": "Countess"})
    assert changed.status == 200
    dispatch_outbox(tenant_ids=[card.tenant_id])
    local_stack.run_workers_once()

    ours = [call for call in google.calls[before:] if str(card.card_id) in call[1] or str(card.event_id) in call[1]]
    assert ours == [("PATCH", f"/walletobjects/v1/eventTicketObject/{object_id}")]  # the class did not change
    check_every_body_sent(google)
    modules = {m["id"]: m["body"] for m in google.objects[object_id]["textModulesData"]}
    assert (modules["name"], modules["title"]) == ("Ada King", "Countess")
    assert google.objects[object_id]["ticketHolderName"] == "Ada King"
    assert pass_rows(database, card.card_id)["google"]["vcard_rev"] == changed.json["data"]["vcard_rev"]
    assert ("google", "updated") in wallet_events(database, card.card_id)


def test_an_event_or_brand_edit_patches_the_class(local_stack, call_route, card, google):
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    class_id, _ = ids(local_stack, card)

    edited = call_route("PATCH", f"/api/v1/admin/events/{card.event_id}", claims=card.admin,
                        json_body={"name": "Wallet Summit 2031", "venue": VENUE, "starts_at": "2031-05-01T08:00:00Z"})
    assert edited.status == 200, edited
    dispatch_outbox(tenant_ids=[card.tenant_id])
    local_stack.run_workers_once()
    assert ("PATCH", f"/walletobjects/v1/eventTicketClass/{class_id}") in google.calls
    sent = google.classes[class_id]
    assert sent["eventName"]["defaultValue"]["value"] == "Wallet Summit 2031"
    assert sent["dateTime"]["start"] == "2031-05-01T10:00:00+02:00"
    assert sent["venue"]["name"]["defaultValue"]["value"] == "Messe Berlin"

    recoloured = call_route("PATCH", f"/api/v1/admin/brands/{card.brand_id}", claims=card.admin,
                            json_body={"display_name": "Northwind", "theme": {"primary_color": "#14532d"}})
    assert recoloured.status == 200, recoloured
    dispatch_outbox(tenant_ids=[card.tenant_id])
    local_stack.run_workers_once()
    assert google.classes[class_id]["hexBackgroundColor"] == "#14532d"
    assert google.classes[class_id]["issuerName"] == "Northwind"
    check_every_body_sent(google)


def test_google_down_is_a_503_and_the_next_click_works(local_stack, card, google):
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


def test_a_generic_pass_of_before_is_retired_for_its_event_ticket(local_stack, card, database, google):
    """A pass saved before issue 17 was a generic object: the next save link makes the event
    ticket, links it from the generic object (Google adds it to the wallets that saved that one)
    and sets the generic object inactive."""
    import psycopg

    issuer = local_stack.wallet.secrets["google_wallet"]["issuer_id"]
    legacy = f"{issuer}.outreachpass-card-{card.card_id}"
    google.generic_objects[legacy] = {"id": legacy, "classId": f"{issuer}.outreachpass-event-{card.event_id}", "state": "ACTIVE"}
    with psycopg.connect(database.admin_url) as conn:
        conn.execute(
            """INSERT INTO wallet_passes (tenant_id, card_id, platform, serial_number, pass_type_id, google_object_id, vcard_rev, status)
               VALUES (%s, %s, 'google', %s, %s, %s, 1, 'active')""",
            (card.tenant_id, card.card_id, f"outreachpass-card-{card.card_id}", f"{issuer}.outreachpass-event-{card.event_id}", legacy),
        )

    token = save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    class_id, object_id = ids(local_stack, card)
    assert pyjwt.decode(token, options={"verify_signature": False})["payload"] == {"eventTicketObjects": [{"id": object_id}]}
    assert object_id in google.objects
    assert google.generic_objects[legacy]["linkedObjectIds"] == [object_id]
    assert google.generic_objects[legacy]["state"] == "INACTIVE"
    row = pass_rows(database, card.card_id)["google"]
    assert (row["google_object_id"], row["pass_type_id"], row["serial_number"]) == (object_id, class_id, f"outreachpass-card-{card.card_id}")
    calls = len(google.calls)
    save_token(local_stack.request("GET", f"/c/{card.card_id}/wallet/google"))
    assert len(google.calls) == calls  # retired once; now current
