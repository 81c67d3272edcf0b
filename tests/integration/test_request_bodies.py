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
    ("path", "body", "field", "words"),
    [
        ("/api/v1/admin/events", {"name": "Summit", "slug": "Summit 2027!", "starts_at": "2027-05-01T09:00:00Z", "ends_at": "2027-05-02T09:00:00Z"},
         "slug", "lower-case letters, digits and hyphens"),
        ("/api/v1/admin/brands", {"brand_key": "acme events", "display_name": "Acme"}, "brand_key", "capital letters, digits and _"),
        ("/api/v1/admin/brands", {"brand_key": "ACME", "display_name": "Acme", "theme": {"primary_color": "teal"}},
         "theme.primary_color", "hex colour such as #0f766e"),
    ],
    ids=["slug", "brand_key", "colour"],
)
def test_a_pattern_failure_is_explained_in_words_with_the_pattern_beside(call_route, tenant_factory, claims_for, path, body, field, words):
    response = call_route("POST", path, claims=claims_for(tenant_factory(), "admin"), json_body=body)
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR"), response
    [detail] = [d for d in response.json["error"]["details"] if d["field"] == field]
    assert words in detail["reason"]
    assert "^" not in detail["reason"] and "pattern" not in detail["reason"]
    assert detail["pattern"].startswith("^")  # for clients that check it themselves


def test_every_pattern_of_the_api_has_words():
    """A new patterned field without a human wording would fall back to a vague reason."""
    import importlib
    import json
    import pkgutil
    from pathlib import Path

    import outreachpass.models
    from outreachpass.models.common import PATTERN_HINTS

    for module in pkgutil.iter_modules(outreachpass.models.__path__):
        importlib.import_module(f"outreachpass.models.{module.name}")
    document = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    patterns: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str) and node.get("type") == "string":
                patterns.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document.get("components", {}).get("schemas", {}))
    walk(document.get("paths", {}))
    patterns.discard("^[A-Z][A-Z0-9_]*$")  # the error code's own shape, in responses only
    assert patterns, "the document has patterns"
    assert sorted(patterns - set(PATTERN_HINTS)) == []
