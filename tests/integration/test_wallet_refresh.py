"""Passes that don't go stale: editing an event (name, dates) or a brand (name, colours) changes what
every pass of it shows, so the edit requests a refresh of them (one row, in the request's
transaction); after commit the relay expands it onto the wallet push outbox (a chunk of cards per
transaction) and sends it, the wallet_push worker pushes the Apple devices (APNs, faked at the
transport) and PATCHes the Google objects (faked at the transport), and the devices fetch
passes that show the edit. All through the local stack."""

from __future__ import annotations

import secrets
import uuid

import psycopg
import pytest

from outreachpass.services.wallet.push import dispatch_outbox
from tests.integration.wallet_support import make_card, pass_json

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
    return {"card": card, "device": device, "object_id": f"{issuer}.outreachpass-card-{card.card_id}"}


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


def google_modules(local_stack, object_id) -> dict[str, str]:
    return {m["id"]: m["body"] for m in local_stack.wallet.google.objects[object_id]["textModulesData"]}


def apple_fields(document) -> dict[str, str]:
    return {f["key"]: f["value"] for section in document["generic"].values() for f in section}


def test_an_event_edit_refreshes_its_passes(local_stack, call_route, saved, database):
    card, device = saved["card"], saved["device"]
    # Another card of the event without any pass, and a card of another event of the tenant.
    bystander = call_route("POST", f"{ADMIN}/events/{card.event_id}/attendees", claims=card.admin,
                           json_body={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    assert bystander.status == 201
    assert apple_fields(latest_pass(local_stack, device))["when"] == "Thu 1 May \u2013 Fri 2 May 2031"
    assert google_modules(local_stack, saved["object_id"])["event"] == "Wallet Summit"
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
    assert ("PATCH", f"/walletobjects/v1/genericObject/{saved['object_id']}") in local_stack.wallet.google.calls
    modules = google_modules(local_stack, saved["object_id"])
    assert (modules["event"], modules["when"]) == ("Wallet Summit Berlin", "Wed 4 Jun 2031")

    updated = local_stack.request("GET", f"/wallet/v1/devices/{device['id']}/registrations/{device['pass_type']}?passesUpdatedSince={device['tag']}")
    assert (updated.status, updated.json()["serialNumbers"]) == (200, [device["serial"]])
    fields = apple_fields(latest_pass(local_stack, device))
    assert (fields["event"], fields["when"]) == ("Wallet Summit Berlin", "Wed 4 Jun 2031")


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
    google_object = local_stack.wallet.google.objects[saved["object_id"]]
    assert google_object["hexBackgroundColor"] == "#7c2d12"
    assert google_object["cardTitle"]["defaultValue"]["value"] == "Northwind Live"
    document = latest_pass(local_stack, device)
    assert (document["backgroundColor"], document["organizationName"]) == ("rgb(124, 45, 18)", "Northwind Live")


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
    local_stack.run_workers_once()
    renamed = [o for o in local_stack.wallet.google.objects.values() if o["id"].endswith(tuple(outbox_cards(database, card.tenant_id)))]
    assert renamed and all({m["id"]: m["body"] for m in o["textModulesData"]}["event"] == "Second rename" for o in renamed)
