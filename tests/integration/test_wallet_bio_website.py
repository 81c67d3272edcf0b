"""The card's bio and website on the back of its wallet passes, through the local stack: the Apple
pass's back fields (in the signed .pkpass) and the Google object's text and links modules (inserted
through the faked REST API), and a changed bio reaching the saved Google object."""

from __future__ import annotations

import pytest

from tests.integration.wallet_support import make_card, pass_json

BIO = "Poet of numbers.\nWrites notes on engines."
WEBSITE = "https://ada.example.com/"


@pytest.fixture
def card(local_stack, call_route, claims_for, tenant_factory):
    return make_card(call_route, claims_for, tenant_factory, bio=BIO, website=WEBSITE)


def test_the_apple_pass_carries_the_bio_and_website_on_its_back(local_stack, card):
    response = local_stack.request("GET", f"/c/{card.card_id}/wallet/apple")
    assert response.status == 200, response.text
    back = {field["key"]: field for field in pass_json(response.body)["generic"]["backFields"]}
    assert back["bio"]["value"] == BIO
    assert back["website"]["value"] == WEBSITE
    assert back["website"]["dataDetectorTypes"] == ["PKDataDetectorTypeLink"]


def test_a_pass_without_them_has_no_empty_fields(local_stack, call_route, claims_for, tenant_factory):
    plain = make_card(call_route, claims_for, tenant_factory)
    back = pass_json(local_stack.request("GET", f"/c/{plain.card_id}/wallet/apple").body)["generic"]["backFields"]
    assert {"bio", "website"}.isdisjoint(field["key"] for field in back)


def test_the_google_object_carries_them_and_follows_a_change(local_stack, call_route, card):
    from outreachpass.services.wallet.push import dispatch_outbox

    google = local_stack.wallet.google
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/google").status == 302
    [saved] = [obj for obj in google.objects.values() if obj["id"].endswith(str(card.card_id))]
    modules = {module["id"]: module for module in saved["textModulesData"]}
    assert modules["about"]["body"] == BIO  # the module of the "about" label
    links = {link["id"]: link["uri"] for link in saved["linksModuleData"]["uris"]}
    assert links["website"] == WEBSITE

    response = call_route("PATCH", f"/api/v1/admin/cards/{card.card_id}", claims=card.admin, json_body={"bio": "Enchantress of numbers."})
    assert response.status == 200, response
    dispatch_outbox()  # the card change's pass refresh, as the relay sends it, then the worker patches
    local_stack.run_workers_once()
    [saved] = [obj for obj in google.objects.values() if obj["id"].endswith(str(card.card_id))]
    assert {module["id"]: module["body"] for module in saved["textModulesData"]}["about"] == "Enchantress of numbers."
