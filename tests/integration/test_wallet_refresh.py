"""Passes that don't go stale: editing an event (name, dates) or a brand (name, colours) changes what
every pass of it shows, so the edit requests a refresh of them (one row, in the request's
transaction); after commit the relay expands it onto the wallet push outbox (a chunk of cards per
transaction) and sends it, the wallet_push worker pushes the Apple devices (APNs, faked at the
transport) and PATCHes the Google event ticket class (faked at the transport; the objects only
when they show the edit too), and the devices fetch passes that show the edit. All through the
local stack."""

from __future__ import annotations

import secrets
import uuid

import psycopg
import pytest

from outreachpass.services.wallet.google import google_object_id
from outreachpass.services.wallet.push import dispatch_outbox
from tests.integration.wallet_support import make_card, pass_json, unpack

ADMIN = "/api/v1/admin"


@pytest.fixture
def saved(local_stack, call_route, claims_for, tenant_factory):
    """A card saved to both wallets: its Apple pass registered on a device, its Google object inserted."""
    card = make_card(call_route, claims_for, tenant_factory)
    document = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    device = {"id": secrets.token_hex(16), "push": secrets.token_hex(32), "serial": document["serialNumber"],
              "pass_type": document["passTypeIdentifier"], "token": document["authenticationToken"]}
    path = f"/wallet/v1/devices/{device['id']}/registrations/{device['pass_type']}/{device['serial']}"
    headers = {"authorization": f"ApplePass {device['token']}"}
    assert local_stack.request("POST", path, json={"pushToken": device["push"]}, headers=headers).status == 201
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/google").status == 302
    listed = local_stack.request("GET", f"/wallet/v1/devices/{device['id']}/registrations/{device['pass_type']}")
    device["tag"] = listed.json()["lastUpdated"]
    issuer = local_stack.wallet.secrets["google_wallet"]["issuer_id"]
    return {"card": card, "device": device, "object_id": google_object_id(issuer, card.card_id),
            "class_id": f"{issuer}.outreachpass-eventticket-{card.event_id}"}


def refresh_requests(database, tenant_id) -> list[tuple[str, str]]:
    """The pending refresh requests of the tenant: (scope, scope id)."""
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute(
            "SELECT scope, scope_id FROM wallet_refresh_requests WHERE tenant_id = %s AND done_at IS NULL ORDER BY request_id",
            (tenant_id,),
        ).fetchall()
    return [(row[0], str(row[1])) for row in rows]


def outbox_cards(database, tenant_id) -> list[str]:
    """The cards put on the tenant's outbox so far (dispatched or not), one entry per row."""
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute("SELECT card_id FROM wallet_push_outbox WHERE tenant_id = %s ORDER BY card_id", (tenant_id,)).fetchall()
    return [str(row[0]) for row in rows]


def relay(tenant_id) -> int:
    """The relay (a schedule in AWS), for this tenant only."""
    return dispatch_outbox(tenant_ids=[uuid.UUID(str(tenant_id))])


def latest_pass(local_stack, device) -> dict:
    response = local_stack.request(
        "GET", f"/wallet/v1/passes/{device['pass_type']}/{device['serial']}", headers={"authorization": f"ApplePass {device['token']}"}
    )
    assert response.status == 200
    return pass_json(response.body)


def google_class(local_stack, class_id) -> dict:
    return local_stack.wallet.google.classes[class_id]


def google_patches(local_stack, kind: str, resource_id: str) -> int:
    return local_stack.wallet.google.calls.count(("PATCH", f"/walletobjects/v1/{kind}/{resource_id}"))


def apple_fields(document) -> dict[str, str]:
    return {f["key"]: f["value"] for section in document["generic"].values() for f in section}


