"""RFC 8058 one-click unsubscribe, end to end over HTTP: a card email sent through the real route
and worker reaches moto; its raw MIME, parsed, carries List-Unsubscribe (one signed HTTPS-style
URL, the footer's too) and List-Unsubscribe-Post; a POST to that URL with no sign-in puts the
address on the tenant's suppression list (200, again 200), the GET page only asks, a forged or
foreign link changes nothing, nothing redirects; the next send skips the address and counts it
as suppressed."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, html_links, job_row, make_world, unique_email

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def sent(local_stack, database, tenant_factory, claims_for, call_route):
    """A tenant's card emails, sent: (world, admin claims, {email: parsed message})."""
    world = make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace", "last_name": "Hopper"},
    ])
    admin = claims_for(world.tenant_id, "admin")
    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert started.status == 202, started
    local_stack.run_workers_once()
    messages = {}
    for attendee in world.attendees:
        [message] = captured_for(local_stack, attendee["email"])
        messages[attendee["email"]] = message
    return world, admin, messages


def header_url(message) -> str:
    value = message["List-Unsubscribe"]
    match = re.fullmatch(r"<([^<>\s]+)>", str(value))
    assert match, value
    return match.group(1)


def raw_for(local_stack, recipient: str) -> str:
    [raw] = [m["raw"] for m in local_stack.sent_emails() if m.get("raw") and recipient in str(m.get("destinations"))]
    return raw if isinstance(raw, str) else raw.decode()


def suppressions(database, tenant_id) -> dict[str, str]:
    with psycopg.connect(database.admin_url) as conn:
        rows = conn.execute("SELECT email, reason FROM email_suppressions WHERE tenant_id = %s", (tenant_id,)).fetchall()
    return dict(rows)


def test_the_mime_carries_both_headers_and_the_footer_the_same_url(local_stack, sent):
    _, _, messages = sent
    urls = set()
    for email, message in messages.items():
        url = header_url(message)
        assert message["List-Unsubscribe-Post"] == ONE_CLICK_BODY
        parts = urlsplit(url)
        message_id = message["X-OutreachPass-Message-Id"]
        assert f"{parts.scheme}://{parts.netloc}" == local_stack.api_url
        assert parts.path == f"/api/track/email/unsubscribe/{message_id}"
        assert set(parse_qs(parts.query)) == {"s"}
        assert email.split("@")[0] not in url  # the address itself is not in the link
        assert url in html_links(message)  # the footer's link is the same one-click URL
        assert f"Unsubscribe: {url}" in message.get_body(preferencelist=("plain",)).get_content()
        # in the raw bytes SES got: one physical header line, neither folded nor encoded
        raw_lines = raw_for(local_stack, email).splitlines()
        assert f"List-Unsubscribe: <{url}>" in raw_lines and "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw_lines
        urls.add(url)
    assert len(urls) == 2  # one link per recipient


def test_one_click_post_without_sign_in_suppresses_once_and_is_idempotent(local_stack, database, sent):
    world, _, messages = sent
    ada = world.attendees[0]["email"]
    url = header_url(messages[ada])

    page = local_stack.request("GET", url)  # what a link scanner does: nothing changes
    assert page.status == 200 and "location" not in page.headers
    assert suppressions(database, world.tenant_id) == {}
    [form] = re.findall(r"<form[^>]*>", page.text)
    assert 'method="post"' in form and "action" not in form  # the button posts to this same signed URL
    assert "form-action 'self'" in page.headers["content-security-policy"]

    for _ in range(2):  # Gmail's one-click POST (no cookie, no Authorization), then again
        response = local_stack.request("POST", url, body=ONE_CLICK_BODY, headers=FORM)
        assert response.status == 200, response.text[:300]
        assert "location" not in response.headers
        assert response.headers["cache-control"].startswith("no-store")
    assert suppressions(database, world.tenant_id) == {ada.lower(): "unsubscribe"}

    again = local_stack.request("GET", url)  # the page now says it is done
    assert again.status == 200 and suppressions(database, world.tenant_id) == {ada.lower(): "unsubscribe"}


