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
