"""Unique viewers that a replay cannot inflate, over HTTP through the local stack and read back
through the analytics routes.

A view replayed without a cookie, or with a made-up one, used to count as a new unique viewer.
Now a view is unique only when the card had no view in the 30 minutes before from the same
session nor from the same visitor (IP address and user agent, as a salted hash per tenant and
UTC day; migrations/V0622).
"""

from __future__ import annotations

import secrets

import psycopg
import pytest

from tests.integration.public_cards import DESKTOP_UA, PHONE_UA, make_card, views

ADMIN = "/api/v1/admin"


@pytest.fixture
def card(local_stack, database, tenant_factory):
    return make_card(database, tenant_factory())


def view(local_stack, card, *, ip: str = "198.51.100.20", agent: str = PHONE_UA, cookie: str | None = None):
    headers = {"user-agent": agent, "cloudfront-viewer-address": f"{ip}:41000"}
    if cookie:
        headers["cookie"] = f"op_sid={cookie}"
    response = local_stack.request("GET", f"/c/{card['card_id']}", headers=headers)
    assert response.status == 200, response.text[:200]
    return response


def unique_viewers(local_stack, card) -> tuple[int, int]:
    token = local_stack.token_for(card["tenant_id"], "admin", f"analyst-{card['tenant_id']}@example.test")
    overview = local_stack.request("GET", f"{ADMIN}/analytics/overview?event_id={card['event_id']}", token=token)
    assert overview.status == 200, overview.text
    report = local_stack.request("GET", f"{ADMIN}/analytics/views?event_id={card['event_id']}", token=token)
    assert report.json()["data"]["unique"] == overview.json()["data"]["unique_viewers"]
    return overview.json()["data"]["card_views"], overview.json()["data"]["unique_viewers"]


def test_replays_without_a_cookie_or_with_made_up_ones_are_one_viewer(local_stack, card):
    for _ in range(10):
        view(local_stack, card)  # no cookie: each gets a new session
    for _ in range(10):
        view(local_stack, card, cookie=secrets.token_urlsafe(16))  # a fresh well-formed cookie each time
    assert unique_viewers(local_stack, card) == (20, 1)


def test_other_people_still_count(local_stack, card):
    view(local_stack, card)
    view(local_stack, card, ip="198.51.100.21")  # another address
    view(local_stack, card, agent=DESKTOP_UA)  # another browser on the same network
    view(local_stack, card, ip="2001:db8::42")
    assert unique_viewers(local_stack, card) == (4, 4)


def test_the_window_is_per_card_and_30_minutes(local_stack, database, card, tenant_factory):
    view(local_stack, card)
    second = make_card(database, card["tenant_id"])
    view(local_stack, second)  # the same visitor on another card is that card's viewer
    assert [v["is_unique"] for v in views(database, second["card_id"])] == [True]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE card_view_events SET occurred_at = occurred_at - interval '31 minutes' WHERE card_id = %s", (card["card_id"],))
    view(local_stack, card)
    assert [v["is_unique"] for v in views(database, card["card_id"])] == [True, True]


def test_the_key_is_a_salted_hash_that_rotates_and_is_not_linkable(local_stack, database, card):
    view(local_stack, card)
    second = make_card(database, card["tenant_id"])
    view(local_stack, second)
    [first_view] = views(database, card["card_id"])
    [other_view] = views(database, second["card_id"])
    key = bytes(first_view["visitor_key"])
    assert len(key) == 16 and b"198.51.100.20" not in key
    assert bytes(other_view["visitor_key"]) != key  # the same visitor on two cards: two unrelated keys
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        # A day later: yesterday's salt is still used for the lookup (no reset at midnight UTC)...
        conn.execute("UPDATE visitor_salts SET valid_on = valid_on - 1 WHERE tenant_id = %s", (card["tenant_id"],))
        view(local_stack, card)
        latest = views(database, card["card_id"])[-1]
        assert latest["is_unique"] is False and bytes(latest["visitor_key"]) != key  # a new salt, the old key still matched
        # ...and a salt older than that is deleted when the day's salt is made: old keys cannot be recomputed.
        conn.execute("UPDATE visitor_salts SET valid_on = valid_on - 5 WHERE tenant_id = %s", (card["tenant_id"],))
        view(local_stack, card)
        days = [row[0] for row in conn.execute("SELECT valid_on FROM visitor_salts WHERE tenant_id = %s", (card["tenant_id"],))]
        today = conn.execute("SELECT (now() AT TIME ZONE 'UTC')::date").fetchone()[0]
    assert days == [today]


def test_views_without_an_address_fall_back_to_the_session(call_route, database, card, monkeypatch):
    """No IP known (not behind CloudFront and no source IP): the session alone decides, as before."""
    from outreachpass.api import visitor

    monkeypatch.setattr(visitor, "client_ip", lambda event: None)
    first = call_route("GET", f"/c/{card['card_id']}")
    call_route("GET", f"/c/{card['card_id']}")
    sid = first.raw["cookies"][0].split(";", 1)[0].split("=", 1)[1]
    call_route("GET", f"/c/{card['card_id']}", headers={"cookie": f"op_sid={sid}"})
    assert [(v["visitor_key"], v["is_unique"]) for v in views(database, card["card_id"])] == [(None, True), (None, True), (None, False)]