def test_an_event_edit_refreshes_its_passes(local_stack, call_route, saved, database):
    card, device = saved["card"], saved["device"]
    # Another card of the event without any pass, and a card of another event of the tenant.
    bystander = call_route("POST", f"{ADMIN}/events/{card.event_id}/attendees", claims=card.admin,
                           json_body={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    assert bystander.status == 201
    assert apple_fields(latest_pass(local_stack, device))["starts"] == "2031-05-01T11:00:00+02:00"  # Berlin time
    assert google_class(local_stack, saved["class_id"])["eventName"]["defaultValue"]["value"] == "Wallet Summit"
    pushes = len(local_stack.wallet.apns.pushes_to(device["push"]))

    edited = call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin,
                        json_body={"name": "Wallet Summit Berlin", "starts_at": "2031-06-04T08:00:00Z", "ends_at": "2031-06-04T17:00:00Z"})
    assert edited.status == 200, edited
    # In the request's own transaction: one refresh request for the event; nothing sent yet.
    assert refresh_requests(database, card.tenant_id) == [("event", card.event_id)]
    before = outbox_cards(database, card.tenant_id)
    assert len(local_stack.wallet.apns.pushes_to(device["push"])) == pushes

    assert relay(card.tenant_id) == 1  # expanded: the card with passes (not the bystander), then sent
    assert refresh_requests(database, card.tenant_id) == []
    assert outbox_cards(database, card.tenant_id) == sorted([*before, card.card_id])
    local_stack.run_workers_once()  # the wallet_push worker

    [push] = local_stack.wallet.apns.pushes_to(device["push"])[pushes:]
    assert push["topic"] == device["pass_type"]
    # Google: the class shows the new name and dates; the object its new expiry (7 days after the end).
    assert google_patches(local_stack, "eventTicketClass", saved["class_id"]) == 1
    assert google_patches(local_stack, "eventTicketObject", saved["object_id"]) == 1
    sent = google_class(local_stack, saved["class_id"])
    assert (sent["eventName"]["defaultValue"]["value"], sent["dateTime"]["start"]) == ("Wallet Summit Berlin", "2031-06-04T10:00:00+02:00")
    assert local_stack.wallet.google.objects[saved["object_id"]]["validTimeInterval"]["end"]["date"] == "2031-06-11T19:00:00+02:00"

    updated = local_stack.request("GET", f"/wallet/v1/devices/{device['id']}/registrations/{device['pass_type']}?passesUpdatedSince={device['tag']}")
    assert (updated.status, updated.json()["serialNumbers"]) == (200, [device["serial"]])
    fields = apple_fields(latest_pass(local_stack, device))
    assert (fields["event"], fields["starts"], fields["ends"]) == ("Wallet Summit Berlin", "2031-06-04T10:00:00+02:00", "2031-06-04T19:00:00+02:00")


def test_a_brand_edit_refreshes_the_passes_wearing_it(local_stack, call_route, saved, database):
    card, device = saved["card"], saved["device"]
    pushes = len(local_stack.wallet.apns.pushes_to(device["push"]))
    edited = call_route("PATCH", f"{ADMIN}/brands/{card.brand_id}", claims=card.admin,
                        json_body={"display_name": "Northwind Live", "theme": {"primary_color": "#7c2d12"}})
    assert edited.status == 200, edited
    assert refresh_requests(database, card.tenant_id) == [("brand", card.brand_id)]

    assert relay(card.tenant_id) == 1
    local_stack.run_workers_once()
    assert len(local_stack.wallet.apns.pushes_to(device["push"])) == pushes + 1
    sent = google_class(local_stack, saved["class_id"])
    assert (sent["hexBackgroundColor"], sent["issuerName"]) == ("#7c2d12", "Northwind Live")
    assert local_stack.wallet.google.objects[saved["object_id"]]["hexBackgroundColor"] == "#7c2d12"
    document = latest_pass(local_stack, device)
    assert (document["backgroundColor"], document["organizationName"]) == ("rgb(124, 45, 18)", "Northwind Live")


def test_the_venue_language_and_pass_settings_are_shown_too(local_stack, call_route, saved, database):
    card, device = saved["card"], saved["device"]
    edited = call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin, json_body={
        "venue": {"name": "Messe Berlin", "address": "Messedamm 22\n14055 Berlin", "latitude": 52.5065, "longitude": 13.2708},
        "settings": {"contact_email": "team@northwind.example"}})
    assert edited.status == 200, edited
    assert refresh_requests(database, card.tenant_id) == [("event", card.event_id)]
    relay(card.tenant_id)
    local_stack.run_workers_once()
    sent = google_class(local_stack, saved["class_id"])
    assert sent["venue"]["name"]["defaultValue"]["value"] == "Messe Berlin"
    assert sent["merchantLocations"] == [{"latitude": 52.5065, "longitude": 13.2708}]
    document = latest_pass(local_stack, device)
    assert document["locations"][0]["latitude"] == 52.5065
    assert apple_fields(document)["organiser_email"] == "team@northwind.example"

    for body in ({"language": "de"}, {"settings": {"contact_email": "team@northwind.example", "pass_expires_days_after_end": 30}}):
        assert call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin, json_body=body).status == 200
        assert refresh_requests(database, card.tenant_id) == [("event", card.event_id)], body
        relay(card.tenant_id)


def test_an_attendees_new_language_reaches_the_saved_passes(local_stack, call_route, saved, database):
    card, device = saved["card"], saved["device"]
    assert call_route("PATCH", f"{ADMIN}/attendees/{card.attendee_id}", claims=card.admin, json_body={"language": "de"}).status == 200
    relay(card.tenant_id)
    local_stack.run_workers_once()
    updated = local_stack.request("GET", f"/wallet/v1/devices/{device['id']}/registrations/{device['pass_type']}?passesUpdatedSince={device['tag']}")
    assert (updated.status, updated.json()["serialNumbers"]) == (200, [device["serial"]])
    response = local_stack.request("GET", f"/wallet/v1/passes/{device['pass_type']}/{device['serial']}",
                                   headers={"authorization": f"ApplePass {device['token']}"})
    assert [name for name in unpack(response.body) if name.endswith("pass.strings")] == ["de.lproj/pass.strings"]
    labels = local_stack.wallet.google.objects[saved["object_id"]]["textModulesData"][0]["localizedHeader"]
    assert labels["defaultValue"]["language"] == "de"


