"""Contact exchange on the public card page ("Share my details"): through the real handler, the real
database and moto's SES (the message captured as SES received it). The details reach the card's
owner only, as plain text; the card records a contact_shared engagement event; the honeypot, the
rate limits (per card, per IP) and the tenant's contact_share flag hold; bad input is a 400 with
the field; the card page shows the form only where a share can go through."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.integration.email_helpers import FakeSes, captured_for, client_error
from tests.integration.public_cards import PHONE_UA, make_card, rows

OWNER = "owner-{tag}@example.com"


@pytest.fixture
def card(local_stack, database, tenant_factory):
    tag = uuid.uuid4().hex[:8]
    return make_card(database, tenant_factory(), email=OWNER.format(tag=tag), first_name="Ada", last_name="Lovelace",
                     event_name="PyCon Berlin 2027")


def path(card_id) -> str:
    return f"/api/track/cards/{card_id}/contact"


def body(**overrides):
    values = {"name": "Grace Hopper", "email": f"grace-{uuid.uuid4().hex[:6]}@navy.example", "phone": "+1 555 0100",
              "company": "US Navy", "note": "Loved your talk.\nLet's talk compilers.", "consent": True}
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not ...}


def share(call_route, card_id, payload, ip="198.51.100.20"):
    return call_route("POST", path(card_id), json_body=payload,
                      headers={"cloudfront-viewer-address": f"{ip}:50000", "user-agent": PHONE_UA})


def shared_events(database, card_id):
    return rows(database, "SELECT * FROM card_engagement_events WHERE card_id = %s AND event_type = 'contact_shared'", (card_id,))


def all_sent(local_stack) -> int:
    return len(local_stack.sent_emails())


def test_shared_details_reach_the_cards_owner_only_as_plain_text(call_route, card, local_stack, database):
    payload = body()
    sent_before = all_sent(local_stack)
    response = share(call_route, card["card_id"], payload)
    assert response.status == 204, response
    assert response.text == ""

    (message,) = captured_for(local_stack, card["email"])
    assert all_sent(local_stack) == sent_before + 1  # to the owner, and to nobody else (no copy to the typed address)
    assert captured_for(local_stack, payload["email"]) == []
    assert message["To"] == f"Ada Lovelace <{card['email']}>"
    assert message["Reply-To"] == payload["email"]
    assert message["Subject"] == "Grace Hopper shared their contact details with you"
    assert message.get_content_type() == "text/plain"  # one plain-text part, no HTML
    text = message.get_content()
    assert "Someone who viewed your digital card at PyCon Berlin 2027 shared their contact details with you" in text
    for line in ("  Name:    Grace Hopper", f"  Email:   {payload['email']}", "  Phone:   +1 555 0100", "  Company: US Navy",
                 "  > Loved your talk.", "  > Let's talk compilers."):
        assert line in text.splitlines(), line

    (event,) = shared_events(database, card["card_id"])
    assert (event["tenant_id"], event["event_id"], str(event["ip_address"]), event["device_type"]) == (
        card["tenant_id"], card["event_id"], "198.51.100.20", "mobile")
    assert event["metadata_json"] == {}  # the visitor's details are the owner's mail, not analytics


def test_the_attendees_address_is_used_when_the_card_shows_none(call_route, card, local_stack, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET email = NULL WHERE card_id = %s", (card["card_id"],))
    assert share(call_route, card["card_id"], body()).status == 204
    assert len(captured_for(local_stack, card["email"])) == 1


def test_what_the_visitor_writes_cannot_add_headers_or_pass_for_our_lines(call_route, card, local_stack):
    payload = body(name="Eve\r\nBcc: victim@example.com\u202e", company="Evil\rCorp",
                   note="Email: fake@evil.example\r\n\u2066Name: Someone else\x07")
    assert share(call_route, card["card_id"], payload).status == 204
    (message,) = captured_for(local_stack, card["email"])
    assert message["Bcc"] is None
    assert message["Subject"] == "Eve Bcc: victim@example.com shared their contact details with you"
    text = message.get_content()
    assert "  Company: Evil Corp" in text.splitlines()
    assert "  > Email: fake@evil.example" in text.splitlines() and "  > Name: Someone else" in text.splitlines()
    assert not any(ch in text for ch in "\u202e\u2066\x07")
    assert captured_for(local_stack, "victim@example.com") == []


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(call_route, card, local_stack, database):
    sent_before = all_sent(local_stack)
    response = share(call_route, card["card_id"], body(website="http://spam.example"))
    assert response.status == 204
    assert all_sent(local_stack) == sent_before
    assert shared_events(database, card["card_id"]) == []


@pytest.mark.parametrize(("payload", "field"), [
    (body(consent=False), "consent"),
    (body(consent=...), "consent"),
    (body(consent="yes"), "consent"),
    (body(name=...), "name"),
    (body(name=""), "name"),
    (body(name="x" * 101), "name"),
    (body(email="not-an-address"), "email"),
    (body(email=...), "email"),
    (body(phone="call me maybe"), "phone"),
    (body(note="n" * 1001), "note"),
    (body(to="victim@example.com"), "to"),
    (body(company="c" * 201), "company"),
])
def test_bad_details_are_refused_with_the_field_and_nothing_is_sent(call_route, card, local_stack, database, payload, field):
    sent_before = all_sent(local_stack)
    response = share(call_route, card["card_id"], payload)
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR"), response
    assert field in [detail["field"] for detail in response.json["error"]["details"]]
    assert all_sent(local_stack) == sent_before and shared_events(database, card["card_id"]) == []


def test_bodies_that_are_not_json_objects_are_refused(call_route, card):
    not_json = call_route("POST", path(card["card_id"]), body=b"{nope", content_type="application/json")
    assert (not_json.status, not_json.json["error"]["code"]) == (400, "INVALID_JSON")
    form = call_route("POST", path(card["card_id"]), body=b"name=x", content_type="application/x-www-form-urlencoded")
    assert (form.status, form.json["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    huge = call_route("POST", path(card["card_id"]), json_body=body(note="n" * 9000))
    assert (huge.status, huge.json["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_no_such_card_is_not_found(call_route, card, database, tenant_factory):
    disabled = make_card(database, tenant_factory(status="disabled"))
    deleted = make_card(database, card["tenant_id"])
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (deleted["card_id"],))
    for card_id in (uuid.uuid4(), "not-a-card", disabled["card_id"], deleted["card_id"]):
        response = share(call_route, card_id, body())
        assert (response.status, response.json["error"]["code"]) == (404, "CARD_NOT_FOUND"), card_id


def test_the_contact_share_flag_turns_it_off_per_tenant(call_route, card, local_stack, database):
    page = call_route("GET", f"/c/{card['card_id']}")
    assert 'id="share-details"' in page.text
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO feature_flags (tenant_id, flag_key, enabled) VALUES (%s, 'contact_share', false)", (card["tenant_id"],))
    sent_before = all_sent(local_stack)
    response = share(call_route, card["card_id"], body())
    assert (response.status, response.json["error"]["code"]) == (403, "CONTACT_SHARE_DISABLED")
    assert all_sent(local_stack) == sent_before and shared_events(database, card["card_id"]) == []
    assert 'id="share-details"' not in call_route("GET", f"/c/{card['card_id']}").text
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE feature_flags SET enabled = true WHERE tenant_id = %s AND flag_key = 'contact_share'", (card["tenant_id"],))
    assert share(call_route, card["card_id"], body()).status == 204


def test_an_owner_without_a_deliverable_address_takes_no_details(call_route, card, local_stack, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO email_suppressions (tenant_id, email, reason) VALUES (%s, %s, 'bounce')", (card["tenant_id"], card["email"]))
    response = share(call_route, card["card_id"], body())
    assert (response.status, response.json["error"]["code"]) == (403, "CONTACT_SHARE_DISABLED")
    nobody = make_card(database, card["tenant_id"], email=None)
    response = share(call_route, nobody["card_id"], body())
    assert (response.status, response.json["error"]["code"]) == (403, "CONTACT_SHARE_DISABLED")
    assert 'id="share-details"' not in call_route("GET", f"/c/{nobody['card_id']}").text
    assert captured_for(local_stack, card["email"]) == []


def _seed_shares(database, card, n, *, ip="203.0.113.9", ago=timedelta(minutes=5), card_id=None):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO card_engagement_events (tenant_id, event_id, card_id, event_type, ip_address, occurred_at)
               SELECT %s, %s, %s, 'contact_shared', %s, %s FROM generate_series(1, %s)""",
            (card["tenant_id"], card["event_id"], card_id or card["card_id"], ip, datetime.now(UTC) - ago, n),
        )


