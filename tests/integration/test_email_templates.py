"""Per-event card e-mail templates through their routes: the built-in wording until the event has
its own, placeholders checked on save (400 naming the field), HTML-escaped values, a preview that
sends and records nothing, a test send to the caller's own address (moto's raw MIME parsed), and
a real send that uses the template, its links still tracked."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, html_links, make_world, unique_email

BODY = ("Hello {{ first_name | there }},\n\nSee you at {{ event_name }}, {{ organization | friend }}!\n\n"
        "{{ card_url | Open your card }}")


@pytest.fixture
def world(local_stack, database, tenant_factory):
    return make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada <b>", "last_name": "Lovelace", "org_name": "Analytical & Co"},
        {"email": unique_email("anon"), "first_name": None, "last_name": "Nobody"},
    ])


@pytest.fixture
def admin(world, claims_for):
    return claims_for(world.tenant_id, "admin")


def template_path(world) -> str:
    return f"{ADMIN}/events/{world.event_id}/email-template"


def test_the_built_in_wording_until_the_event_has_its_own(call_route, world, admin, database):
    first = call_route("GET", template_path(world), claims=admin)
    assert first.status == 200, first
    data = first.json["data"]
    assert data["is_default"] is True and data["updated_at"] is None
    assert "{{ event_name }}" in data["subject"]
    names = {p["name"] for p in data["placeholders"]}
    assert {"first_name", "event_name", "card_url", "unsubscribe_url"} <= names

    saved = call_route("PUT", template_path(world), claims=admin,
                       json_body={"subject": "{{ first_name | Hi }}: your card for {{ event_name }}", "body": BODY})
    assert saved.status == 200, saved
    again = call_route("GET", template_path(world), claims=admin).json["data"]
    assert again["is_default"] is False and again["body"] == BODY and again["updated_at"]
    with psycopg.connect(database.admin_url) as conn:
        [action] = conn.execute("SELECT action FROM audit_log WHERE tenant_id = %s AND action LIKE 'email_template%%'",
                                (world.tenant_id,)).fetchone()
    assert action == "email_template.update"


@pytest.mark.parametrize("body, field, named", [
    ({"subject": "Hi {{ nickname }}", "body": "ok"}, "subject", "nickname"),
    ({"subject": "Hi", "body": "{{ first_name }} {{ __class__ }}"}, "body", "__class__"),
    ({"subject": "Hi", "body": "{{ config.SECRET }}"}, "body", "config.SECRET"),
    ({"subject": "Hi\r\nBcc: x@example.com", "body": "ok"}, "subject", None),
    ({"subject": "Hi", "body": "nul \x00 inside"}, "body", None),
    ({"subject": "", "body": "ok"}, "subject", None),
])
def test_a_bad_template_is_refused_by_field_and_nothing_is_stored(call_route, world, admin, database, body, field, named):
    response = call_route("PUT", template_path(world), claims=admin, json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    details = {d["field"]: d["reason"] for d in response.json["error"]["details"]}
    assert field in details
    if named:
        assert named in details[field]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM event_email_templates WHERE tenant_id = %s",
                            (world.tenant_id,)).fetchone()[0] == 0


def test_preview_renders_escaped_values_and_records_nothing(call_route, world, admin, database, local_stack):
    call_route("PUT", template_path(world), claims=admin, json_body={"subject": "For {{ first_name }}", "body": BODY})
    ada = world.attendees[0]
    response = call_route("POST", f"{template_path(world)}/preview", claims=admin,
                          json_body={"attendee_id": str(ada["attendee_id"])})
    assert response.status == 200, response
    data = response.json["data"]
    assert data["subject"] == "For Ada <b>"
    assert "Hello Ada &lt;b&gt;," in data["html"] and "<b>," not in data["html"]
    assert "Analytical &amp; Co" in data["html"]
    assert "Hello Ada <b>," in data["text"]
    card = f"{local_stack.api_url}/c/{ada['card_id']}?src=email"
    assert f'href="{card.replace("&", "&amp;")}"' in data["html"] and ">Open your card</a>" in data["html"]
    assert "/api/track/email/" not in data["html"].replace("/api/track/email/unsubscribe/", "")  # untracked, no pixel
    assert data["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "data:image/png;base64," in data["html"]

    # fallbacks for empty values; unsaved edits preview too
    anon = world.attendees[1]
    edited = call_route("POST", f"{template_path(world)}/preview", claims=admin,
                        json_body={"attendee_id": str(anon["attendee_id"]), "body": "Hi {{ first_name | there }}"}).json["data"]
    assert "Hi there" in edited["text"] and "Hi there" in edited["html"]
    sample = call_route("POST", f"{template_path(world)}/preview", claims=admin, json_body={}).json["data"]
    assert sample["attendee_id"] is None and sample["subject"].startswith("For ")

    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM email_sends WHERE tenant_id = %s", (world.tenant_id,)).fetchone()[0] == 0
    assert captured_for(local_stack, ada["email"]) == []

    unknown = call_route("POST", f"{template_path(world)}/preview", claims=admin,
                         json_body={"attendee_id": "00000000-0000-4000-8000-0000000000aa"})
    assert unknown.status == 404 and unknown.json["error"]["code"] == "ATTENDEE_NOT_FOUND"


def test_a_test_send_goes_to_the_caller_and_a_real_send_uses_the_template(call_route, world, admin, local_stack, database):
    call_route("PUT", template_path(world), claims=admin,
               json_body={"subject": "{{ first_name | Hello }}, your {{ event_name }} card", "body": BODY})
    ada = world.attendees[0]
    tested = call_route("POST", f"{template_path(world)}/test", claims=admin, json_body={"attendee_id": str(ada["attendee_id"])})
    assert tested.status == 200, tested
    caller = tested.json["data"]["to"]
    assert caller.endswith("@users.example.test") and tested.json["data"]["subject"].startswith("[Test] ")
    [message] = captured_for(local_stack, caller)
    assert message["Subject"] == "[Test] Ada <b>, your Expo 2030 card"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and message["List-Unsubscribe"]
    assert captured_for(local_stack, ada["email"]) == []  # not the attendee

    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert started.status == 202
    local_stack.run_workers_once()
    [sent] = captured_for(local_stack, ada["email"])
    assert sent["Subject"] == "Ada <b>, your Expo 2030 card"
    text = sent.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Ada <b>," in text and "See you at Expo 2030, Analytical & Co!" in text
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert "Hello Ada &lt;b&gt;," in html
    tracked = [link for link in html_links(sent) if "/api/track/email/click/" in link]
    assert tracked and all(link.startswith(f"{local_stack.api_url}/api/track/email/click/") for link in tracked)
    [anon_mail] = captured_for(local_stack, world.attendees[1]["email"])
    assert anon_mail["Subject"] == "Hello, your Expo 2030 card"
    assert "Hello there," in anon_mail.get_body(preferencelist=("plain",)).get_content()


def test_another_tenant_or_an_exhibitor_cannot_read_or_write_it(call_route, world, tenant_factory, claims_for):
    stranger = claims_for(tenant_factory(), "admin")
    for method, suffix, body in (("GET", "", None), ("PUT", "", {"subject": "x", "body": "y"}), ("POST", "/preview", {})):
        response = call_route(method, template_path(world) + suffix, claims=stranger, json_body=body)
        assert response.status == 404 and response.json["error"]["code"] == "EVENT_NOT_FOUND", (method, suffix)
    editor = claims_for(world.tenant_id, "user")
    assert call_route("GET", template_path(world), claims=editor).status == 200
