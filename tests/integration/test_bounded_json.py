"""Free-form JSON within bounds, through the real handlers against the real database.

Every free-form JSON field the API accepts (event settings; feature flags take none) is refused at
validation, 400 VALIDATION_ERROR naming the field, when it is nested too deep, too large, holds
a number out of range or a NUL character; nothing is written. A body nested deeper than the
parser goes is refused the same way, never a RecursionError 500. And a row written before the
bounds (inserted here as the database owner would have kept it) still lists and reads: the
readers clip it, and migration V0620 repairs it.
"""

from __future__ import annotations

import json
import shutil
import uuid

import psycopg
import pytest
from psycopg.types.json import Jsonb

from outreachpass.db.migrate.files import default_migrations_dir, load_migrations
from outreachpass.db.migrate.runner import apply_migrations
from outreachpass.models.bounded_json import MAX_BYTES, MAX_DEPTH, MAX_SAFE_INTEGER
from tests.fixtures.database import seed_tenant_graph

ADMIN = "/api/v1/admin"
FLAGS = f"{ADMIN}/feature-flags"


def nested(levels: int, leaf=1) -> dict:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def nested_text(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def event_body(**overrides) -> dict:
    body = {"name": "Bounded Expo", "slug": f"bounded-{uuid.uuid4().hex[:8]}", "starts_at": "2031-04-01T09:00:00Z",
            "ends_at": "2031-04-02T18:00:00Z", "timezone": "UTC"}
    return {**body, **overrides}


def raw_event(settings_text: str) -> bytes:
    """An event body whose settings are the given JSON text (what json.dumps cannot write)."""
    return json.dumps(event_body(settings={"x": 0})).replace('{"x": 0}', settings_text).encode()


@pytest.fixture
def tenant(tenant_factory, call_route, claims_for):
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    brand = call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand
    return {"id": tenant_id, "admin": admin}


def count(database, table: str, tenant_id) -> int:
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]


def assert_refused(response, field: str, words: str) -> None:
    assert response.status == 400, response
    error = response.json["error"]
    assert error["code"] == "VALIDATION_ERROR", error
    assert [d["field"] for d in error["details"]] == [field], error
    assert words in error["details"][0]["reason"], error


@pytest.mark.parametrize(
    ("settings_text", "words"),
    [
        (nested_text(300), "nested more than"),  # the case: 500 and a committed row before
        (nested_text(3000), "nested more than"),  # deeper than Python's parser goes
        (nested_text(MAX_DEPTH + 1), "nested more than"),  # the settings object itself is level 1
        ('{"n": ' + "9" * 5000 + "}", "number outside"),  # 5,000 digits: Python refuses to parse it
        ('{"n": 1e400}', "number outside"),  # beyond float range: would be Infinity
        (json.dumps({"n": MAX_SAFE_INTEGER + 1}), "number outside"),
        (json.dumps({"s": "a\u0000b"}), "NUL"),
        (json.dumps({"a\u0000": 1}), "NUL"),
        ('{"s": "\\ud800"}', "lone surrogate"),
        (json.dumps({"blob": "x" * MAX_BYTES}), "bytes as JSON"),
    ],
    ids=["300-deep", "3000-deep", "one-level-too-deep", "5000-digits", "1e400", "2^53", "nul-value", "nul-key", "lone-surrogate", "too-large"],
)
def test_bad_settings_are_refused_naming_the_field_and_nothing_is_written(call_route, tenant, database, settings_text, words):
    before = count(database, "events", tenant["id"])
    created = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], body=raw_event(settings_text), content_type="application/json")
    assert_refused(created, "settings", words)
    assert count(database, "events", tenant["id"]) == before
    listed = call_route("GET", f"{ADMIN}/events", claims=tenant["admin"])
    assert listed.status == 200, listed


def test_settings_within_the_bounds_are_kept_exactly(call_route, tenant):
    settings = {"deep": nested(MAX_DEPTH - 2, leaf=[1, 2.5, "x"]), "big": MAX_SAFE_INTEGER, "small": -MAX_SAFE_INTEGER,
                "text": "line\nbreaks\tare fine", "none": None}
    created = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body(settings=settings))
    assert created.status == 201, created
    event_id = created.json["data"]["event_id"]
    assert call_route("GET", f"{ADMIN}/events/{event_id}", claims=tenant["admin"]).json["data"]["settings"] == settings


