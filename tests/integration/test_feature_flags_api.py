"""Feature flags through their real handlers against the real database: every known flag is
listed with its default, a PUT sets the named flags and returns the others to their default,
unknown flags and bad values are refused by name, tenancy, roles, audit. (What each flag
switches is tested through the card routes in test_feature_flag_gates.py.)"""

from __future__ import annotations

import psycopg
import pytest

from outreachpass.models.feature_flags import FLAGS, FeatureFlags, FeatureFlagsReplace

URL = "/api/v1/admin/feature-flags"
DEFAULTS = {key: {"enabled": True, "source": "default", "updated_at": None} for key in FLAGS}


@pytest.fixture
def tenant(tenant_factory, claims_for):
    tenant_id = tenant_factory()
    return {"id": tenant_id, "admin": claims_for(tenant_id, "admin"), "role": lambda role: claims_for(tenant_id, role)}


def enabled(data: dict) -> dict[str, bool]:
    return {key: value["enabled"] for key, value in data.items()}


def test_the_registry_and_both_bodies_name_the_same_flags():
    assert set(FLAGS) >= {"apple_wallet", "google_wallet", "vcard_download", "share_button", "email_open_tracking", "contact_share"}
    assert list(FeatureFlagsReplace.model_fields) == list(FLAGS)
    assert list(FeatureFlags.model_fields) == list(FLAGS)


def test_every_flag_is_on_by_default_and_a_put_sets_the_named_ones(call_route, tenant, database):
    empty = call_route("GET", URL, claims=tenant["admin"])
    assert (empty.status, empty.json["data"]) == (200, DEFAULTS)

    response = call_route("PUT", URL, claims=tenant["admin"], json_body={"apple_wallet": {"enabled": False}, "share_button": {"enabled": True}})
    assert response.status == 200, response
    data = response.json["data"]
    assert enabled(data) == {**{key: True for key in FLAGS}, "apple_wallet": False}
    assert (data["apple_wallet"]["source"], data["share_button"]["source"], data["google_wallet"]["source"]) == ("tenant", "tenant", "default")
    assert data["apple_wallet"]["updated_at"] and data["google_wallet"]["updated_at"] is None
    assert call_route("GET", URL, claims=tenant["admin"]).json["data"] == data

    # A flag left out goes back to its default; an unchanged one keeps its timestamp.
    second = {"share_button": {"enabled": True}, "email_open_tracking": {"enabled": False}}
    replaced = call_route("PUT", URL, claims=tenant["admin"], json_body=second).json["data"]
    assert enabled(replaced) == {**{key: True for key in FLAGS}, "email_open_tracking": False}
    assert replaced["apple_wallet"] == DEFAULTS["apple_wallet"]
    assert replaced["share_button"]["updated_at"] == data["share_button"]["updated_at"]

    # The same body again changes nothing and writes no audit entry.
    assert call_route("PUT", URL, claims=tenant["admin"], json_body=second).json["data"] == replaced
    with psycopg.connect(database.admin_url) as conn:
        entries = conn.execute(
            "SELECT action, entity_type, entity_id, before, after FROM audit_log WHERE tenant_id = %s ORDER BY audit_id", (tenant["id"],)
        ).fetchall()
    assert [(e[0], e[1], e[2]) for e in entries] == [("feature_flags.replace", "feature_flags", str(tenant["id"]))] * 2
    assert (entries[0][3], entries[0][4]) == ({"flags": {}}, {"flags": {"apple_wallet": False, "share_button": True}})
    assert entries[1][4] == {"flags": {"share_button": True, "email_open_tracking": False}}

    assert call_route("PUT", URL, claims=tenant["admin"], json_body={}).json["data"] == DEFAULTS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"beta_feature": {"enabled": True}}, "beta_feature"),
        ({"apple_wallet": {"enabled": False}, "Apple_Wallet": {"enabled": False}}, "Apple_Wallet"),
        ({"apple_wallet": {"value": 1}}, "apple_wallet.enabled"),
        ({"apple_wallet": {"enabled": "maybe"}}, "apple_wallet.enabled"),
        ({"apple_wallet": {"enabled": True, "value": 50}}, "apple_wallet.value"),
        ({"apple_wallet": True}, "apple_wallet"),
    ],
)
def test_unknown_flags_and_bad_values_are_refused_by_name_and_nothing_changes(call_route, tenant, body, field):
    call_route("PUT", URL, claims=tenant["admin"], json_body={"vcard_download": {"enabled": False}})
    response = call_route("PUT", URL, claims=tenant["admin"], json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    details = {d["field"]: d["reason"] for d in response.json["error"]["details"]}
    assert field in details, details
    if field in ("beta_feature", "Apple_Wallet"):
        assert field in response.json["error"]["message"]
        assert "apple_wallet" in details[field]  # says which flags exist
    assert enabled(call_route("GET", URL, claims=tenant["admin"]).json["data"])["vcard_download"] is False


def test_a_list_body_is_refused(call_route, tenant):
    response = call_route("PUT", URL, claims=tenant["admin"], json_body=[{"enabled": True}])
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_rows_of_flags_no_longer_known_are_not_shown_and_go_on_the_next_put(call_route, tenant, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("INSERT INTO feature_flags (tenant_id, flag_key, enabled) VALUES (%s, 'retired_flag', false)", (tenant["id"],))
    assert call_route("GET", URL, claims=tenant["admin"]).json["data"] == DEFAULTS
    call_route("PUT", URL, claims=tenant["admin"], json_body={"share_button": {"enabled": False}})
    with psycopg.connect(database.admin_url) as conn:
        keys = [row[0] for row in conn.execute("SELECT flag_key FROM feature_flags WHERE tenant_id = %s", (tenant["id"],))]
    assert keys == ["share_button"]


def test_flags_belong_to_one_tenant(call_route, tenant, tenant_factory, claims_for):
    call_route("PUT", URL, claims=tenant["admin"], json_body={"google_wallet": {"enabled": False}})
    other = claims_for(tenant_factory(), "admin")
    assert call_route("GET", URL, claims=other).json["data"] == DEFAULTS
    call_route("PUT", URL, claims=other, json_body={})
    assert enabled(call_route("GET", URL, claims=tenant["admin"]).json["data"])["google_wallet"] is False


def test_only_admins_see_or_change_flags(call_route, tenant):
    for role in ("user", "exhibitor"):
        for method, body in (("GET", None), ("PUT", {})):
            response = call_route(method, URL, claims=tenant["role"](role), json_body=body)
            assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN")


def test_services_read_a_flag_with_its_default(call_route, tenant):
    from outreachpass.db.connection import tenant_tx
    from outreachpass.services.feature_flags import is_enabled

    call_route("PUT", URL, claims=tenant["admin"], json_body={"apple_wallet": {"enabled": False}, "google_wallet": {"enabled": True}})
    with tenant_tx(tenant["id"]) as conn:
        assert is_enabled(conn, tenant["id"], "apple_wallet") is False
        assert is_enabled(conn, tenant["id"], "google_wallet") is True
        assert is_enabled(conn, tenant["id"], "vcard_download") is True  # not set: on
        with pytest.raises(ValueError, match="unknown feature flag"):
            is_enabled(conn, tenant["id"], "no_such_flag")
