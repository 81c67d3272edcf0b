"""Regressions found by the fuzzer (tests/fuzz): request bodies the handler wrapper must refuse
with the error envelope instead of failing with a 500."""

from __future__ import annotations

import psycopg
import pytest

import routes

JSON_WRITES = [r for r in routes.ROUTES if r.method in ("POST", "PUT", "PATCH") and not r.is_public]


@pytest.mark.parametrize("body", [b"\x81\xd7not-utf8", b"\xe4", b'{"name": "\xff"}'], ids=["binary", "truncated", "bad-byte-in-string"])
def test_a_json_body_that_is_not_utf8_is_invalid_json_not_a_500(call_route, tenant_factory, claims_for, database, body):
    tenant = tenant_factory()
    response = call_route("POST", "/api/v1/admin/events", claims=claims_for(tenant, "admin"), body=body, content_type="application/json")
    assert response.status == 400, response
    assert response.json["error"]["code"] == "INVALID_JSON"
    assert response.json["error"]["correlation_id"] == response.headers["x-correlation-id"]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE tenant_id = %s", (tenant,)).fetchone()[0] == 0


@pytest.mark.parametrize("route", JSON_WRITES, ids=[r.route_key for r in JSON_WRITES])
def test_no_json_write_route_answers_500_to_a_non_utf8_body(call_route, tenant_factory, claims_for, route):
    import re
    import uuid

    path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), route.path)
    role = "admin" if "admin" in route.roles else route.roles[0]
    response = call_route(route.method, path, claims=claims_for(tenant_factory(), role), body=b"\x81\xd7\x00\xff", content_type="application/json")
    assert response.status < 500, response
    assert response.json["error"]["code"] in ("INVALID_JSON", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR"), response


@pytest.mark.parametrize(
    ("path", "body", "field", "reason"),
    [
        ("/api/v1/admin/events", {"name": "Expo", "slug": "Expo 2030!", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T09:00:00Z"},
         "slug", "must be lower-case letters and digits, words joined by single hyphens (like expo-2030)"),
        ("/api/v1/admin/brands", {"brand_key": "main brand", "display_name": "Main"},
         "brand_key", "must be capital letters, digits and _ only (like EXPO_2030)"),
    ],
)
def test_a_value_of_the_wrong_form_is_explained_in_words_with_the_pattern_beside(call_route, tenant_factory, claims_for, path, body, field, reason):
    """Validation messages a person can act on: no regular expression in the reason; clients that
    check before sending get the pattern in its own field."""
    response = call_route("POST", path, claims=claims_for(tenant_factory(), "admin"), json_body=body)
    assert response.status == 400, response
    [detail] = [d for d in response.json["error"]["details"] if d["field"] == field]
    assert detail["reason"] == reason
    assert "^" not in detail["reason"] and "[" not in detail["reason"]
    assert detail["pattern"].startswith("^") and detail["pattern"].endswith("$")