def test_forged_or_foreign_links_change_nothing(local_stack, database, sent, tenant_factory, call_route, claims_for):
    world, _, messages = sent
    ada, grace = (a["email"] for a in world.attendees)
    ada_url, grace_url = header_url(messages[ada]), header_url(messages[grace])
    ada_id = messages[ada]["X-OutreachPass-Message-Id"]
    grace_sig = parse_qs(urlsplit(grace_url).query)["s"][0]
    base = f"{local_stack.api_url}/api/track/email/unsubscribe"
    attempts = {
        "no signature": f"{base}/{ada_id}",
        "another message's signature": f"{base}/{ada_id}?s={grace_sig}",
        "a flipped signature": ada_url[:-1] + ("A" if ada_url[-1] != "A" else "B"),
        "an unknown message": f"{base}/00000000-0000-4000-8000-000000000000?s={grace_sig}",
        "not a message id": f"{base}/..%2F..%2Fadmin?s={grace_sig}",
        "an over-long signature": f"{base}/{ada_id}?s={'A' * 500}",
    }
    for why, url in attempts.items():
        for method in ("POST", "GET"):
            response = local_stack.request(method, url, body=ONE_CLICK_BODY if method == "POST" else None,
                                           headers=FORM if method == "POST" else None)
            assert response.status in (400, 404), (why, method, response.status)
            assert "location" not in response.headers, why
            if response.status == 400:
                assert response.headers.get("x-error-code") == "INVALID_LINK", (why, method)
    assert suppressions(database, world.tenant_id) == {}

    # a valid link of another tenant's message suppresses in that tenant only
    other = make_world(database, tenant_factory(), [{"email": ada, "first_name": "Ada"}])
    started = call_route("POST", f"{ADMIN}/events/{other.event_id}/emails", claims=claims_for(other.tenant_id, "admin"),
                         json_body={"audience": "all"})
    assert started.status == 202
    local_stack.run_workers_once()
    other_message = next(m for m in captured_for(local_stack, ada) if m["X-OutreachPass-Message-Id"] != ada_id)
    assert local_stack.request("POST", header_url(other_message), body=ONE_CLICK_BODY, headers=FORM).status == 200
    assert suppressions(database, other.tenant_id) == {ada.lower(): "unsubscribe"}
    assert suppressions(database, world.tenant_id) == {}


def test_the_next_send_skips_the_unsubscribed_address_and_counts_it(local_stack, database, sent, call_route):
    world, admin, messages = sent
    ada, grace = (a["email"] for a in world.attendees)
    assert local_stack.request("POST", header_url(messages[ada]), body=ONE_CLICK_BODY, headers=FORM).status == 200

    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert started.status == 202, started
    local_stack.run_workers_once()
    job = call_route("GET", f"{ADMIN}/jobs/{started.json['data']['job']['job_id']}", claims=admin).json["data"]
    assert job["status"] == "succeeded"
    assert job["counts"]["succeeded"] == 1
    assert job["counts"]["skipped"] == 1 and job["counts"]["suppressed"] == 1
    assert [e["reason"] for e in job["errors"]] == ["address suppressed (unsubscribe)"]
    assert len(captured_for(local_stack, ada)) == 1 and len(captured_for(local_stack, grace)) == 2
    assert job_row(database, job["job_id"])["suppressed"] == 1

    # the organiser takes the address off the list: it is mailed again
    removed = call_route("DELETE", f"{ADMIN}/suppressions/{ada}", claims=admin)
    assert removed.status == 204, removed
    again = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin,
                       json_body={"attendee_ids": [str(world.attendees[0]["attendee_id"])]})
    assert again.status == 202
    local_stack.run_workers_once()
    assert len(captured_for(local_stack, ada)) == 2