def test_an_update_is_bounded_too(call_route, tenant, database):
    created = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body(settings={"keep": 1}))
    event_id = created.json["data"]["event_id"]
    patched = call_route("PATCH", f"{ADMIN}/events/{event_id}", claims=tenant["admin"], json_body={"settings": nested(400)})
    assert_refused(patched, "settings", "nested more than")
    assert call_route("GET", f"{ADMIN}/events/{event_id}", claims=tenant["admin"]).json["data"]["settings"] == {"keep": 1}


def test_feature_flags_carry_no_free_form_value(call_route, tenant, database):
    """A flag is only switched on or off (the closed registry of models.feature_flags): a `value`,
    however deep or large, is refused naming it, as is an unknown flag; nothing is written."""
    assert_refused(call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"apple_wallet": {"enabled": True, "value": nested(20)}}),
                   "apple_wallet.value", "")
    raw = b'{"apple_wallet": {"enabled": true, "value": ' + b"1" * 5000 + b"}}"
    assert_refused(call_route("PUT", FLAGS, claims=tenant["admin"], body=raw, content_type="application/json"), "apple_wallet.value", "")
    unknown = call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"beta": {"enabled": True, "value": "x" * 2000}})
    assert unknown.status == 400 and unknown.json["error"]["code"] == "VALIDATION_ERROR", unknown
    assert "beta" in json.dumps(unknown.json["error"]["details"]), unknown
    assert count(database, "feature_flags", tenant["id"]) == 0
    fine = call_route("PUT", FLAGS, claims=tenant["admin"], json_body={"apple_wallet": {"enabled": False}})
    assert fine.status == 200 and fine.json["data"]["apple_wallet"]["enabled"] is False
    assert "value" not in fine.json["data"]["apple_wallet"]


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", f"{ADMIN}/events", "application/json"),  # Powertools' body validation
        ("POST", "/api/track/events", "text/plain"),  # read by hand (api.body.parse_json)
        ("POST", "IMPORTS", "application/json"),  # read by hand, optional body
    ],
)
def test_a_body_deeper_than_the_parser_goes_is_a_400_not_a_recursion_error(call_route, tenant, method, path, content_type):
    if path == "IMPORTS":
        event = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
        path = f"{ADMIN}/events/{event['event_id']}/imports"
    levels = 100 if path == "/api/track/events" else 100_000  # the beacon takes 1 KiB at most
    for body in (("[" * levels + "]" * levels).encode(), ('{"filename": ' + nested_text(min(levels, 5000)) + "}").encode()):
        response = call_route(method, path, claims=None if path.startswith("/api/track") else tenant["admin"], body=body,
                              content_type=content_type)
        assert response.status == 400, response
        assert response.json["error"]["code"] in ("VALIDATION_ERROR", "INVALID_JSON"), response
        if response.json["error"]["code"] == "VALIDATION_ERROR":
            assert "nested more than" in json.dumps(response.json["error"]["details"]), response


def test_nan_and_infinity_are_not_json(call_route, tenant):
    for text in ('{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}'):
        response = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], body=raw_event(text), content_type="application/json")
        assert response.status == 400 and response.json["error"]["code"] == "INVALID_JSON", response


# --- rows written before the bounds ------------------------------------------------------------


def poison(database, tenant_id) -> dict:
    """A tenant's rows as they could be stored before the bounds, in every free-form column: 300
    levels deep (pydantic's serializer gives up), 2,000 (Python's parser does), a 4,200-digit
    integer (Python parses it) and a 5,000-digit one (Python refuses)."""
    deep = "repeat('{\"a\":', 2000) || '1' || repeat('}', 2000)"
    deep300 = "repeat('{\"a\":', 300) || '1' || repeat('}', 300)"
    huge = "9" * 5000
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        ids = seed_tenant_graph(conn, tenant_id)
        big = "8" * 4200
        conn.execute(f"UPDATE events SET settings_json = jsonb_build_object('deep', ({deep300})::jsonb, 'huge', {huge}::numeric, "
                     f"'big', {big}::numeric, 'ok', 'kept') WHERE event_id = %s", (ids["event_id"],))
        conn.execute(f"UPDATE brands SET features_json = jsonb_build_object('deep', ({deep})::jsonb), "
                     f"theme_json = jsonb_build_object('n', {huge}::numeric) WHERE brand_id = %s", (ids["brand_id"],))
        conn.execute(f"UPDATE cards SET links_json = ({deep})::jsonb WHERE card_id = %s", (ids["card_id"],))
        conn.execute(f"UPDATE attendees SET flags_json = jsonb_build_object('d', %s::jsonb, 'n', {huge}::numeric) "
                     "WHERE attendee_id = %s", (json.dumps(nested(300)), ids["attendee_id"]))
        conn.execute(f"UPDATE feature_flags SET value = ({deep})::jsonb WHERE tenant_id = %s", (tenant_id,))
        conn.execute(f"UPDATE audit_log SET after = jsonb_build_object('settings_json', ({deep})::jsonb, 'n', {huge}::numeric) "
                     "WHERE tenant_id = %s", (tenant_id,))
    return ids


