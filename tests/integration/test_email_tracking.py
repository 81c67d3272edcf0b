"""The open pixel and the click redirect through their real handlers: the GIF always, the
redirect only to a link of that message (never an open redirect), and honest classification
of machines (prefetching proxies, link scanners) that the funnel leaves out."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from urllib.parse import quote, urlencode

import psycopg
import pytest

from tests.integration.email_helpers import email_events, insert_message, make_world, unique_email

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
TEST_KEY = b"k" * 32


@pytest.fixture
def world(app_env, database, tenant_factory):
    return make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada"},
        {"email": unique_email("grace"), "first_name": "Grace"},
    ])


@pytest.fixture
def message(world, database):
    return insert_message(database, world, world.attendees[0])


@pytest.fixture
def signing_key(monkeypatch):
    from outreachpass.services.email import tracking as email_tracking

    monkeypatch.setattr(email_tracking, "signing_keys", lambda: [TEST_KEY])
    return TEST_KEY


def pixel(call_route, name, **headers):
    return call_route("GET", f"/api/track/email/open/{name}", headers={"user-agent": IPHONE, **headers})


def click(call_route, message_id, query, **headers):
    return call_route("GET", f"/api/track/email/click/{quote(message_id, safe='')}?{urlencode(query)}",
                      headers={"user-agent": IPHONE, **headers})


def assert_gif(response):
    assert response.status == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.raw["isBase64Encoded"] is True
    assert base64.b64decode(response.text).startswith(b"GIF89a")
    assert "no-store" in response.headers["cache-control"] and "no-cache" in response.headers["cache-control"]
    assert response.headers["pragma"] == "no-cache" and response.headers["expires"] == "0"


# --- the pixel ------------------------------------------------------------------------------


def test_the_pixel_records_an_open_of_a_known_message(call_route, message, database, world):
    response = pixel(call_route, f"{message}.gif")
    assert_gif(response)
    [event] = [e for e in email_events(database, message) if e["event_type"] == "opened"]
    assert event["classification"] == "human"
    assert event["card_id"] == world.attendees[0]["card_id"] and event["event_id"] == world.event_id
    assert event["user_agent"] == IPHONE
    assert event["metadata_json"]["source"] == "pixel"
    assert event["metadata_json"]["device_type"] == "mobile"


@pytest.mark.parametrize("name", [f"{uuid.uuid4()}.gif", "nonsense", "x.gif", "%3Cscript%3E.gif", "a" * 300 + ".gif"])
def test_the_pixel_answers_the_same_for_unknown_ids(call_route, name):
    assert_gif(pixel(call_route, name))


def test_the_pixel_accepts_a_bare_id(call_route, message, database):
    assert_gif(pixel(call_route, message))
    assert len(email_events(database, message)) == 1


def test_an_expired_message_records_nothing(call_route, database, world):
    expired = insert_message(database, world, world.attendees[0], expires_in=timedelta(seconds=-1))
    assert_gif(pixel(call_route, f"{expired}.gif"))
    assert email_events(database, expired) == []


def test_the_pixel_answers_even_when_recording_fails(call_route, message, monkeypatch):
    from outreachpass.services.email import tracking as email_tracking

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(email_tracking.email_events, "insert_event", broken)
    assert_gif(pixel(call_route, f"{message}.gif"))


def test_the_pixel_does_not_answer_to_the_providers_id(call_route, message, database):
    assert_gif(pixel(call_route, f"ses-{message}.gif"))  # SES's id resolves a tenant, but is not a pixel of ours
    assert email_events(database, message) == []


# --- the redirect ---------------------------------------------------------------------------


def test_a_link_id_redirects_to_that_link_and_records_the_click(call_route, message, database, world):
    response = click(call_route, message, {"l": "card"})
    assert response.status == 302, response
    assert response.headers["location"] == f"https://cards.example.test/c/{world.attendees[0]['card_id']}?src=email"
    assert "no-store" in response.headers["cache-control"]
    [event] = email_events(database, message)
    assert (event["event_type"], event["classification"]) == ("clicked", "human")
    assert event["link_url"] == response.headers["location"]
    assert event["metadata_json"]["link"] == "card" and event["metadata_json"]["source"] == "redirect"


def test_a_signed_url_of_that_message_redirects(call_route, message, signing_key, database):
    from outreachpass.services.email.tracking import signed_click_url

    url = signed_click_url("", message, "https://example.org/agenda?day=1", key=signing_key)
    response = call_route("GET", url, headers={"user-agent": IPHONE})
    assert response.status == 302
    assert response.headers["location"] == "https://example.org/agenda?day=1"
    [event] = email_events(database, message)
    assert event["link_url"] == "https://example.org/agenda?day=1"


def open_redirect_attempts(message: str, other_message: str, key: bytes) -> list[tuple[str, dict]]:
    from outreachpass.services.email.tracking import sign

    evil = "https://evil.example/phish"
    return [
        ("unknown link id", message, {"l": "nope"}),
        ("link id with a URL", message, {"l": "evil", "u": evil}),
        ("unsigned URL", message, {"u": evil}),
        ("empty signature", message, {"u": evil, "s": ""}),
        ("forged signature", message, {"u": evil, "s": "A" * 22}),
        ("tampered URL", message, {"u": evil, "s": sign(message, "https://example.org/agenda", key=key)}),
        ("signed for another message", message, {"u": evil, "s": sign(other_message, evil, key=key)}),
        ("signed with another key", message, {"u": evil, "s": sign(message, evil, key=b"z" * 32)}),
        ("signed javascript URL", message, {"u": "javascript:alert(1)", "s": sign(message, "javascript:alert(1)", key=key)}),
        ("signed scheme-relative URL", message, {"u": "//evil.example", "s": sign(message, "//evil.example", key=key)}),
        ("unknown message", str(uuid.uuid4()), {"l": "card"}),
        ("malformed message id", "../../etc", {"l": "card"}),
        ("no query", message, {}),
        ("malformed link id", message, {"l": "CARD;drop"}),
    ]


def test_nothing_else_ever_redirects(call_route, message, database, world, signing_key):
    other = insert_message(database, world, world.attendees[1])
    for why, message_id, query in open_redirect_attempts(message, other, signing_key):
        response = click(call_route, message_id, query)
        assert response.status == 400, why
        assert "location" not in response.headers, why
        assert response.json["error"]["code"] == "INVALID_LINK", why
        assert response.json["error"]["message"] == "This link is not valid or has expired", why  # no oracle
    assert email_events(database, message) == []


def test_another_tenants_message_never_redirects_to_my_links(call_route, message, database, tenant_factory):
    stranger_world = make_world(database, tenant_factory(), [{"email": unique_email("eve")}])
    stranger = insert_message(database, stranger_world, stranger_world.attendees[0],
                              links={"card": "https://stranger.example/c/1"})
    response = click(call_route, stranger, {"l": "vcard"})  # my message has a vcard link; theirs does not
    assert response.status == 400 and "location" not in response.headers
    assert email_events(database, stranger) == []


def test_an_expired_message_still_leads_to_the_card_and_only_there(call_route, database, world):
    from outreachpass.services.card_appearance import card_url

    card_id = world.attendees[0]["card_id"]
    expired = insert_message(database, world, world.attendees[0], expires_in=timedelta(seconds=-1),
                             links={"card": f"https://old.example.test/c/{card_id}?src=email", "agenda": "https://example.org/agenda"})
    response = click(call_route, expired, {"l": "card"})
    assert response.status == 302 and response.headers["location"] == card_url(card_id, "email")  # on today's base URL
    elsewhere = click(call_route, expired, {"l": "agenda"})
    assert elsewhere.status == 302 and elsewhere.headers["location"] == card_url(card_id, "email")  # not example.org any more
    assert [e["metadata_json"]["context"] for e in email_events(database, expired)] == ["expired", "expired"]


def test_a_browser_gets_a_page_not_json(call_route, message):
    response = click(call_route, message, {"l": "nope"}, accept="text/html,application/xhtml+xml")
    assert response.status == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "not valid or has expired" in response.text and "location" not in response.headers


def test_a_stored_link_that_is_not_http_is_refused(call_route, database, world):
    odd = insert_message(database, world, world.attendees[0], links={"card": "javascript:alert(1)"})
    response = click(call_route, odd, {"l": "card"})
    assert response.status == 400 and "location" not in response.headers


# --- machines -------------------------------------------------------------------------------


def funnel(database, world):
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.email.tracking import funnel as funnel_of

    with tenant_tx(world.tenant_id) as conn:
        return funnel_of(conn, world.tenant_id, event_id=world.event_id)


def test_prefetch_opens_and_scanner_clicks_are_kept_but_not_counted(call_route, database, world):
    ada = insert_message(database, world, world.attendees[0])
    grace = insert_message(database, world, world.attendees[1])
    # Apple Mail Privacy Protection prefetches Ada's pixel; then Ada opens it twice and clicks.
    assert_gif(pixel(call_route, f"{ada}.gif", **{"user-agent": "Mozilla/5.0"}))
    assert_gif(pixel(call_route, f"{ada}.gif"))
    assert_gif(pixel(call_route, f"{ada}.gif"))
    assert click(call_route, ada, {"l": "card"}).status == 302
    # Grace's company gateway (Mimecast) follows her link before she sees the mail.
    assert click(call_route, grace, {"l": "card"}, **{"user-agent": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}).status == 302

    ada_events = email_events(database, ada)
    assert [(e["event_type"], e["classification"]) for e in ada_events] == [
        ("opened", "machine"), ("opened", "human"), ("opened", "human"), ("clicked", "human")]
    assert ada_events[0]["metadata_json"]["classification_reason"] == "apple_mail_privacy_protection"
    [scan] = email_events(database, grace)
    assert (scan["classification"], scan["metadata_json"]["classification_reason"]) == ("machine", "scanner_mimecast")

    counts = funnel(database, world)
    assert counts["opened"] == {"total": 2, "unique": 1, "machine_total": 1, "machine_unique": 1}
    assert counts["clicked"] == {"total": 1, "unique": 1, "machine_total": 1, "machine_unique": 1}


def test_a_scanner_following_every_link_at_once_is_flagged_afterwards_too(call_route, database, world):
    message = insert_message(database, world, world.attendees[0])
    for link in ("card", "apple", "vcard"):  # a browser-like scanner: three links within a second
        assert click(call_route, message, {"l": link}, **{"user-agent": CHROME}).status == 302
    events = email_events(database, message)
    assert [e["classification"] for e in events] == ["machine"] * 3
    assert {e["metadata_json"]["classification_reason"] for e in events} == {"click_burst"}
    assert funnel(database, world)["clicked"]["total"] == 0


def test_a_click_right_after_the_send_is_a_prefetch(call_route, database, world):
    fresh = insert_message(database, world, world.attendees[0], sent_ago=timedelta(seconds=0))
    assert click(call_route, fresh, {"l": "card"}).status == 302  # still redirects: a person may be behind it
    [event] = email_events(database, fresh)
    assert (event["classification"], event["metadata_json"]["classification_reason"]) == ("machine", "prefetch_window")


def test_the_funnel_is_per_tenant(call_route, database, world, tenant_factory):
    message = insert_message(database, world, world.attendees[0])
    assert_gif(pixel(call_route, f"{message}.gif"))
    other = make_world(database, tenant_factory(), [])
    assert funnel(database, other)["opened"]["total"] == 0
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM email_events WHERE tenant_id = %s", (other.tenant_id,)).fetchone()[0] == 0


def test_the_viewer_address_behind_cloudfront_is_what_gets_classified(call_route, database, world):
    """Behind CloudFront, API Gateway's sourceIp is the edge; the viewer's IP (here an Apple Mail
    Privacy Protection proxy in 17.0.0.0/8) comes from CloudFront-Viewer-Address."""
    message = insert_message(database, world, world.attendees[0])
    assert_gif(pixel(call_route, f"{message}.gif", **{"cloudfront-viewer-address": "17.58.101.7:51234"}))
    [opened] = email_events(database, message)
    assert str(opened["ip_address"]) == "17.58.101.7"
    assert (opened["classification"], opened["metadata_json"]["classification_reason"]) == (
        "machine", "apple_network")
