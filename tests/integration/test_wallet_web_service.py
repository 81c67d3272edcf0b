"""The Apple Wallet update protocol, end to end through the local stack's HTTP server.

A device registers for a pass, the card changes (admin API), the change leaves the outbox
after commit, the wallet_push worker pushes the device through APNs (faked at the transport:
the real httpx client runs), the device lists the updated serials and fetches the new pass,
and an unchanged second fetch is a 304.
"""

from __future__ import annotations

import secrets
import uuid

import jwt as pyjwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization

from outreachpass.db.connection import tenant_tx
from outreachpass.services.cards import card_changed
from outreachpass.services.wallet.push import dispatch_outbox
from tests.integration.wallet_support import make_card, pass_json, wallet_events


@pytest.fixture
def device(local_stack, call_route, claims_for, tenant_factory):
    """A card whose Apple pass was downloaded, and a device about to install it."""
    card = make_card(call_route, claims_for, tenant_factory)
    document = pass_json(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").body)
    return {
        "card": card,
        "serial": document["serialNumber"],
        "pass_type": document["passTypeIdentifier"],
        "token": document["authenticationToken"],
        "device_id": secrets.token_hex(16),
        "push_token": secrets.token_hex(32),
    }


def registration_path(d) -> str:
    return f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}/{d['serial']}"


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"ApplePass {token}"}


def register(local_stack, d, token=None):
    return local_stack.request("POST", registration_path(d), json={"pushToken": d["push_token"]}, headers=auth(token or d["token"]))


def relay_and_push(local_stack) -> None:
    """What happens after commit: the relay (a schedule in AWS) and the wallet_push worker."""
    dispatch_outbox()
    local_stack.run_workers_once()


def test_the_update_protocol(local_stack, call_route, device, database):
    d = device
    apns = local_stack.wallet.apns

    # 1. The device registers (201), and again (200: already registered).
    assert register(local_stack, d).status == 201
    again = register(local_stack, d)
    assert again.status == 200
    assert again.body == b""

    # 2. Before any change the device sees its pass in the list, with a string tag.
    listed = local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}")
    assert listed.status == 200
    first_tag = listed.json()["lastUpdated"]
    assert listed.json()["serialNumbers"] == [d["serial"]]
    assert isinstance(first_tag, str)
    assert local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}?passesUpdatedSince={first_tag}").status == 204

    fetched = local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers=auth(d["token"]))
    assert fetched.status == 200
    assert fetched.headers["content-type"] == "application/vnd.apple.pkpass"
    first_modified = fetched.headers["last-modified"]

    # 3. The card changes through the admin API: nothing is pushed before the relay runs.
    pushes_before = len(apns.pushes_to(d["push_token"]))
    changed = call_route("PATCH", f"/api/v1/admin/cards/{d['card'].card_id}", claims=d["card"].admin, json_body={"display_name": "Ada King"})
    assert changed.status == 200, changed
    assert len(apns.pushes_to(d["push_token"])) == pushes_before

    # 4. After commit the relay sends it and the worker pushes the device through APNs.
    relay_and_push(local_stack)
    [push] = apns.pushes_to(d["push_token"])[pushes_before:]
    assert push["topic"] == d["pass_type"]
    assert push["payload"] == b"{}"
    assert push["host"] == "api.sandbox.push.apple.com"
    assert push["path"] == f"/3/device/{d['push_token']}"
    # The provider token is an ES256 JWT of the APNs key: iss = team id, kid = key id.
    apns_secret = local_stack.wallet.secrets["apns"]
    bearer = push["authorization"].removeprefix("bearer ")
    public_key = serialization.load_pem_private_key(apns_secret["private_key_pem"].encode(), None).public_key()
    claims = pyjwt.decode(bearer, public_key, algorithms=["ES256"])
    assert claims["iss"] == apns_secret["team_id"]
    assert pyjwt.get_unverified_header(bearer)["kid"] == apns_secret["key_id"]

    # 5. The device asks what changed since its tag, and fetches the new pass.
    updated = local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}?passesUpdatedSince={first_tag}")
    assert updated.status == 200
    assert updated.json()["serialNumbers"] == [d["serial"]]
    assert updated.json()["lastUpdated"] > first_tag
    fresh = local_stack.request(
        "GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers={**auth(d["token"]), "if-modified-since": first_modified}
    )
    assert fresh.status == 200
    assert fresh.headers["last-modified"] != first_modified
    document = pass_json(fresh.body)
    assert document["generic"]["primaryFields"][0]["value"] == "Ada King"
    assert (document["serialNumber"], document["authenticationToken"]) == (d["serial"], d["token"])

    # 6. An unchanged second fetch is a 304, and the list is empty (204) at the new tag.
    unchanged = local_stack.request(
        "GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers={**auth(d["token"]), "if-modified-since": fresh.headers["last-modified"]}
    )
    assert unchanged.status == 304
    assert unchanged.body == b""
    new_tag = updated.json()["lastUpdated"]
    assert local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}?passesUpdatedSince={new_tag}").status == 204

    # 7. The pass is removed from the device.
    assert local_stack.request("DELETE", registration_path(d), headers=auth(d["token"])).status == 200
    assert local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}").status == 204

    events = wallet_events(database, d["card"].card_id)
    assert [e for _, e in events] == ["generated", "downloaded", "added", "updated", "updated", "removed"]


