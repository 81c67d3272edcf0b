"""NUL and other control characters in what the public routes record, over HTTP through the local
stack (real headers, the real handlers, the real database).

PostgreSQL refuses NUL in text and jsonb, so a `?src=%00`, or a User-Agent or Referer with a NUL
byte, used to fail the card page with a 500. Every public route now cleans what it records
(sanitize.clean_text: control characters become a space) and answers as it would without them.
"""

from __future__ import annotations

import secrets
import uuid

import pytest

from tests.integration.email_helpers import email_events, insert_message, make_world, unique_email
from tests.integration.public_cards import PHONE_UA, exports, make_card, rows, views
from tests.integration.wallet_support import pass_json

NUL_UA = PHONE_UA + "\x00<script>\x01\x1f"
CLEAN_UA = PHONE_UA + " <script>"
NUL_REFERER = "https://mail.google.com/mail/u/0/\x00#inbox"
HOSTILE = {"user-agent": NUL_UA, "referer": NUL_REFERER, "x-forwarded-for": "\x00", "accept-language": "en\x00"}


@pytest.fixture
def card(local_stack, database, tenant_factory):
    return make_card(database, tenant_factory())


def no_control_characters(*values) -> bool:
    return not any(isinstance(v, str) and any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in v) for v in values)


def test_the_card_page_renders_and_records_with_nul_in_src_and_headers(local_stack, database, card):
    card_id = card["card_id"]
    for query, expected_source in (("?src=%00", "direct_link"), ("?src=qr%00", "qr_scan"), ("?src=%00%01x", "direct_link")):
        page = local_stack.request("GET", f"/c/{card_id}{query}")
        assert page.status == 200, (query, page.status, page.text[:300])
        assert "Ada Lovelace" in page.text
        assert views(database, card_id)[-1]["source_type"] == expected_source, query
    assert views(database, card_id)[-1]["metadata_json"] == {"src": "x"}  # the raw value, cleaned

    page = local_stack.request("GET", f"/c/{card_id}", headers=HOSTILE)
    assert page.status == 200 and "Ada Lovelace" in page.text
    view = views(database, card_id)[-1]
    assert view["user_agent"] == CLEAN_UA
    assert view["referrer_url"] == "https://mail.google.com/mail/u/0/ #inbox"
    assert view["source_type"] == "email_link"  # the mail client's referrer still counts
    assert view["device_type"] == "mobile"
    assert len(views(database, card_id)) == 4


def test_a_nul_in_the_card_id_is_the_branded_404(local_stack, card):
    for path in (f"/c/{card['card_id']}%00", "/c/%00", f"/c/{card['card_id']}%00/vcard"):
        response = local_stack.request("GET", path, headers=HOSTILE)
        assert response.status == 404, (path, response.status, response.text[:200])


def test_the_vcard_and_the_beacon_record_cleaned_headers(local_stack, database, card):
    card_id = card["card_id"]
    vcard = local_stack.request("GET", f"/c/{card_id}/vcard?src=%00", headers=HOSTILE)
    assert vcard.status == 200 and b"BEGIN:VCARD" in vcard.body
    beacon = local_stack.request("POST", "/api/track/events", body=f'{{"card_id": "{card_id}", "type": "share"}}', headers=HOSTILE)
    assert beacon.status == 204, beacon.text
    recorded = exports(database, card_id)
    assert [e["export_type"] for e in recorded] == ["vcard_download", "share"]
    assert all(e["user_agent"] == CLEAN_UA for e in recorded)


def test_the_qr_codes_and_health_answer(local_stack, card):
    for path in (f"/c/{card['card_id']}/qr.png?src=%00", f"/c/{card['card_id']}/qr.svg?x=%00", "/health?%00=%00"):
        response = local_stack.request("GET", path, headers=HOSTILE)
        assert response.status == 200, (path, response.status, response.text[:200])


