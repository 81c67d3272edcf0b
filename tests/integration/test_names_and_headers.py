"""CR, LF and other control characters in names, through the real handlers and the real email
worker (moto SES, the local SQS poller).

A name is one line: every route that takes the name of an event, a brand, an attendee, a card
or a user refuses a control character in it (400 VALIDATION_ERROR naming the field). A name
stored before that rule (here: written by SQL) no longer jams a send: it becomes a one-line
header, the job finishes and the next send is accepted. A recipient whose message cannot be
built at all (an address with a line break) fails alone, with a per-row error; the batch, the
job and the other recipients are not touched.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, job_row, make_world, sends_of_job, unique_email

POISON = "Expo\r\nBcc: evil@example.com"
BAD_NAMES = ["Expo\r\nBcc: evil@example.com", "Line\nbreak", "Nul\x00byte", "Tab\tin name", "Sep\u2028arator", "Bell\x07"]


@pytest.fixture
def tenant(tenant_factory, claims_for, call_route):
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    brand = call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"})
    event = call_route("POST", f"{ADMIN}/events", claims=admin, json_body={
        "name": "Fine Expo", "slug": f"fine-{uuid.uuid4().hex[:8]}", "starts_at": "2031-01-01T09:00:00Z", "ends_at": "2031-01-02T09:00:00Z"})
    attendee = call_route("POST", f"{ADMIN}/events/{event.json['data']['event_id']}/attendees", claims=admin,
                          json_body={"email": unique_email("ada"), "first_name": "Ada"})
    assert brand.status == event.status == attendee.status == 201
    return {"id": tenant_id, "admin": admin, "brand_id": brand.json["data"]["brand_id"], "event_id": event.json["data"]["event_id"],
            "attendee_id": attendee.json["data"]["attendee_id"], "card_id": attendee.json["data"]["card_id"]}


NAME_FIELDS = [
    ("POST", "/events", "name", {"slug": "x-{tag}", "starts_at": "2031-01-01T09:00:00Z", "ends_at": "2031-01-02T09:00:00Z"}),
    ("PATCH", "/events/{event_id}", "name", {}),
    ("POST", "/brands", "display_name", {"brand_key": "K{TAG}"}),
    ("PATCH", "/brands/{brand_id}", "display_name", {}),
    ("POST", "/events/{event_id}/attendees", "first_name", {"email": "x-{tag}@example.com"}),
    ("POST", "/events/{event_id}/attendees", "last_name", {"first_name": "Ada"}),
    ("PATCH", "/attendees/{attendee_id}", "first_name", {}),
    ("PATCH", "/attendees/{attendee_id}", "org_name", {}),
    ("PATCH", "/cards/{card_id}", "display_name", {}),
    ("PATCH", "/cards/{card_id}", "title", {}),
    ("POST", "/events/{event_id}/emails", "subject", {}),
]


@pytest.mark.parametrize(("method", "path", "field", "rest"), NAME_FIELDS, ids=[f"{m} {p} {f}" for m, p, f, _ in NAME_FIELDS])
def test_names_with_control_characters_are_refused_at_input(call_route, tenant, database, method, path, field, rest):
    path = ADMIN + path.format(**tenant)
    for bad in BAD_NAMES:
        tag = uuid.uuid4().hex[:6]
        body = {key: value.format(tag=tag, TAG=tag.upper()) for key, value in rest.items()} | {field: bad}
        response = call_route(method, path, claims=tenant["admin"], json_body=body)
        assert response.status == 400, (bad, response)
        assert response.json["error"]["code"] == "VALIDATION_ERROR"
        [detail] = response.json["error"]["details"]
        assert detail["field"] == field and detail["reason"] == "must be one line, without control characters", detail
    with psycopg.connect(database.admin_url) as conn:
        names = conn.execute(
            """SELECT e.name FROM events e WHERE e.tenant_id = %(t)s UNION ALL SELECT display_name FROM brands WHERE tenant_id = %(t)s
               UNION ALL SELECT concat_ws(' ', first_name, last_name, org_name) FROM attendees WHERE tenant_id = %(t)s
               UNION ALL SELECT concat_ws(' ', display_name, title) FROM cards WHERE tenant_id = %(t)s""", {"t": tenant["id"]}
        ).fetchall()
    assert not [n for (n,) in names if any(ord(c) < 32 for c in n)]


def test_a_user_name_with_a_line_break_is_refused(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin", f"boss-{uuid.uuid4().hex[:6]}@example.test")
    invited = local_stack.request("POST", f"{ADMIN}/users", token=token,
                                  json={"email": f"new-{uuid.uuid4().hex[:6]}@example.test", "full_name": "New\r\nUser"})
    assert invited.status == 400 and invited.json()["error"]["details"][0]["field"] == "full_name", invited.text


# --- names stored before the rule: the send job -------------------------------------------------


@pytest.fixture
def poisoned_world(local_stack, database, tenant_factory):
    """An event and a brand whose names hold CR LF, and three attendees: one with an address that
    holds a line break (stored before validation existed), two fine."""
    world = make_world(database, tenant_factory(), [
        {"email": unique_email("ada"), "first_name": "Ada", "last_name": "Lovelace"},
        {"email": unique_email("grace"), "first_name": "Grace\r\nX-Evil: 1"},
        {"email": unique_email("linus"), "first_name": "Linus"},
    ])
    poisoned_address = f"{world.attendees[2]['email']}\r\nBcc: evil@example.com"
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET name = %s WHERE event_id = %s", (POISON, world.event_id))
        conn.execute("UPDATE brands SET display_name = %s WHERE brand_id = %s", ("Brand\r\nReply-To: evil@example.com", world.brand_id))
        conn.execute("UPDATE attendees SET email = %s WHERE attendee_id = %s", (poisoned_address, world.attendees[2]["attendee_id"]))
    world.attendees[2]["email"] = poisoned_address
    return world


def test_a_poisoned_name_becomes_a_one_line_header_and_the_job_finishes(call_route, claims_for, local_stack, database, poisoned_world):
    world = poisoned_world
    admin = claims_for(world.tenant_id, "admin")
    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert started.status == 202, started
    job_id = started.json["data"]["job"]["job_id"]

    report = local_stack.run_workers_once()
    assert report.failed == 0  # no SQS record failed: nothing is retried, nothing heads for the DLQ

    job = job_row(database, job_id)
    assert (job["status"], job["succeeded"], job["failed"], job["skipped"]) == ("succeeded", 2, 1, 0)
    [error] = job["errors"]
    assert error["attendee_id"] == str(world.attendees[2]["attendee_id"]) and error["code"] == "MESSAGE_NOT_BUILT"
    assert "line breaks or control characters" in error["reason"]
    sends = {s["attendee_id"]: s["status"] for s in sends_of_job(database, job_id)}
    assert sends == {world.attendees[0]["attendee_id"]: "sent", world.attendees[1]["attendee_id"]: "sent",
                     world.attendees[2]["attendee_id"]: "failed"}

    for attendee in world.attendees[:2]:
        [message] = captured_for(local_stack, attendee["email"])
        assert message["Subject"] == "Your digital card for Expo Bcc: evil@example.com"  # one line: no header smuggled
        assert message["Bcc"] is None and message["Reply-To"] is None and message["X-Evil"] is None
        assert "Brand Reply-To: evil@example.com" in message["From"]
    assert not [m for m in local_stack.sent_emails() if "evil@example.com" in str(m["destinations"])]
    assert not [m for m in local_stack.sent_emails() if world.attendees[2]["email"].split("\r")[0] in str(m["destinations"])]

    again = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={"audience": "all"})
    assert again.status == 202, again  # not 409: no job is left running