def test_a_wrong_token_gets_401(local_stack, device):
    d = device
    wrong = "x" * 43
    assert register(local_stack, d, token=wrong).status == 401
    refused = local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers=auth(wrong))
    assert refused.status == 401
    assert refused.body == b""  # Apple's bare status, not our envelope
    assert local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}").status == 401  # no header
    assert local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers={"authorization": f"Bearer {d['token']}"}).status == 401
    assert local_stack.request("DELETE", registration_path(d), headers=auth(wrong)).status == 401
    # The right token for another serial or pass type opens nothing either.
    other = dict(d, serial=uuid.uuid4().hex)
    assert register(local_stack, other).status == 401
    other_type = dict(d, pass_type="pass.com.example.other")
    assert register(local_stack, other_type).status == 401


def test_a_token_of_another_tenants_pass_opens_nothing(local_stack, device, call_route, claims_for, tenant_factory):
    """Two tenants' passes: each token opens its own pass only."""
    other_card = make_card(call_route, claims_for, tenant_factory)
    other = pass_json(local_stack.request("GET", f"/c/{other_card.card_id}/wallet/apple").body)
    d = device
    crossed = local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers=auth(other["authenticationToken"]))
    assert crossed.status == 401


def test_malformed_registration_body_is_a_400_with_the_field(local_stack, device):
    response = local_stack.request("POST", registration_path(device), json={"pushToken": "not hex!"}, headers=auth(device["token"]))
    assert response.status == 400
    assert response.json()["error"]["details"][0]["field"] == "pushToken"


def test_devices_apns_reports_gone_are_unregistered(local_stack, call_route, device, database):
    d = device
    assert register(local_stack, d).status == 201
    local_stack.wallet.apns.responses[d["push_token"]] = (410, "Unregistered")
    try:
        assert call_route("PATCH", f"/api/v1/admin/cards/{d['card'].card_id}", claims=d["card"].admin, json_body={"title": "Countess"}).status == 200
        relay_and_push(local_stack)
    finally:
        local_stack.wallet.apns.responses.pop(d["push_token"], None)
    assert local_stack.request("GET", f"/wallet/v1/devices/{d['device_id']}/registrations/{d['pass_type']}").status == 204
    assert ("apple", "removed") in wallet_events(database, d["card"].card_id)


def test_a_rolled_back_change_pushes_nothing(local_stack, device, database):
    d = device
    assert register(local_stack, d).status == 201
    dispatch_outbox()  # nothing pending before
    pushes_before = len(local_stack.wallet.apns.pushes_to(d["push_token"]))
    card = d["card"]

    class Abort(Exception):
        pass

    with pytest.raises(Abort), tenant_tx(card.tenant_id) as conn:
        row = conn.execute("UPDATE cards SET display_name = 'Never' WHERE card_id = %s RETURNING *", (card.card_id,)).fetchone()
        card_changed(conn, card.tenant_id, row)
        raise Abort
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM wallet_push_outbox WHERE card_id = %s", (card.card_id,)).fetchone()[0] == 0
    assert dispatch_outbox(tenant_ids=[card.tenant_id]) == 0
    local_stack.run_workers_once()
    assert len(local_stack.wallet.apns.pushes_to(d["push_token"])) == pushes_before


def test_a_deleted_card_voids_its_pass(local_stack, call_route, device):
    d = device
    assert register(local_stack, d).status == 201
    assert call_route("DELETE", f"/api/v1/admin/attendees/{d['card'].attendee_id}", claims=d["card"].admin).status in (200, 204)
    relay_and_push(local_stack)
    assert local_stack.wallet.apns.pushes_to(d["push_token"])
    fetched = local_stack.request("GET", f"/wallet/v1/passes/{d['pass_type']}/{d['serial']}", headers=auth(d["token"]))
    assert fetched.status == 200
    assert pass_json(fetched.body)["voided"] is True


def test_device_logs_are_accepted(local_stack):
    response = local_stack.request("POST", "/wallet/v1/log", json={"logs": ["[2026-01-01] Web service error: 500", "line\x00two"]})
    assert response.status == 200
