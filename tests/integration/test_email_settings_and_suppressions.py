"""The tenant's sender (GET/PUT /api/v1/admin/email-settings, checked against SES's identities in
moto) and its suppression list (GET paged and searched, POST, DELETE), through their routes,
admin only, per tenant; the sender a real send then uses."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, make_world, unique_email

SETTINGS = f"{ADMIN}/email-settings"
SUPPRESSIONS = f"{ADMIN}/suppressions"


@pytest.fixture
def tenant(local_stack, tenant_factory):
    return tenant_factory()


@pytest.fixture
def admin(tenant, claims_for):
    return claims_for(tenant, "admin")


def verified_domain(local_stack) -> str:
    domain = f"mail-{uuid.uuid4().hex[:8]}.example.org"
    local_stack.boto("ses").verify_domain_identity(Domain=domain)
    return domain


def test_sender_settings_default_then_a_verified_sender_is_used_by_the_next_send(call_route, local_stack, database, tenant, admin):
    empty = call_route("GET", SETTINGS, claims=admin)
    assert empty.status == 200, empty
    assert empty.json["data"] == {"from_name": None, "from_email": None, "reply_to": None, "updated_at": None}

    domain = verified_domain(local_stack)
    # a subdomain is covered by its verified parent (SES sends from it; moto's send does not know that)
    covered = call_route("PUT", SETTINGS, claims=admin, json_body={"from_email": f"Events@news.{domain}"})
    assert covered.status == 200, covered
    assert covered.json["data"]["from_email"] == f"events@news.{domain}"
    put = call_route("PUT", SETTINGS, claims=admin, json_body={
        "from_name": "Expo Team", "from_email": f"events@{domain}", "reply_to": f"help@{domain}"})
    assert put.status == 200, put
    assert put.json["data"]["updated_at"]
    assert call_route("GET", SETTINGS, claims=admin).json["data"]["from_name"] == "Expo Team"

    world = make_world(database, tenant, [{"email": unique_email("ada"), "first_name": "Ada"}])
    started = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=admin, json_body={})
    assert started.status == 202
    local_stack.run_workers_once()
    job = call_route("GET", f"{ADMIN}/jobs/{started.json['data']['job']['job_id']}", claims=admin).json["data"]
    assert job["status"] == "succeeded", (job["errors"], job["error"])
    [message] = captured_for(local_stack, world.attendees[0]["email"])
    assert message["From"].addresses[0].addr_spec == f"events@{domain}"
    assert message["From"].addresses[0].display_name == "Expo Team"
    assert str(message["Reply-To"]) == f"help@{domain}"


@pytest.mark.parametrize("body, field, code", [
    ({"from_email": "events@unverified-domain.example.net"}, "from_email", "SENDER_NOT_VERIFIED"),
    ({"from_email": "not an address"}, "from_email", "VALIDATION_ERROR"),
    ({"from_name": "Expo\r\nBcc: x@example.com"}, "from_name", "VALIDATION_ERROR"),
    ({"reply_to": "x@"}, "reply_to", "VALIDATION_ERROR"),
])
def test_a_sender_ses_cannot_use_or_a_bad_field_is_refused(call_route, local_stack, database, tenant, admin, body, field, code):
    response = call_route("PUT", SETTINGS, claims=admin, json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == code
    details = {d["field"]: d["reason"] for d in response.json["error"]["details"]}
    assert field in details
    if code == "SENDER_NOT_VERIFIED":
        assert "unverified-domain.example.net" in details[field]
    assert call_route("GET", SETTINGS, claims=admin).json["data"]["updated_at"] is None


def test_only_admins_manage_the_sender_and_the_list(call_route, tenant, claims_for):
    editor = claims_for(tenant, "user")
    for method, path, body in (("GET", SETTINGS, None), ("PUT", SETTINGS, {}), ("GET", SUPPRESSIONS, None),
                               ("POST", SUPPRESSIONS, {"email": "a@example.com"}),
                               ("DELETE", f"{SUPPRESSIONS}/a@example.com", None)):
        response = call_route(method, path, claims=editor, json_body=body)
        assert response.status == 403, (method, path, response.status)


def test_the_suppression_list_add_search_page_delete(call_route, database, tenant, admin, tenant_factory, claims_for):
    added = call_route("POST", SUPPRESSIONS, claims=admin, json_body={"email": "Bob@Example.com", "note": "asked by phone"})
    assert added.status == 201, added
    assert added.json["data"] | {"created_at": None} == {"email": "bob@example.com", "reason": "manual",
                                                          "note": "asked by phone", "created_at": None}
    again = call_route("POST", SUPPRESSIONS, claims=admin, json_body={"email": "bob@example.com", "reason": "complaint"})
    assert again.status == 200 and again.json["data"]["reason"] == "manual"  # the first entry is kept
    for i in range(5):
        assert call_route("POST", SUPPRESSIONS, claims=admin, json_body={"email": f"user{i}@corp.example.com"}).status == 201
    with psycopg.connect(database.admin_url, autocommit=True) as conn:  # as the SES events would
        conn.execute("INSERT INTO email_suppressions (tenant_id, email, reason) VALUES (%s, 'gone_1%%@corp.example.com', 'bounce')", (tenant,))

    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = call_route("GET", SUPPRESSIONS + query, claims=admin)
        assert page.status == 200, page
        seen += [item["email"] for item in page.json["data"]]
        cursor = page.json["meta"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7 and seen[-1] == "bob@example.com"  # newest first, each once

    def search(query: str) -> list[str]:
        response = call_route("GET", SUPPRESSIONS + query, claims=admin)
        assert response.status == 200, response
        return sorted(item["email"] for item in response.json["data"])

    assert search("?q=CORP") == sorted([*(f"user{i}@corp.example.com" for i in range(5)), "gone_1%@corp.example.com"])
    assert search("?q=1%25") == ["gone_1%@corp.example.com"]  # % is a character, not a wildcard
    assert search("?q=_") == ["gone_1%@corp.example.com"]
    assert search("?reason=bounce") == ["gone_1%@corp.example.com"]
    bad = call_route("GET", SUPPRESSIONS + "?cursor=not-a-cursor", claims=admin)
    assert bad.status == 400 and bad.json["error"]["details"][0]["field"] == "cursor"
    assert call_route("GET", SUPPRESSIONS + "?reason=spam", claims=admin).status == 400

    # another tenant sees none of it and cannot remove it
    stranger = claims_for(tenant_factory(), "admin")
    assert call_route("GET", SUPPRESSIONS, claims=stranger).json["data"] == []
    assert call_route("DELETE", f"{SUPPRESSIONS}/bob@example.com", claims=stranger).status == 404

    removed = call_route("DELETE", f"{SUPPRESSIONS}/{quote('Bob@example.com')}", claims=admin)
    assert removed.status == 204, removed
    missing = call_route("DELETE", f"{SUPPRESSIONS}/bob@example.com", claims=admin)
    assert missing.status == 404 and missing.json["error"]["code"] == "SUPPRESSION_NOT_FOUND"
    assert "bob@example.com" not in search("")
    with psycopg.connect(database.admin_url) as conn:
        actions = {r[0] for r in conn.execute("SELECT action FROM audit_log WHERE tenant_id = %s", (tenant,)).fetchall()}
    assert {"suppressions.add", "suppressions.remove"} <= actions


@pytest.mark.parametrize("body, field", [
    ({"email": "not-an-address"}, "email"),
    ({"email": "a@example.com", "reason": "spam"}, "reason"),
    ({"email": "a@example.com", "note": "x" * 501}, "note"),
    ({"email": "a@example.com", "note": "nul\x00"}, "note"),
])
def test_a_bad_suppression_is_refused_by_field(call_route, database, tenant, admin, body, field):
    response = call_route("POST", SUPPRESSIONS, claims=admin, json_body=body)
    assert response.status == 400, response
    assert field in [d["field"] for d in response.json["error"]["details"]]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM email_suppressions WHERE tenant_id = %s", (tenant,)).fetchone()[0] == 0