def test_the_wallet_routes_record_cleaned_headers(local_stack, database, card):
    card_id = card["card_id"]
    apple = local_stack.request("GET", f"/c/{card_id}/wallet/apple?src=%00", headers=HOSTILE)
    assert apple.status == 200, apple.text[:300]
    google = local_stack.request("GET", f"/c/{card_id}/wallet/google?src=%00", headers=HOSTILE)
    assert google.status == 302, google.text[:300]
    document = pass_json(apple.body)
    device = secrets.token_hex(16)
    path = f"/wallet/v1/devices/{device}/registrations/{document['passTypeIdentifier']}/{document['serialNumber']}"
    registered = local_stack.request("POST", path, json={"pushToken": secrets.token_hex(32)},
                                     headers={**HOSTILE, "authorization": f"ApplePass {document['authenticationToken']}"})
    assert registered.status == 201, registered.text
    for query in ("?passesUpdatedSince=%00", "?passesUpdatedSince=1%00"):
        updates = local_stack.request("GET", f"/wallet/v1/devices/{device}/registrations/{document['passTypeIdentifier']}{query}",
                                      headers=HOSTILE)
        assert updates.status in (200, 204), (query, updates.status)
    refused = local_stack.request("GET", f"/wallet/v1/passes/{document['passTypeIdentifier']}/{document['serialNumber']}",
                                  headers={**HOSTILE, "authorization": f"ApplePass {document['authenticationToken']}\x00"})
    assert refused.status == 401
    logged = local_stack.request("POST", "/wallet/v1/log", json={"logs": ["a\x00b"]}, headers=HOSTILE)
    assert logged.status == 200
    events = rows(database, "SELECT event_type, platform, user_agent FROM wallet_pass_events WHERE card_id = %s ORDER BY wallet_event_id",
                  (card_id,))
    assert {(e["platform"], e["event_type"]) for e in events} >= {("apple", "downloaded"), ("google", "downloaded"), ("apple", "added")}
    assert all(no_control_characters(e["user_agent"]) for e in events)
    assert CLEAN_UA in {e["user_agent"] for e in events}


def test_the_email_pixel_and_click_record_cleaned_headers(local_stack, database, tenant_factory):
    world = make_world(database, tenant_factory(), [{"email": unique_email("ada"), "first_name": "Ada"}])
    message = insert_message(database, world, world.attendees[0])
    pixel = local_stack.request("GET", f"/api/track/email/open/{message}.gif?x=%00", headers=HOSTILE)
    assert pixel.status == 200 and pixel.body.startswith(b"GIF89a")
    click = local_stack.request("GET", f"/api/track/email/click/{message}?l=card&x=%00", headers=HOSTILE)
    assert click.status == 302, click.text[:300]
    refused = local_stack.request("GET", f"/api/track/email/click/{message}?l=card%00", headers=HOSTILE)
    assert refused.status == 400 and "location" not in refused.headers
    recorded = email_events(database, message)
    assert [e["event_type"] for e in recorded] == ["opened", "clicked"]
    assert all(e["user_agent"] == CLEAN_UA for e in recorded)


def test_every_recorded_text_column_stays_free_of_control_characters(local_stack, database, card):
    """The sweep: after hostile requests on every public route of the card, no recorded text of
    it holds a control character."""
    card_id = card["card_id"]
    for path in (f"/c/{card_id}?src=%00%0d%0a", f"/c/{card_id}/vcard", f"/c/{card_id}/wallet/google"):
        assert local_stack.request("GET", path, headers={"user-agent": f"UA\x7f{uuid.uuid4()}\x00", "referer": "x\x00\x1by"}).status < 500
    recorded = rows(database, """
        SELECT user_agent, referrer_url, metadata_json::text AS m FROM card_view_events WHERE card_id = %(c)s
        UNION ALL SELECT user_agent, NULL, metadata_json::text FROM contact_export_events WHERE card_id = %(c)s
        UNION ALL SELECT user_agent, NULL, metadata_json::text FROM wallet_pass_events WHERE card_id = %(c)s""", {"c": card_id})
    assert len(recorded) >= 3  # a view, an export, the wallet events
    assert all(no_control_characters(r["user_agent"], r["referrer_url"]) and "\\u000" not in r["m"] for r in recorded)