def test_rows_stored_before_the_bounds_still_list_and_read(call_route, tenant_factory, claims_for, database):
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    ids = poison(database, tenant_id)

    listed = call_route("GET", f"{ADMIN}/events", claims=admin)
    assert listed.status == 200, listed
    [event] = [e for e in listed.json["data"] if e["event_id"] == str(ids["event_id"])]
    assert event["settings"]["ok"] == "kept"
    assert event["settings"]["huge"] is None and event["settings"]["big"] is None  # out of range: clipped
    depth, value = 0, event["settings"]["deep"]
    while isinstance(value, dict):
        depth, value = depth + 1, value["a"]
    assert depth == MAX_DEPTH - 1 and value is None  # settings itself is level 1

    for path in (f"{ADMIN}/events/{ids['event_id']}", f"{ADMIN}/brands", f"{ADMIN}/brands/{ids['brand_id']}",
                 f"{ADMIN}/cards/{ids['card_id']}", f"{ADMIN}/attendees/{ids['attendee_id']}",
                 f"{ADMIN}/events/{ids['event_id']}/attendees", FLAGS, f"{ADMIN}/audit-log"):
        response = call_route("GET", path, claims=admin)
        assert response.status == 200, (path, response)
    brand = call_route("GET", f"{ADMIN}/brands/{ids['brand_id']}", claims=admin).json["data"]
    assert brand["theme"] == {"n": None}
    assert brand["features"] == {}  # 2,000 levels: not parsed at all (V0620 clipped such rows at deploy)
    attendee = call_route("GET", f"{ADMIN}/attendees/{ids['attendee_id']}", claims=admin).json["data"]
    assert attendee["flags"]["n"] is None
    page = call_route("GET", f"/c/{ids['card_id']}")
    assert page.status == 200 and "Ada Lovelace" in page.text


def test_the_migration_repairs_rows_stored_before_the_bounds(empty_database_url, tmp_path, database):
    url = empty_database_url()
    before = tmp_path / "before"
    before.mkdir()
    for migration in load_migrations(default_migrations_dir()):
        if migration.number < 620:
            shutil.copy(migration.path, before / migration.path.name)
    apply_migrations(url, migrations_dir=before)

    class Old:
        admin_url = url

    with psycopg.connect(url, autocommit=True) as conn:
        tenant_id = conn.execute("INSERT INTO tenants (name) VALUES ('Old') RETURNING tenant_id").fetchone()[0]
    ids = poison(Old, tenant_id)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET links_json = %s WHERE card_id = %s", (Jsonb({"website": "https://example.org"}), ids["card_id"]))
        untouched = conn.execute("SELECT updated_at FROM cards WHERE card_id = %s", (ids["card_id"],)).fetchone()[0]

    applied = apply_migrations(url)
    assert applied and applied[0] == "0620"
    with psycopg.connect(url) as conn:
        settings = conn.execute("SELECT settings_json::text FROM events WHERE event_id = %s", (ids["event_id"],)).fetchone()[0]
        features, theme = conn.execute("SELECT features_json::text, theme_json FROM brands WHERE brand_id = %s", (ids["brand_id"],)).fetchone()
        flags = conn.execute("SELECT flags_json FROM attendees WHERE attendee_id = %s", (ids["attendee_id"],)).fetchone()[0]
        flag_value = conn.execute("SELECT value::text FROM feature_flags WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]
        links, card_updated = conn.execute("SELECT links_json, updated_at FROM cards WHERE card_id = %s", (ids["card_id"],)).fetchone()
    parsed = json.loads(settings)
    assert parsed["ok"] == "kept" and parsed["huge"] is None and parsed["big"] is None
    assert settings.count("{") == MAX_DEPTH  # the settings object and 7 levels under it
    assert features.count("{") == MAX_DEPTH and flag_value.count("{") == MAX_DEPTH
    assert theme == {"n": None}
    assert flags["n"] is None and json.dumps(flags).count("{") == MAX_DEPTH
    assert links == {"website": "https://example.org"} and card_updated == untouched  # a row within bounds is not rewritten
