"""The email feature end to end through the local stack, over HTTP: send an event's cards,
read what SES (moto) captured, parse the MIME, follow the pixel and a tracked link, play
delivery, bounce and complaint notifications through the local mail viewer (as SNS would
deliver them to the SES events consumer), check the events, the job and the suppression
list, and send again: the suppressed addresses are skipped."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.integration.email_helpers import (
    ADMIN,
    captured_for,
    html_links,
    job_row,
    make_world,
    pixel_src,
    unique_email,
)

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
MIMECAST = "Mozilla/5.0 (compatible; Mimecast URL Protect)"


@pytest.fixture
def world(local_stack, database, tenant_factory):
    return make_world(database, tenant_factory("Expo Organisers"), [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace", "last_name": "Hopper"},
        {"email": unique_email("alan"), "first_name": "Alan", "last_name": "Turing"},
    ])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def events_of(database, message_id):
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute(
            "SELECT event_type, classification, metadata_json FROM email_events WHERE message_id = %s "
            "ORDER BY occurred_at, email_event_id",
            (message_id,),
        ).fetchall()


def mail_index(local_stack, our_message_id: str) -> int:
    """The local mail viewer's number of a captured message (1 = the first sent)."""
    from local.mail import ParsedMail

    for index, captured in enumerate(local_stack.sent_emails(), start=1):
        if ParsedMail(index, captured).our_message_id == our_message_id:
            return index
    raise AssertionError(f"message {our_message_id} was not captured")


def backdate(database, message_id, hours=1):
    """The recipient reads the mail an hour after it was sent (the prefetch window is long past)."""
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE email_sends SET claimed_at = claimed_at - make_interval(hours => %s), "
            "sent_at = sent_at - make_interval(hours => %s) WHERE message_id = %s",
            (hours, hours, message_id),
        )


def test_send_track_and_suppress_end_to_end(local_stack, database, world):
    token = local_stack.token_for(world.tenant_id, "user")
    ada, grace, alan = world.attendees

    # --- send ----------------------------------------------------------------------------
    started = local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/emails", token=token, json={"audience": "all"})
    assert started.status == 202, started.text
    job_id = started.json()["data"]["job"]["job_id"]
    assert started.headers["location"] == f"{ADMIN}/jobs/{job_id}"
    local_stack.run_workers_once()
    job = job_row(database, job_id)
    assert (job["status"], job["total"], job["succeeded"], job["failed"], job["skipped"]) == ("succeeded", 3, 3, 0, 0)

    # --- read the captured mail ----------------------------------------------------------
    messages = {}
    for person in world.attendees:
        [message] = captured_for(local_stack, person["email"])
        assert message.get_content_type() == "multipart/alternative"
        assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html", "image/png"}
        messages[person["email"]] = message
    ada_mail = messages[ada["email"]]
    ada_id = ada_mail["X-OutreachPass-Message-Id"]
    # every link is tracked but the footer's one-click unsubscribe link (the List-Unsubscribe URL)
    links = [link for link in html_links(ada_mail) if not link.startswith(f"{local_stack.api_url}/api/track/email/unsubscribe/")]
    assert len(links) == len(html_links(ada_mail)) - 1
    assert links and all(link.startswith(f"{local_stack.api_url}/api/track/email/click/{ada_id}?l=") for link in links)

    # --- Ada opens the mail an hour later, and clicks her card ---------------------------
    backdate(database, ada_id)
    opened = local_stack.request("GET", path_of(pixel_src(ada_mail)), headers={"user-agent": IPHONE})
    assert opened.status == 200 and opened.headers["content-type"] == "image/gif" and opened.body.startswith(b"GIF89a")
    assert "no-store" in opened.headers["cache-control"]
    card_link = next(link for link in links if link.endswith("l=card"))
    clicked = local_stack.request("GET", path_of(card_link), headers={"user-agent": IPHONE})
    assert clicked.status == 302
    assert clicked.headers["location"] == f"{local_stack.api_url}/c/{ada['card_id']}?src=email"

    # A tampered link goes nowhere.
    tampered = local_stack.request("GET", path_of(card_link).replace("l=card", "l=evil") + "&u=https://evil.example/")
    assert tampered.status == 400 and "location" not in tampered.headers
    assert tampered.json()["error"]["code"] == "INVALID_LINK"

    # --- SES notifications, played through the local mail viewer (as SNS delivers them) --
    for person, kind in ((ada, "Delivery"), (grace, "Bounce"), (alan, "Complaint")):
        our_id = messages[person["email"]]["X-OutreachPass-Message-Id"]
        played = local_stack.request("POST", f"/_local/mail/{mail_index(local_stack, our_id)}/ses-event",
                                     body=f"type={kind}".encode(), headers={"content-type": "application/x-www-form-urlencoded"})
        assert played.status == 303, played.text

    assert [(t, c) for t, c, _ in events_of(database, ada_id)] == [
        ("sent", "human"), ("opened", "human"), ("clicked", "human"), ("delivered", "human")]
    grace_id = messages[grace["email"]]["X-OutreachPass-Message-Id"]
    alan_id = messages[alan["email"]]["X-OutreachPass-Message-Id"]
    assert [t for t, _, _ in events_of(database, grace_id)] == ["sent", "bounced"]
    assert events_of(database, grace_id)[1][2]["bounce_type"] == "Permanent"
    assert [t for t, _, _ in events_of(database, alan_id)] == ["sent", "complained"]
    with psycopg.connect(database.admin_url) as conn:
        suppressed = dict(conn.execute(
            "SELECT email, reason FROM email_suppressions WHERE tenant_id = %s", (world.tenant_id,)).fetchall())
    assert suppressed == {grace["email"].lower(): "bounce", alan["email"].lower(): "complaint"}

    # --- the mail viewer shows it all ----------------------------------------------------
    listing = local_stack.request("GET", "/_local/mail", headers={"accept": "text/html"})
    assert listing.status == 200 and "Your digital card for Expo 2030" in listing.text
    assert local_stack.request("GET", "/_local/mail").json()  # API clients still get JSON
    detail = local_stack.request("GET", f"/_local/mail/{mail_index(local_stack, ada_id)}", headers={"accept": "text/html"})
    assert detail.status == 200
    assert ada_id in detail.text and "delivered" in detail.text and "clicked" in detail.text
    body = local_stack.request("GET", f"/_local/mail/{mail_index(local_stack, ada_id)}/html")
    assert "data:image/png;base64," in body.text and "/api/track/email/click/" in body.text

    # --- send again: the suppressed addresses are skipped --------------------------------
    again = local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/emails", token=token, json={"audience": "all"})
    assert again.status == 202, again.text
    local_stack.run_workers_once()
    second = job_row(database, again.json()["data"]["job"]["job_id"])
    assert (second["status"], second["succeeded"], second["skipped"]) == ("succeeded", 1, 2)
    assert {e["reason"] for e in second["errors"]} == {"address suppressed (bounce)", "address suppressed (complaint)"}
    assert len(captured_for(local_stack, ada["email"])) == 2
    assert len(captured_for(local_stack, grace["email"])) == 1
    assert len(captured_for(local_stack, alan["email"])) == 1


