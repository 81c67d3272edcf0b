"""Each attendee's engagement in the attendee list, end to end over HTTP: send the cards,
open, click, view and save one of them, bounce another, deliver a third, add a fourth after the
send; the list (and one attendee's read) says how far each got."""

from __future__ import annotations

import pytest

from tests.e2e.test_email_flow import IPHONE, MIMECAST, backdate, mail_index, path_of
from tests.integration.email_helpers import ADMIN, captured_for, html_links, make_world, pixel_src, unique_email


@pytest.fixture
def world(local_stack, database, tenant_factory):
    return make_world(database, tenant_factory("Engaged Organisers"), [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace", "last_name": "Hopper"},
        {"email": unique_email("alan"), "first_name": "Alan", "last_name": "Turing"},
    ])


def play(local_stack, message, kind):
    played = local_stack.request("POST", f"/_local/mail/{mail_index(local_stack, message['X-OutreachPass-Message-Id'])}/ses-event",
                                 body=f"type={kind}".encode(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert played.status == 303, played.text


def test_the_attendee_list_says_how_far_each_attendee_got(local_stack, database, world):
    token = local_stack.token_for(world.tenant_id, "user")
    ada, grace, alan = world.attendees
    attendees = f"{ADMIN}/events/{world.event_id}/attendees"

    before = local_stack.request("GET", attendees, token=token).json()["data"]
    assert {a["engagement"]["stage"] for a in before} == {"not_sent"}
    assert not any(a["engagement"]["sent"] for a in before)

    assert local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/emails", token=token, json={"audience": "all"}).status == 202
    local_stack.run_workers_once()
    dora = local_stack.request("POST", attendees, token=token, json={"first_name": "Dora", "email": unique_email("dora")})
    assert dora.status == 201 and dora.json()["data"]["engagement"] is None  # writes carry no engagement

    mail = {person["email"]: captured_for(local_stack, person["email"])[0] for person in world.attendees}
    # Ada reads it an hour later on her phone, opens her card, saves the contact.
    backdate(database, mail[ada["email"]]["X-OutreachPass-Message-Id"])
    assert local_stack.request("GET", path_of(pixel_src(mail[ada["email"]])), headers={"user-agent": IPHONE}).status == 200
    card_link = next(link for link in html_links(mail[ada["email"]]) if link.endswith("l=card"))
    clicked = local_stack.request("GET", path_of(card_link), headers={"user-agent": IPHONE})
    assert clicked.status == 302
    assert local_stack.request("GET", path_of(clicked.headers["location"]), headers={"user-agent": IPHONE}).status == 200
    assert local_stack.request("GET", f"/c/{ada['card_id']}/vcard", headers={"user-agent": IPHONE}).status == 200
    play(local_stack, mail[ada["email"]], "Delivery")
    # Grace's mail bounces; a link scanner follows its link (a machine: no click).
    grace_link = next(link for link in html_links(mail[grace["email"]]) if link.endswith("l=card"))
    assert local_stack.request("GET", path_of(grace_link), headers={"user-agent": MIMECAST}).status == 302
    play(local_stack, mail[grace["email"]], "Bounce")
    # Alan's is delivered, nothing more.
    play(local_stack, mail[alan["email"]], "Delivery")

    listed = {a["first_name"]: a["engagement"] for a in local_stack.request("GET", attendees, token=token).json()["data"]}
    assert {name: e["stage"] for name, e in listed.items()} == {
        "Ada": "exported", "Grace": "bounced", "Alan": "delivered", "Dora": "not_sent"}
    assert {k: listed["Ada"][k] for k in ("sent", "delivered", "opened", "clicked", "viewed", "exported", "wallet_added", "bounced")} == {
        "sent": True, "delivered": True, "opened": True, "clicked": True, "viewed": True, "exported": True,
        "wallet_added": False, "bounced": False}
    assert listed["Ada"]["last_sent_at"] and listed["Dora"]["last_sent_at"] is None
    assert (listed["Grace"]["sent"], listed["Grace"]["clicked"], listed["Grace"]["bounced"]) == (True, False, True)

    one = local_stack.request("GET", f"{ADMIN}/attendees/{alan['attendee_id']}", token=token).json()["data"]
    assert one["engagement"]["stage"] == "delivered"
