"""No wallet counter is zero by construction: a card email's wallet link clicked records
`email_clicked`, Google's signed save / delete callbacks record Google `added` / `removed`, and an
Apple device's registration / unregistration records Apple `added` / `removed`; the analytics
route then reports them. All through the local stack's routes; Google's callback signing is
faked at the transport (local.wallet_fakes signs as Google does) and verified for real."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from outreachpass.integrations.wallet.google_callbacks import length_value, reset_root_keys
from tests.integration.email_helpers import insert_message, make_world, unique_email
from tests.integration.wallet_support import make_card, pass_json, wallet_events

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
CALLBACK = "/wallet/google/callback"
ZERO = {"generated": 0, "downloaded": 0, "added": 0, "removed": 0, "updated": 0, "email_clicked": 0}


def wallet_report(local_stack, tenant_id, event_id) -> dict:
    token = local_stack.token_for(tenant_id, "admin")
    response = local_stack.request("GET", f"/api/v1/admin/analytics/wallet?event_id={event_id}", token=token)
    assert response.status == 200, response.text
    return response.json()["data"]


# --- email_clicked ------------------------------------------------------------------------------------


def test_a_wallet_link_clicked_in_an_email_counts_for_the_wallet(local_stack, database, tenant_factory):
    tenant_id = tenant_factory()
    world = make_world(database, tenant_id, [{"email": unique_email("ada"), "first_name": "Ada"}])
    ada = world.attendees[0]
    card = f"{local_stack.api_url}/c/{ada['card_id']}"
    links = {"card": f"{card}?src=email", "apple": f"{card}/wallet/apple", "google": f"{card}/wallet/google"}
    # One message per click: two links of one message clicked within a second are a scanner's burst.
    for link in ("apple", "google", "card"):
        message_id = insert_message(database, world, ada, sent_ago=timedelta(hours=2), links=links)
        response = local_stack.request("GET", f"/api/track/email/click/{message_id}?l={link}", headers={"user-agent": BROWSER})
        assert (response.status, response.headers["location"]) == (302, links[link])
    scanner = insert_message(database, world, ada, sent_ago=timedelta(hours=2), links=links)
    local_stack.request("GET", f"/api/track/email/click/{scanner}?l=apple", headers={"user-agent": "Mozilla/5.0 (compatible; Barracuda Sentinel)"})

    assert sorted(wallet_events(database, ada["card_id"])) == [("apple", "email_clicked"), ("apple", "email_clicked"), ("google", "email_clicked")]
    report = wallet_report(local_stack, tenant_id, world.event_id)
    assert report["by_platform"]["apple"]["email_clicked"] == 1  # the scanner's click is a bot's
    assert report["by_platform"]["google"]["email_clicked"] == 1
    assert report["totals"]["email_clicked"] == 2 and report["bots"] == 1


# --- Google callbacks ------------------------------------------------------------------------------------


@pytest.fixture
def google_pass(local_stack, call_route, claims_for, tenant_factory):
    """A card whose Google save link was followed (its object and class exist at Google)."""
    reset_root_keys()
    card = make_card(call_route, claims_for, tenant_factory)
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/google", headers={"user-agent": BROWSER}).status == 302
    issuer = local_stack.wallet.secrets["google_wallet"]["issuer_id"]
    object_id = f"{issuer}.outreachpass-card-{card.card_id}"
    return {"card": card, "issuer": issuer, "object_id": object_id, "class_id": local_stack.wallet.google.objects[object_id]["classId"]}


def callback(local_stack, g, event_type: str, **changes) -> bytes:
    return local_stack.wallet.google.signed_callback(
        recipient_id=changes.pop("recipient_id", g["issuer"]), class_id=g["class_id"], object_id=changes.pop("object_id", g["object_id"]),
        event_type=event_type, **changes,
    )


def post(local_stack, body: bytes):
    return local_stack.request("POST", CALLBACK, body=body, headers={"content-type": "application/json"})


def test_the_class_names_our_callback_route(local_stack, google_pass):
    google = local_stack.wallet.google
    assert google.classes[google_pass["class_id"]]["callbackOptions"] == {"url": f"{local_stack.api_url}{CALLBACK}"}
    assert google.callback_url(google_pass["object_id"]) == f"{local_stack.api_url}{CALLBACK}"


def test_saves_and_deletes_are_recorded_once_each(local_stack, google_pass, database):
    card = google_pass["card"]
    before = wallet_events(database, card.card_id)
    saved = callback(local_stack, google_pass, "save", nonce="nonce-save-1")
    response = post(local_stack, saved)
    assert (response.status, response.text) == (200, "recorded")
    assert (post(local_stack, saved).status, post(local_stack, saved).text) == (200, "duplicate")  # Google delivered it again
    assert post(local_stack, callback(local_stack, google_pass, "del", nonce="nonce-del-1")).status == 200
    assert wallet_events(database, card.card_id)[len(before):] == [("google", "added"), ("google", "removed")]

    report = wallet_report(local_stack, card.tenant_id, card.event_id)
    assert report["by_platform"]["google"] == {**ZERO, "generated": 1, "downloaded": 1, "added": 1, "removed": 1}
    assert local_stack.wallet.google.keys_requests >= 1  # Google's keys were fetched from (fake) Google


def forged_by_another_key(local_stack, g) -> bytes:
    return callback(local_stack, g, "save", root_key=ec.generate_private_key(ec.SECP256R1()))


def tampered(local_stack, g) -> bytes:
    body = json.loads(callback(local_stack, g, "save"))
    message = json.loads(body["signedMessage"])
    message["eventType"] = "del"
    body["signedMessage"] = json.dumps(message)
    return json.dumps(body).encode()


def other_issuer(local_stack, g) -> bytes:
    return callback(local_stack, g, "save", recipient_id="3388000000099999999")


@pytest.mark.parametrize(
    "make",
    [
        forged_by_another_key,
        tampered,
        other_issuer,
        lambda s, g: callback(s, g, "save", expires_ms=1_000),  # the message expired
        lambda s, g: callback(s, g, "save", key_expires_ms=1_000),  # the intermediate key expired
        lambda s, g: json.dumps({**json.loads(callback(s, g, "save")), "protocolVersion": "ECv1"}).encode(),
        lambda s, g: json.dumps({**json.loads(callback(s, g, "save")), "extra": 1}).encode(),
        lambda s, g: b'{"objectId": "x", "eventType": "save"}',
        lambda s, g: b"not json",
    ],
    ids=["other-root-key", "tampered", "other-issuer", "expired-message", "expired-key", "protocol", "extra-field", "unsigned", "not-json"],
)
def test_what_google_did_not_sign_for_us_is_refused_and_records_nothing(local_stack, google_pass, database, make):
    before = wallet_events(database, google_pass["card"].card_id)
    response = post(local_stack, make(local_stack, google_pass))
    assert response.status == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_CALLBACK"
    assert wallet_events(database, google_pass["card"].card_id) == before


def test_a_signed_callback_about_something_not_ours_is_acknowledged_and_ignored(local_stack, google_pass, database):
    before = wallet_events(database, google_pass["card"].card_id)
    for body in (
        callback(local_stack, google_pass, "save", object_id=f"{google_pass['issuer']}.outreachpass-card-{uuid.uuid4()}"),
        callback(local_stack, google_pass, "save", object_id=f"{google_pass['issuer']}.someone-else"),
        callback(local_stack, google_pass, "update"),
    ):
        response = post(local_stack, body)
        assert response.status == 200, response.text
        assert response.text != "recorded"
    assert wallet_events(database, google_pass["card"].card_id) == before


def test_the_sender_id_of_newer_google_docs_is_accepted(local_stack, google_pass, database):
    response = post(local_stack, callback(local_stack, google_pass, "save", sender_id="GoogleWalletPasses"))
    assert (response.status, response.text) == (200, "recorded")


def test_a_callback_that_did_not_come_through_cloudfront_is_refused_before_it_is_read(local_stack, google_pass, database):
    """Google is given the distribution's URL, so its callbacks carry the origin-verify header CloudFront
    adds; the same signed body posted straight to the function (the execute-api bypass) is refused."""
    import importlib

    import routes
    from local.edge import current_value
    from local.events import LambdaContext, function_name, http_api_event

    route = routes.find_route("POST", CALLBACK)
    module = importlib.import_module(route.handler)
    secret = local_stack.boto("secretsmanager").get_secret_value(SecretId=local_stack.resources.secrets[routes.ORIGIN_VERIFY_SECRET])
    body = callback(local_stack, google_pass, "save", nonce=f"nonce-{uuid.uuid4()}")
    before = wallet_events(database, google_pass["card"].card_id)

    def invoke(headers: list[tuple[str, str]]) -> dict:
        event = http_api_event(method="POST", raw_path=CALLBACK, route_key=route.route_key, body=body,
                               header_pairs=[("content-type", "application/json"), *headers])
        return module.handler(event, LambdaContext(function_name=function_name("test", route.handler)))

    refused = invoke([])
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"]["code"] == "ORIGIN_NOT_VERIFIED"
    assert wallet_events(database, google_pass["card"].card_id) == before
    accepted = invoke([(routes.ORIGIN_VERIFY_HEADER, current_value(secret["SecretString"]))])
    assert (accepted["statusCode"], accepted["body"]) == (200, "recorded")
    assert wallet_events(database, google_pass["card"].card_id) == [*before, ("google", "added")]


def test_length_value_is_little_endian_lengths_then_utf8():
    assert length_value("ab", "é") == b"\x02\x00\x00\x00ab\x02\x00\x00\x00\xc3\xa9"


# --- Apple registrations ------------------------------------------------------------------------------


def test_apple_device_registrations_count_as_added_and_removed(local_stack, call_route, claims_for, tenant_factory, database):
    card = make_card(call_route, claims_for, tenant_factory)
    document = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple", headers={"user-agent": BROWSER}).body)
    path = f"/wallet/v1/devices/{secrets.token_hex(16)}/registrations/{document['passTypeIdentifier']}/{document['serialNumber']}"
    headers = {"authorization": f"ApplePass {document['authenticationToken']}", "user-agent": "PassbookUIService/1.0 CFNetwork/1404.0.5 Darwin/22.3.0"}
    assert local_stack.request("POST", path, json={"pushToken": secrets.token_hex(32)}, headers=headers).status == 201
    assert local_stack.request("DELETE", path, headers=headers).status == 200

    report = wallet_report(local_stack, card.tenant_id, card.event_id)
    assert report["by_platform"]["apple"] == {**ZERO, "generated": 1, "downloaded": 1, "added": 1, "removed": 1}
    assert report["totals"]["added"] == 1 and report["totals"]["removed"] == 1
