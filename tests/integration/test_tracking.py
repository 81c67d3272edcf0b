"""Engagement tracking of the public card routes: the beacon endpoint, and the analytics rows a
visit leaves behind (in-process and through the local HTTP server)."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.integration.public_cards import BOT_UA, DESKTOP_UA, PHONE_UA, exports, make_card, rows, views

BEACON = "/api/track/events"


@pytest.fixture
def card(database, tenant_factory, app_env):
    return make_card(database, tenant_factory())


def count_exports(database) -> int:
    return rows(database, "SELECT count(*) AS n FROM contact_export_events")[0]["n"]


# --- the beacon ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["add_to_contacts", "copy_email", "share"])
def test_beacon_records_a_contact_export(call_route, card, database, kind):
    response = call_route(
        "POST", BEACON, json_body={"card_id": str(card["card_id"]), "type": kind},
        headers={"user-agent": PHONE_UA, "cookie": "op_sid=abcdefghijklmnopqrstuv"},
    )
    assert response.status == 204, response
    assert response.text == ""
    assert response.headers["x-correlation-id"]
    [export] = exports(database, card["card_id"])
    assert export["export_type"] == kind
    assert (export["tenant_id"], export["event_id"]) == (card["tenant_id"], card["event_id"])
    assert (export["device_type"], export["session_id"], str(export["ip_address"])) == ("mobile", "abcdefghijklmnopqrstuv", "127.0.0.1")
    assert export["user_agent"] == PHONE_UA


def test_beacon_accepts_send_beacons_text_plain(call_route, card, database):
    body = json.dumps({"card_id": str(card["card_id"]), "type": "share"}).encode()
    response = call_route("POST", BEACON, body=body, content_type="text/plain;charset=UTF-8")
    assert response.status == 204, response
    assert [e["export_type"] for e in exports(database, card["card_id"])] == ["share"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "field"),
    [
        ({"type": "share"}, None, 400, "VALIDATION_ERROR", "card_id"),
        ({"card_id": "not-a-uuid", "type": "share"}, None, 400, "VALIDATION_ERROR", "card_id"),
        ({"card_id": "CARD", "type": "unknown_type"}, None, 400, "VALIDATION_ERROR", "type"),
        ({"card_id": "CARD", "type": "vcard_download"}, None, 400, "VALIDATION_ERROR", "type"),
        ({"card_id": "CARD"}, None, 400, "VALIDATION_ERROR", "type"),
        ({"card_id": "CARD", "type": "share", "extra": 1}, None, 400, "VALIDATION_ERROR", "extra"),
        ({"card_id": "CARD", "type": 7}, None, 400, "VALIDATION_ERROR", "type"),
        (["CARD", "share"], None, 400, "VALIDATION_ERROR", "body"),
        (b"{not json", "application/json", 400, "INVALID_JSON", None),
        (b"", "application/json", 400, "VALIDATION_ERROR", "body"),
        (b"   ", "text/plain", 400, "VALIDATION_ERROR", "body"),
        (b'{"card_id": "CARD", "type": "share"}', "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE", None),
        ({"card_id": "CARD", "type": "share", "pad": "x" * 1100}, None, 413, "PAYLOAD_TOO_LARGE", None),
        ({"card_id": str(uuid.UUID(int=0)), "type": "share"}, None, 404, "CARD_NOT_FOUND", None),
        ({"card_id": "RANDOM", "type": "share"}, None, 404, "CARD_NOT_FOUND", None),
    ],
)
def test_bad_beacons_get_a_clear_4xx_and_write_nothing(call_route, card, database, body, content_type, status, code, field):
    if isinstance(body, (dict, list)):
        raw = json.dumps(body).replace('"CARD"', json.dumps(str(card["card_id"]))).replace('"RANDOM"', json.dumps(str(uuid.uuid4())))
        body, content_type = raw.encode(), content_type or "application/json"
    before = count_exports(database)
    response = call_route("POST", BEACON, body=body, content_type=content_type)
    assert response.status == status, response
    assert response.json["error"]["code"] == code
    if field:
        assert field in [detail["field"] for detail in response.json["error"]["details"]]
    assert count_exports(database) == before


def test_beacon_for_a_deleted_card_or_disabled_tenant_is_404(call_route, database, tenant_factory, app_env, admin_conn):
    deleted = make_card(database, tenant_factory())
    admin_conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (deleted["card_id"],))
    disabled = make_card(database, tenant_factory())
    admin_conn.execute("UPDATE tenants SET status = 'disabled' WHERE tenant_id = %s", (disabled["tenant_id"],))
    for gone in (deleted, disabled):
        response = call_route("POST", BEACON, json_body={"card_id": str(gone["card_id"]), "type": "share"})
        assert response.status == 404
        assert response.json["error"]["code"] == "CARD_NOT_FOUND"
        assert exports(database, gone["card_id"]) == []


# --- a visit, end to end ----------------------------------------------------------------------------


def test_a_visit_leaves_exactly_its_events_with_source_device_and_tenant(call_route, database, tenant_factory, app_env, claims_for):
    card = make_card(database, tenant_factory())
    other = make_card(database, tenant_factory())  # another tenant, visited by a bot meanwhile

    page = call_route("GET", f"/c/{card['card_id']}?src=qr", headers={"user-agent": PHONE_UA})
    sid = page.raw["cookies"][0].split(";", 1)[0].split("=", 1)[1]
    cookie = {"cookie": f"op_sid={sid}", "user-agent": PHONE_UA}
    assert call_route("GET", f"/c/{card['card_id']}/vcard", headers=cookie).status == 200
    assert call_route("POST", BEACON, json_body={"card_id": str(card["card_id"]), "type": "add_to_contacts"}, headers=cookie).status == 204
    assert call_route("GET", f"/c/{other['card_id']}?src=email", headers={"user-agent": BOT_UA}).status == 200

    [view] = views(database, card["card_id"])
    assert (view["tenant_id"], view["event_id"], view["source_type"], view["device_type"], view["browser"], view["os"]) == (
        card["tenant_id"], card["event_id"], "qr_scan", "mobile", "Mobile Safari", "iOS")
    assert (view["session_id"], view["is_unique"]) == (sid, True)
    recorded = [(e["export_type"], e["device_type"], e["session_id"], e["tenant_id"], e["event_id"]) for e in exports(database, card["card_id"])]
    assert recorded == [
        ("vcard_download", "mobile", sid, card["tenant_id"], card["event_id"]),
        ("add_to_contacts", "mobile", sid, card["tenant_id"], card["event_id"]),
    ]
    [bot_view] = views(database, other["card_id"])
    assert (bot_view["tenant_id"], bot_view["source_type"], bot_view["device_type"]) == (other["tenant_id"], "email_link", "bot")

    # Under row-level security each tenant sees only its own engagement rows.
    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(other["tenant_id"]),))
        seen = conn.execute("SELECT card_id FROM card_view_events UNION ALL SELECT card_id FROM contact_export_events").fetchall()
    assert {row[0] for row in seen} == {other["card_id"]}


def test_a_visit_through_the_local_http_server(local_stack, database, tenant_factory):
    card = make_card(database, tenant_factory())
    card_id = card["card_id"]
    page = local_stack.request("GET", f"/c/{card_id}?src=email", headers={"User-Agent": DESKTOP_UA})
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    set_cookie = page.headers["set-cookie"]
    assert set_cookie.startswith("op_sid=") and "HttpOnly" in set_cookie
    sid = set_cookie.split(";", 1)[0].split("=", 1)[1]
    headers = {"User-Agent": DESKTOP_UA, "Cookie": f"op_sid={sid}"}

    vcard = local_stack.request("GET", f"/c/{card_id}/vcard", headers=headers)
    assert vcard.status == 200 and vcard.body.startswith(b"BEGIN:VCARD\r\n")
    beacon = local_stack.request("POST", BEACON, body=json.dumps({"card_id": str(card_id), "type": "copy_email"}).encode(),
                                 headers={**headers, "Content-Type": "text/plain;charset=UTF-8"})
    assert beacon.status == 204
    png = local_stack.request("GET", f"/c/{card_id}/qr.png")
    assert png.status == 200 and png.body.startswith(b"\x89PNG")

    [view] = views(database, card_id)
    assert (view["source_type"], view["device_type"], view["browser"], view["os"], view["session_id"]) == (
        "email_link", "desktop", "Chrome", "Windows", sid)
    assert [(e["export_type"], e["session_id"]) for e in exports(database, card_id)] == [("vcard_download", sid), ("copy_email", sid)]
