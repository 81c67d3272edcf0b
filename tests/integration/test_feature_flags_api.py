"""Feature flags through their real handlers against the real database: read, replace (flags not
named are removed, unchanged flags keep their timestamp), validation, tenancy, roles, audit."""

from __future__ import annotations

import psycopg
import pytest

FLAGS = "/api/v1/admin/feature-flags"


@pytest.fixture
def tenant(tenant_factory, claims_for):
    tenant_id = tenant_factory()
    return {"id": tenant_id, "admin": claims_for(tenant_id, "admin"), "role": lambda role: claims_for(tenant_id, role)}


def test_replace_and_read_flags(call_route, tenant, database):
    empty = call_route("GET", FLAGS, claims=tenant["admin"])
    assert (empty.status, empty.json["data"]) == (200, {})

    first = {
        "google_wallet": {"enabled": True},
        "email.batch_size": {"enabled": True, "value": 50},
        "beta:analytics": {"enabled": False, "value": {"cohort": ["a", "b"], "ratio": 0.5}},
    }
    response = call_route("PUT", FLAGS, claims=tenant["admin"], json_body=first)
    assert response.status == 200, response
    data = response.json["data"]
    assert {key: {"enabled": v["enabled"], "value": v["value"]} for key, v in data.items()} == {
        "google_wallet": {"enabled": True, "value": None},
        "email.batch_size": {"enabled": True, "value": 50},
        "beta:analytics": {"enabled": False, "value": {"cohort": ["a", "b"], "ratio": 0.5}},
    }
    assert call_route("GET", FLAGS, claims=tenant["admin"]).json["data"] == data

    # Replace: one kept as is, one changed, one removed, one added.
    second = {"google_wallet": {"enabled": True}, "email.batch_size": {"enabled": False, "value": 10}, "apple_wallet": {"enabled": True}}
    replaced = call_route("PUT", FLAGS, claims=tenant["admin"], json_body=second).json["data"]
    assert set(replaced) == {"google_wallet", "email.batch_size", "apple_wallet"}
    assert replaced["email.batch_size"]["value"] == 10
    assert replaced["google_wallet"]["updated_at"] == data["google_wallet"]["updated_at"]

    # The same set again changes nothing and writes no audit entry.
    assert call_route("PUT", FLAGS, claims=tenant["admin"], json_body=second).json["data"] == replaced

    with psycopg.connect(database.admin_url) as conn:
        entries = conn.execute(
            "SELECT action, entity_type, entity_id, before, after FROM audit_log WHERE tenant_id = %s ORDER BY audit_id", (tenant["id"],)
        ).fetchall()
    assert [(e[0], e[1], e[2]) for e in entries] == [("feature_flags.replace", "feature_flags", str(tenant["id"]))] * 2
    assert entries[0][3] == {"flags": {}}
    assert entries[1][3]["flags"]["beta:analytics"]["enabled"] is False
    assert "beta:analytics" not in entries[1][4]["flags"]

    cleared = call_route("PUT", FLAGS, claims=tenant["admin"], json_body={})
    assert cleared.json["data"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"1starts_with_digit": {"enabled": True}}, "1starts_with_digit.[key]"),
        ({"has space": {"enabled": True}}, "has space.[key]"),
        ({"x" * 101: {"enabled": True}}, f"{'x' * 101}.[key]"),
        ({"ok": {"value": 1}}, "ok.enabled"),
        ({"ok": {"enabled": "maybe"}}, "ok.enabled"),
        ({"ok": {"enabled": True, "extra": 1}}, "ok.extra"),
        ({"ok": True}, "ok"),
        ({f"f{i}": {"enabled": True} for i in range(201)}, "body"),
    ],
)
def test_invalid_flags_are_refused_and_nothing_changes(call_route, tenant, body, field):
    call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"keep": {"enabled": True}})
    response = call_route("PUT", FLAGS, claims=tenant["admin"], json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in response.json["error"]["details"]]
    assert list(call_route("GET", FLAGS, claims=tenant["admin"]).json["data"]) == ["keep"]


def test_a_list_body_is_refused(call_route, tenant):
    response = call_route("PUT", FLAGS, claims=tenant["admin"], json_body=[{"enabled": True}])
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_flags_belong_to_one_tenant(call_route, tenant, tenant_factory, claims_for):
    call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"secret_feature": {"enabled": True}})
    other = claims_for(tenant_factory(), "admin")
    assert call_route("GET", FLAGS, claims=other).json["data"] == {}
    call_route("PUT", FLAGS, claims=other, json_body={})
    assert list(call_route("GET", FLAGS, claims=tenant["admin"]).json["data"]) == ["secret_feature"]


def test_only_admins_see_or_change_flags(call_route, tenant):
    for role in ("user", "exhibitor"):
        for method, body in (("GET", None), ("PUT", {})):
            response = call_route(method, FLAGS, claims=tenant["role"](role), json_body=body)
            assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN")


def test_services_read_flags_with_is_enabled(call_route, tenant):
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.feature_flags import is_enabled

    call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"on": {"enabled": True}, "off": {"enabled": False}})
    with tenant_tx(tenant["id"]) as conn:
        assert is_enabled(conn, tenant["id"], "on") is True
        assert is_enabled(conn, tenant["id"], "off") is False
        assert is_enabled(conn, tenant["id"], "unknown") is False
        assert is_enabled(conn, tenant["id"], "unknown", default=True) is True