def test_machines_are_recorded_but_not_counted_over_http(local_stack, database, world):
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.email.tracking import funnel

    token = local_stack.token_for(world.tenant_id, "admin")
    started = local_stack.request("POST", f"{ADMIN}/events/{world.event_id}/emails", token=token,
                                  json={"attendee_ids": [str(world.attendees[0]["attendee_id"])]})
    assert started.status == 202
    local_stack.run_workers_once()
    [mail] = captured_for(local_stack, world.attendees[0]["email"])
    our_id = mail["X-OutreachPass-Message-Id"]

    # Apple Mail Privacy Protection fetches the pixel as soon as the mail lands...
    assert local_stack.request("GET", path_of(pixel_src(mail)), headers={"user-agent": "Mozilla/5.0"}).status == 200
    # ...and a security gateway follows the card link.
    card_link = next(link for link in html_links(mail) if link.endswith("l=card"))
    assert local_stack.request("GET", path_of(card_link), headers={"user-agent": MIMECAST}).status == 302

    events = events_of(database, our_id)
    assert [(t, c) for t, c, _ in events] == [("sent", "human"), ("opened", "machine"), ("clicked", "machine")]
    assert [m.get("classification_reason") for _, _, m in events[1:]] == ["apple_mail_privacy_protection", "scanner_mimecast"]
    with tenant_tx(world.tenant_id) as conn:
        counts = funnel(conn, world.tenant_id, event_id=world.event_id)
    assert counts["sent"]["total"] == 1
    assert (counts["opened"]["total"], counts["opened"]["machine_total"]) == (0, 1)
    assert (counts["clicked"]["total"], counts["clicked"]["machine_total"]) == (0, 1)


def test_signed_links_use_the_local_tracking_key(local_stack, database, world):
    """The local stack generates the tracking_hmac secret; a URL signed with it for a message
    redirects, the same URL signed for nothing does not."""
    from outreachpass.services.email.tracking import reset_signing_keys, sign, signed_click_url, signing_keys
    from tests.integration.email_helpers import insert_message

    reset_signing_keys()
    [key] = signing_keys()
    assert len(key) == 32
    message_id = insert_message(database, world, world.attendees[0])
    target = "https://example.org/agenda"
    good = local_stack.request("GET", path_of(signed_click_url(local_stack.api_url, message_id, target)),
                               headers={"user-agent": IPHONE})
    assert good.status == 302 and good.headers["location"] == target
    forged = sign(message_id, target, key=b"x" * 32)
    bad = local_stack.request("GET", f"/api/track/email/click/{message_id}?u={target}&s={forged}")
    assert bad.status == 400 and "location" not in bad.headers
    unknown = local_stack.request("GET", f"/api/track/email/click/{uuid.uuid4()}?l=card")
    assert unknown.status == 400