def test_edits_a_pass_does_not_show_push_nothing(local_stack, call_route, saved, database):
    card = saved["card"]
    assert call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin,
                      json_body={"slug": f"renamed-{secrets.token_hex(3)}", "settings": {"badge": "blue"}}).status == 200
    assert call_route("PATCH", f"{ADMIN}/brands/{card.brand_id}", claims=card.admin,
                      json_body={"theme": {"font_family": "Inter"}}).status == 200
    assert refresh_requests(database, card.tenant_id) == []


def test_an_edit_reaches_only_the_passes_of_that_event_and_brand(local_stack, call_route, claims_for, tenant_factory, saved, database):
    card = saved["card"]
    # The same tenant's second brand and event, with a saved pass of its own.
    other_brand = call_route("POST", f"{ADMIN}/brands", claims=card.admin, json_body={"brand_key": "SIDE", "display_name": "Side"})
    other_event = call_route("POST", f"{ADMIN}/events", claims=card.admin, json_body={
        "name": "Side Event", "slug": f"side-{secrets.token_hex(3)}", "starts_at": "2031-07-01T09:00:00Z",
        "ends_at": "2031-07-01T18:00:00Z", "brand_id": other_brand.json["data"]["brand_id"]})
    attendee = call_route("POST", f"{ADMIN}/events/{other_event.json['data']['event_id']}/attendees", claims=card.admin,
                          json_body={"first_name": "Alan", "last_name": "Turing", "email": "alan@example.com"})
    other_card = attendee.json["data"]["card_id"]
    assert local_stack.request("GET", f"/c/{other_card}/wallet/google").status == 302
    # And another tenant's saved card.
    stranger = make_card(call_route, claims_for, tenant_factory)
    assert local_stack.request("GET", f"/c/{stranger.card_id}/wallet/google").status == 302

    relay(card.tenant_id)
    relay(stranger.tenant_id)
    before = outbox_cards(database, card.tenant_id)
    assert call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin, json_body={"name": "Renamed"}).status == 200
    relay(card.tenant_id)
    assert outbox_cards(database, card.tenant_id) == sorted([*before, card.card_id])

    before = outbox_cards(database, card.tenant_id)
    assert call_route("PATCH", f"{ADMIN}/brands/{other_brand.json['data']['brand_id']}", claims=card.admin,
                      json_body={"theme": {"accent_color": "#22c55e"}}).status == 200
    relay(card.tenant_id)
    assert outbox_cards(database, card.tenant_id) == sorted([*before, other_card])
    assert refresh_requests(database, stranger.tenant_id) == []


def test_a_large_event_is_expanded_a_chunk_at_a_time_and_edits_coalesce(local_stack, call_route, saved, database, monkeypatch):
    from outreachpass.services.wallet import push

    card = saved["card"]
    for name in ("Alan", "Grace", "Edsger"):
        created = call_route("POST", f"{ADMIN}/events/{card.event_id}/attendees", claims=card.admin,
                             json_body={"first_name": name, "last_name": "Bench", "email": f"{name.lower()}@example.com"})
        assert local_stack.request("GET", f"/c/{created.json['data']['card_id']}/wallet/google").status == 302
    relay(card.tenant_id)
    before = outbox_cards(database, card.tenant_id)
    # Two edits in a row: one pending request (the second restarts it), not two.
    for name in ("First rename", "Second rename"):
        assert call_route("PATCH", f"{ADMIN}/events/{card.event_id}", claims=card.admin, json_body={"name": name}).status == 200
    assert refresh_requests(database, card.tenant_id) == [("event", card.event_id)]

    monkeypatch.setattr(push, "EXPAND_CHUNK", 2)  # 4 cards with passes: 3 turns (2, 2, then 0 and done)
    monkeypatch.setattr(push, "CLAIM_LIMIT", 2)
    assert relay(card.tenant_id) == 4
    assert len(outbox_cards(database, card.tenant_id)) == len(before) + 4
    assert refresh_requests(database, card.tenant_id) == []
    with psycopg.connect(database.admin_url) as conn:
        queued = conn.execute("SELECT cards_queued FROM wallet_refresh_requests WHERE tenant_id = %s AND scope = 'event' "
                              "ORDER BY request_id DESC LIMIT 1", (card.tenant_id,)).fetchone()[0]
    assert queued == 4
    calls = len(local_stack.wallet.google.calls)
    local_stack.run_workers_once()
    # Four cards refreshed, the renamed class sent once; the objects do not show the name: untouched.
    sent = local_stack.wallet.google.calls[calls:]
    assert sent.count(("PATCH", f"/walletobjects/v1/eventTicketClass/{saved['class_id']}")) == 1
    assert [call for call in sent if "eventTicketObject" in call[1] and call[1].endswith(tuple(outbox_cards(database, card.tenant_id)))] == []
    assert google_class(local_stack, saved["class_id"])["eventName"]["defaultValue"]["value"] == "Second rename"
