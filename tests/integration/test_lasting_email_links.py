"""Email links never die: a card email sent through the real route and worker, left 8 days, its
message context expired and deleted by the real retention job; every tracked link of it (card,
Apple, Google, vCard) still works over HTTP, leads to the card's own URL and records the click
(a wallet link's also as the wallet's email_clicked).
The no-open-redirect guarantees hold for the old message as they do for a live one.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import psycopg
import pytest

from outreachpass.services.card_appearance import card_url
from outreachpass.services.retention import run_retention
from tests.integration.email_helpers import ADMIN, captured_for, email_events, html_links, make_world, unique_email
from tests.integration.test_email_tracking import TEST_KEY, click, open_redirect_attempts
from tests.integration.wallet_support import wallet_events


@pytest.fixture
def old_email(local_stack, database, tenant_factory, call_route, claims_for):
    """A card email of 8 days ago whose context the retention job has deleted: (world, message id, its links)."""
    world = make_world(database, tenant_factory(), [{"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
                                                    {"email": unique_email("grace"), "first_name": "Grace"}])
    admin = claims_for(world.tenant_id, "admin")
    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert started.status == 202, started
    local_stack.run_workers_once()
    [message] = captured_for(local_stack, world.attendees[0]["email"])
    message_id = message["X-OutreachPass-Message-Id"]
    # the tracked links (the footer's unsubscribe link is the one-click URL, not a tracked link)
    links = {urlsplit(link).query.split("l=", 1)[1]: link for link in html_links(message) if "/api/track/email/click/" in link}
    assert set(links) == {"card", "apple", "google", "vcard"}
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("""UPDATE message_contexts SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
                        WHERE tenant_id = %s""", (world.tenant_id,))
        conn.execute("""UPDATE email_sends SET claimed_at = now() - interval '8 days', sent_at = now() - interval '8 days',
                        created_at = now() - interval '8 days' WHERE tenant_id = %s""", (world.tenant_id,))
    report = run_retention(deadline=time.monotonic() + 120, tenant_ids=[world.tenant_id])
    assert report.purged.get("message_contexts", 0) >= 2
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM message_contexts WHERE tenant_id = %s", (world.tenant_id,)).fetchone()[0] == 0
    return world, message_id, links


def test_every_link_of_an_8_day_old_email_still_works(local_stack, database, old_email):
    world, message_id, links = old_email
    card_id = world.attendees[0]["card_id"]
    base = local_stack.api_url
    expected = {
        "card": f"{base}/c/{card_id}?src=email",
        "apple": f"{base}/c/{card_id}/wallet/apple",
        "google": f"{base}/c/{card_id}/wallet/google",
        "vcard": f"{base}/c/{card_id}/vcard",
    }
    for link_id, link in links.items():
        response = local_stack.request("GET", link, headers={"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)"})
        assert response.status == 302, (link_id, response.status, response.text[:200])
        assert response.headers["location"] == expected[link_id], link_id
    page = local_stack.request("GET", expected["card"])
    assert page.status == 200 and "Ada Lovelace" in page.text  # the redirect lands on the live card

    clicks = [e for e in email_events(database, message_id) if e["event_type"] == "clicked"]
    assert sorted(e["metadata_json"]["link"] for e in clicks) == sorted(links)
    assert all(e["metadata_json"]["context"] == "expired" and e["card_id"] == card_id for e in clicks)
    assert {e["link_url"] for e in clicks} == set(expected.values())
    # The wallet links' clicks still count for the wallet (its email_clicked counter).
    assert sorted(e for e in wallet_events(database, card_id) if e[1] == "email_clicked") == [("apple", "email_clicked"),
                                                                                               ("google", "email_clicked")]


def test_an_old_message_redirects_nowhere_else(call_route, database, old_email, monkeypatch):
    from outreachpass.services.email import tracking as email_tracking

    monkeypatch.setattr(email_tracking, "signing_keys", lambda: [TEST_KEY])
    world, message_id, _ = old_email
    with psycopg.connect(database.admin_url) as conn:
        other = conn.execute("SELECT message_id FROM email_sends WHERE tenant_id = %s AND message_id <> %s AND message_id IS NOT NULL",
                             (world.tenant_id, message_id)).fetchone()[0]
    for why, target_message, query in open_redirect_attempts(message_id, other, TEST_KEY):
        response = click(call_route, target_message, query)
        assert response.status == 400 and "location" not in response.headers, why
        assert response.json["error"]["code"] == "INVALID_LINK", why
    assert [e for e in email_events(database, message_id) if e["event_type"] == "clicked"] == []


def test_a_signed_link_of_an_old_message_leads_only_to_the_card(call_route, old_email, monkeypatch):
    from outreachpass.services.email import tracking as email_tracking
    from outreachpass.services.email.tracking import signed_click_url

    monkeypatch.setattr(email_tracking, "signing_keys", lambda: [TEST_KEY])
    world, message_id, _ = old_email
    card_id = world.attendees[0]["card_id"]
    own = call_route("GET", signed_click_url("", message_id, f"https://old-domain.example/c/{card_id}/vcard", key=TEST_KEY))
    assert own.status == 302 and own.headers["location"] == card_url(card_id) + "/vcard"
    elsewhere = call_route("GET", signed_click_url("", message_id, "https://example.org/agenda", key=TEST_KEY))
    assert elsewhere.status == 302 and elsewhere.headers["location"] == card_url(card_id, "email")


def test_an_old_link_dies_with_its_card(local_stack, call_route, claims_for, old_email):
    world, _, links = old_email
    admin = claims_for(world.tenant_id, "admin")
    deleted = call_route("DELETE", f"{ADMIN}/attendees/{world.attendees[0]['attendee_id']}", claims=admin)
    assert deleted.status in (200, 204), deleted
    response = local_stack.request("GET", links["card"], headers={"accept": "text/html"})
    assert response.status == 400 and "location" not in response.headers
    assert "not valid" in response.text and "work for a week" not in response.text


def test_an_old_link_of_a_disabled_tenant_is_refused(local_stack, database, old_email):
    world, _, links = old_email
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE tenants SET status = 'disabled' WHERE tenant_id = %s", (world.tenant_id,))
    response = local_stack.request("GET", links["card"])
    assert response.status == 400 and "location" not in response.headers


def test_a_send_from_before_the_links_were_kept_still_leads_to_the_card(call_route, database, old_email):
    """Sends before V0621 kept no links: the card's own four link ids still lead to the card."""
    world, message_id, _ = old_email
    card_id = world.attendees[0]["card_id"]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE email_sends SET links = NULL WHERE message_id = %s", (message_id,))
    assert click(call_route, message_id, {"l": "google"}).headers["location"] == card_url(card_id) + "/wallet/google"
    assert click(call_route, message_id, {"l": "card"}).headers["location"] == card_url(card_id, "email")
    assert click(call_route, message_id, {"l": "agenda"}).status == 400  # never one of its links


def test_every_link_a_card_email_carries_is_one_an_old_message_keeps():
    """The email's links (compose.card_links) and what an old link may lead to (link_destinations) agree."""
    import uuid

    from outreachpass.services.email.compose import card_links
    from outreachpass.services.email.link_destinations import CARD_LINK_PATHS, own_path
    from outreachpass.services.feature_flags import Features

    card_id = uuid.uuid4()
    links = card_links("https://cards.example.test", card_id, Features.of({}))  # every feature on
    assert set(links) == set(CARD_LINK_PATHS)
    assert {key: own_path(url, card_id) for key, url in links.items()} == CARD_LINK_PATHS
    assert own_path(f"https://cards.example.test/c/{uuid.uuid4()}/vcard", card_id) is None  # another card's URL