def test_a_card_takes_a_bounded_number_of_shares_per_hour(call_route, card, local_stack, database):
    from outreachpass.services.contact_share import CARD_LIMIT

    _seed_shares(database, card, 50, ago=timedelta(minutes=61))  # older than the window: they do not count
    _seed_shares(database, card, CARD_LIMIT - 1)
    assert share(call_route, card["card_id"], body(), ip="198.51.100.1").status == 204
    sent_before = all_sent(local_stack)
    refused = share(call_route, card["card_id"], body(), ip="198.51.100.2")  # from anywhere
    assert (refused.status, refused.json["error"]["code"]) == (429, "TOO_MANY_REQUESTS")
    assert all_sent(local_stack) == sent_before
    assert len(shared_events(database, card["card_id"])) == 50 + CARD_LIMIT


def test_an_address_shares_a_bounded_number_of_times_per_hour_across_cards(call_route, card, local_stack, database):
    from outreachpass.services.contact_share import IP_LIMIT

    other = make_card(database, card["tenant_id"])
    _seed_shares(database, card, IP_LIMIT, ip="203.0.113.77", card_id=other["card_id"])
    refused = share(call_route, card["card_id"], body(), ip="203.0.113.77")
    assert (refused.status, refused.json["error"]["code"]) == (429, "TOO_MANY_REQUESTS")
    assert share(call_route, card["card_id"], body(), ip="203.0.113.78").status == 204  # another visitor is fine


