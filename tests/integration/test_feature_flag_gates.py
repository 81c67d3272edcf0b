"""Each feature flag switches its feature off everywhere it is served, through the real routes of
the local stack against the real database: the card page's buttons, the public routes (404
FEATURE_DISABLED, nothing recorded; "Share my details" 403 CONTACT_SHARE_DISABLED), the card
emails' links and pixel, and the pass jobs. Turning a flag back on brings the feature back."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.integration.email_helpers import captured_for, html_links, job_row
from tests.integration.wallet_support import make_card, wallet_events

FLAGS = "/api/v1/admin/feature-flags"
ADMIN = "/api/v1/admin"


@pytest.fixture
def card(local_stack, call_route, claims_for, tenant_factory):
    return make_card(call_route, claims_for, tenant_factory)


def set_flags(call_route, card, **flags: bool) -> None:
    response = call_route("PUT", FLAGS, claims=card.admin, json_body={key: {"enabled": on} for key, on in flags.items()})
    assert response.status == 200, response


def page(local_stack, card) -> str:
    response = local_stack.request("GET", f"/c/{card.card_id}")
    assert response.status == 200, response.text
    return response.text


def error_code(response) -> tuple[int, str]:
    return response.status, response.json()["error"]["code"]


def count(database, table: str, card) -> int:
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE card_id = %s", (card.card_id,)).fetchone()[0]  # table names come from the test


def beacon(local_stack, card, kind: str):
    return local_stack.request("POST", "/api/track/events", json={"card_id": card.card_id, "type": kind})


def email_card(local_stack, call_route, card, database) -> tuple[list[str], str]:
    """Send the card's email through the route and the worker: (its tracked links' ids, its HTML)."""
    response = call_route("POST", f"{ADMIN}/events/{card.event_id}/emails", claims=card.admin, json_body={"audience": "all"})
    assert response.status == 202, response
    local_stack.run_workers_once()
    assert job_row(database, response.json["data"]["job"]["job_id"])["status"] == "succeeded"
    with psycopg.connect(database.admin_url) as conn:
        email = conn.execute("SELECT email FROM cards WHERE card_id = %s", (card.card_id,)).fetchone()[0]
    message = captured_for(local_stack, email)[-1]
    tracked = [link for link in html_links(message) if "/api/track/email/click/" in link]  # not the unsubscribe link
    return sorted(link.rsplit("=", 1)[1] for link in tracked), message.get_body(preferencelist=("html",)).get_content()


def test_apple_wallet_flag(local_stack, call_route, card, database):
    set_flags(call_route, card, apple_wallet=False)
    html = page(local_stack, card)
    assert 'id="apple-wallet"' not in html and f"/c/{card.card_id}/wallet/apple" not in html
    assert 'id="google-wallet"' in html  # the other platform is untouched
    assert error_code(local_stack.request("GET", f"/c/{card.card_id}/wallet/apple")) == (404, "FEATURE_DISABLED")
    assert wallet_events(database, card.card_id) == []  # nothing issued, nothing recorded
    links, _ = email_card(local_stack, call_route, card, database)
    assert "apple" not in links and "google" in links
    refused = call_route("POST", f"{ADMIN}/events/{card.event_id}/passes", claims=card.admin, json_body={"platforms": ["apple"]})
    assert (refused.status, refused.json["error"]["code"]) == (409, "FEATURE_DISABLED")
    default = call_route("POST", f"{ADMIN}/events/{card.event_id}/passes", claims=card.admin, json_body={})
    assert default.status == 202, default
    job = job_row(database, default.json["data"]["job"]["job_id"])
    assert (job["total"], job["input"]["platforms"]) == (1, ["google"])  # Google only

    set_flags(call_route, card)
    assert 'id="apple-wallet"' in page(local_stack, card)
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/apple").status == 200


def test_google_wallet_flag(local_stack, call_route, card, database):
    set_flags(call_route, card, google_wallet=False)
    html = page(local_stack, card)
    assert 'id="google-wallet"' not in html and 'id="apple-wallet"' in html
    calls = len(local_stack.wallet.google.calls)
    assert error_code(local_stack.request("GET", f"/c/{card.card_id}/wallet/google")) == (404, "FEATURE_DISABLED")
    assert len(local_stack.wallet.google.calls) == calls  # nothing sent to Google
    assert wallet_events(database, card.card_id) == []
    links, _ = email_card(local_stack, call_route, card, database)
    assert "google" not in links and "apple" in links
    refused = call_route("POST", f"{ADMIN}/events/{card.event_id}/passes", claims=card.admin, json_body={"platforms": ["apple", "google"]})
    assert (refused.status, refused.json["error"]["code"]) == (409, "FEATURE_DISABLED")

    set_flags(call_route, card, google_wallet=True)
    assert local_stack.request("GET", f"/c/{card.card_id}/wallet/google").status == 302


def test_both_wallets_off_leave_a_pass_job_nothing_to_do(local_stack, call_route, card):
    set_flags(call_route, card, apple_wallet=False, google_wallet=False)
    refused = call_route("POST", f"{ADMIN}/events/{card.event_id}/passes", claims=card.admin, json_body={})
    assert (refused.status, refused.json["error"]["code"]) == (409, "FEATURE_DISABLED")


def test_vcard_download_flag(local_stack, call_route, card, database):
    set_flags(call_route, card, vcard_download=False)
    html = page(local_stack, card)
    assert 'id="save-contact"' not in html and f"/c/{card.card_id}/vcard" not in html
    assert 'id="share"' in html
    assert error_code(local_stack.request("GET", f"/c/{card.card_id}/vcard")) == (404, "FEATURE_DISABLED")
    assert error_code(beacon(local_stack, card, "add_to_contacts")) == (404, "FEATURE_DISABLED")
    assert count(database, "contact_export_events", card) == 0  # neither was recorded
    links, _ = email_card(local_stack, call_route, card, database)
    assert links == ["apple", "card", "google"]

    set_flags(call_route, card, vcard_download=True)
    response = local_stack.request("GET", f"/c/{card.card_id}/vcard")
    assert response.status == 200 and response.text.startswith("BEGIN:VCARD")
    assert beacon(local_stack, card, "add_to_contacts").status == 204
    assert count(database, "contact_export_events", card) == 2


def test_share_button_flag(local_stack, call_route, card, database):
    set_flags(call_route, card, share_button=False)
    html = page(local_stack, card)
    assert 'id="share"' not in html
    assert 'id="copy-email"' in html and 'id="save-contact"' in html
    assert error_code(beacon(local_stack, card, "share")) == (404, "FEATURE_DISABLED")
    assert count(database, "contact_export_events", card) == 0
    assert beacon(local_stack, card, "copy_email").status == 204  # not behind a flag
    # a link shared before still opens the card (recorded as a share view)
    assert local_stack.request("GET", f"/c/{card.card_id}?src=share").status == 200

    set_flags(call_route, card, share_button=True)
    assert 'id="share"' in page(local_stack, card)
    assert beacon(local_stack, card, "share").status == 204
    assert count(database, "contact_export_events", card) == 2


def test_email_open_tracking_flag(local_stack, call_route, card, database):
    _, tracked_html = email_card(local_stack, call_route, card, database)
    assert "/api/track/email/open/" in tracked_html
    with psycopg.connect(database.admin_url) as conn:
        earlier = conn.execute(
            "SELECT message_id FROM message_contexts WHERE card_id = %s ORDER BY created_at DESC LIMIT 1", (card.card_id,)
        ).fetchone()[0]

    set_flags(call_route, card, email_open_tracking=False)
    links, html = email_card(local_stack, call_route, card, database)
    assert "/api/track/email/open/" not in html  # no pixel
    assert links == ["apple", "card", "google", "vcard"]  # the links stay
    pixel = local_stack.request("GET", f"/api/track/email/open/{earlier}.gif")
    assert (pixel.status, pixel.headers["content-type"]) == (200, "image/gif")  # it still answers
    with psycopg.connect(database.admin_url) as conn:
        opened = "SELECT count(*) FROM email_events WHERE message_id = %s AND event_type = 'opened'"
        assert conn.execute(opened, (earlier,)).fetchone()[0] == 0  # but records nothing

    set_flags(call_route, card, email_open_tracking=True)
    local_stack.request("GET", f"/api/track/email/open/{earlier}.gif")
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute(opened, (earlier,)).fetchone()[0] == 1


def test_contact_share_flag(local_stack, call_route, card, database):
    """The exhibitors' "Share my details" is one of the registry's flags: set through the flags API
    (and by a brand), it hides the form and its route refuses, sending and recording nothing."""
    details = {"name": "Grace Hopper", "email": "grace@navy.example", "consent": True}

    def share():
        return local_stack.request("POST", f"/api/track/cards/{card.card_id}/contact", json=details)

    assert 'id="share-details"' in page(local_stack, card)
    set_flags(call_route, card, contact_share=False)
    assert 'id="share-details"' not in page(local_stack, card)
    assert error_code(share()) == (403, "CONTACT_SHARE_DISABLED")
    assert count(database, "card_engagement_events", card) == 0
    set_flags(call_route, card)  # back to its default: on
    assert 'id="share-details"' in page(local_stack, card)
    assert share().status == 204
    assert count(database, "card_engagement_events", card) == 1
    brand = call_route("PATCH", f"{ADMIN}/brands/{card.brand_id}", claims=card.admin, json_body={"features": {"contact_share": False}})
    assert brand.status == 200, brand
    assert 'id="share-details"' not in page(local_stack, card)
    assert error_code(share()) == (403, "CONTACT_SHARE_DISABLED")
    assert count(database, "card_engagement_events", card) == 1


def test_a_brand_can_switch_a_feature_off_for_its_cards(local_stack, call_route, card):
    brand = call_route("PATCH", f"{ADMIN}/brands/{card.brand_id}", claims=card.admin, json_body={"features": {"google_wallet": False}})
    assert brand.status == 200, brand
    assert 'id="google-wallet"' not in page(local_stack, card)
    assert error_code(local_stack.request("GET", f"/c/{card.card_id}/wallet/google")) == (404, "FEATURE_DISABLED")
    # the tenant's flag cannot turn back on what the brand switched off
    set_flags(call_route, card, google_wallet=True)
    assert error_code(local_stack.request("GET", f"/c/{card.card_id}/wallet/google")) == (404, "FEATURE_DISABLED")


def test_flags_of_one_tenant_leave_another_alone(local_stack, call_route, claims_for, tenant_factory, card):
    other = make_card(call_route, claims_for, tenant_factory)
    set_flags(call_route, card, vcard_download=False, share_button=False, apple_wallet=False)
    html = page(local_stack, other)
    for button in ('id="save-contact"', 'id="share"', 'id="apple-wallet"'):
        assert button in html
    assert local_stack.request("GET", f"/c/{other.card_id}/vcard").status == 200
    assert local_stack.request("GET", f"/c/{uuid.uuid4()}/vcard").json()["error"]["code"] == "CARD_NOT_FOUND"