def test_an_ses_failure_leaves_no_record_and_says_what_to_do(call_route, card, database, monkeypatch):
    from outreachpass.integrations.email import ses

    monkeypatch.setattr(ses, "sleep", lambda _s: None)
    busy_ses = FakeSes(client_error("Throttling", 400), client_error("Throttling", 400))
    monkeypatch.setattr(ses, "ses_client", lambda: busy_ses)
    busy = share(call_route, card["card_id"], body())
    assert (busy.status, busy.json["error"]["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert len(busy_ses.calls) == 2  # one retry at most: a visitor is waiting
    refusing_ses = FakeSes(client_error("MessageRejected", 400))
    monkeypatch.setattr(ses, "ses_client", lambda: refusing_ses)
    rejected = share(call_route, card["card_id"], body())
    assert (rejected.status, rejected.json["error"]["code"]) == (422, "CONTACT_SHARE_UNDELIVERABLE")
    assert shared_events(database, card["card_id"]) == []


def test_the_card_page_carries_the_form_under_its_strict_policy(call_route, card):
    page = call_route("GET", f"/c/{card['card_id']}")
    policy = page.headers["content-security-policy"]
    assert "form-action 'none'" in policy and "connect-src 'self'" in policy and "'unsafe-inline'" not in policy
    html = page.text
    start = html.index('id="share-details"')
    section = html[start:html.index("</section>", start)]  # the page's own QR code is a section before it
    assert " hidden>" in section.split("\n")[0]  # shown by the page's script only (the form posts with fetch)
    for name in ("name", "email", "phone", "company", "note", "website", "consent"):
        assert f'name="{name}"' in section, name
    assert 'class="offscreen" aria-hidden="true"' in section  # the honeypot, out of sight
    assert card["email"] not in html.replace(f'data-email="{card["email"]}"', "").replace(f"mailto:{card['email']}", "").replace(
        f">{card['email']}<", "><")  # the page shows the card's address as before, and nothing more
    assert " on" + "submit=" not in html and " onclick=" not in html
