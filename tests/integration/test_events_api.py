"""Events and brands through their real handlers, against the real database."""

from __future__ import annotations

import uuid

import psycopg
import pytest

ADMIN = "/api/v1/admin"


def event_body(**overrides):
    body = {
        "name": "PyCon Berlin",
        "slug": f"pycon-{uuid.uuid4().hex[:8]}",
        "starts_at": "2027-04-01T09:00:00+02:00",
        "ends_at": "2027-04-03T18:00:00+02:00",
        "timezone": "Europe/Berlin",
    }
    body.update(overrides)
    return body


@pytest.fixture
def tenant(tenant_factory, call_route, claims_for):
    """A tenant with one brand, and admin claims for it."""
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    response = call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"})
    assert response.status == 201, response
    return {"id": tenant_id, "admin": admin, "brand_id": response.json["data"]["brand_id"]}


def count_events(database, tenant_id) -> int:
    with psycopg.connect(database.admin_url) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]


def test_create_read_update_archive_an_event(call_route, tenant, database):
    created = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body(name="Launch"))
    assert created.status == 201, created
    event = created.json["data"]
    assert event["name"] == "Launch"
    assert event["status"] == "draft"
    assert event["brand_id"] == tenant["brand_id"]  # the tenant's default brand
    assert event["starts_at"] == "2027-04-01T07:00:00Z"
    assert created.headers["location"] == f"{ADMIN}/events/{event['event_id']}"
    assert created.json["meta"]["correlation_id"] == created.headers["x-correlation-id"]

    read = call_route("GET", f"{ADMIN}/events/{event['event_id']}", claims=tenant["admin"])
    assert read.status == 200
    assert read.json["data"] == event

    updated = call_route("PATCH", f"{ADMIN}/events/{event['event_id']}", claims=tenant["admin"], json_body={"name": "Launch 2", "status": "active"})
    assert updated.status == 200, updated
    assert updated.json["data"]["name"] == "Launch 2"
    assert updated.json["data"]["status"] == "active"

    archived = call_route("DELETE", f"{ADMIN}/events/{event['event_id']}", claims=tenant["admin"])
    assert archived.status == 200
    assert archived.json["data"]["status"] == "archived"
    listed = call_route("GET", f"{ADMIN}/events?status=archived", claims=tenant["admin"])
    assert [e["event_id"] for e in listed.json["data"]] == [event["event_id"]]

    with psycopg.connect(database.admin_url) as conn:
        actions = [row[0] for row in conn.execute(
            "SELECT action FROM audit_log WHERE tenant_id = %s AND entity_id = %s ORDER BY occurred_at, audit_id",
            (tenant["id"], event["event_id"]),
        )]
    assert actions == ["event.create", "event.update", "event.archive"]


def test_slug_is_unique_per_tenant_only(call_route, tenant, tenant_factory, claims_for):
    body = event_body()
    assert call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=body).status == 201
    again = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=body)
    assert again.status == 409
    assert again.json["error"]["code"] == "EVENT_SLUG_TAKEN"

    other_tenant = tenant_factory()
    other_admin = claims_for(other_tenant, "admin")
    call_route("POST", f"{ADMIN}/brands", claims=other_admin, json_body={"brand_key": "MAIN", "display_name": "Other"})
    assert call_route("POST", f"{ADMIN}/events", claims=other_admin, json_body=body).status == 201


def test_renaming_to_a_taken_slug_conflicts(call_route, tenant):
    first = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
    second = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
    clash = call_route("PATCH", f"{ADMIN}/events/{second['event_id']}", claims=tenant["admin"], json_body={"slug": first["slug"]})
    assert clash.status == 409
    assert clash.json["error"]["code"] == "EVENT_SLUG_TAKEN"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (event_body(ends_at="2027-03-01T09:00:00+02:00"), "ends_at"),
        (event_body(starts_at="2027-04-01T09:00:00"), "starts_at"),  # no offset: ambiguous
        (event_body(name=""), "name"),
        (event_body(name=123), "name"),
        (event_body(slug="Not A Slug"), "slug"),
        (event_body(timezone="Mars/Olympus"), "timezone"),
        (event_body(brand_id="not-a-uuid"), "brand_id"),
        (event_body(unexpected="x"), "unexpected"),
        ({k: v for k, v in event_body().items() if k != "starts_at"}, "starts_at"),
    ],
)
def test_invalid_event_is_refused_with_the_field_and_nothing_written(call_route, tenant, database, body, field):
    before = count_events(database, tenant["id"])
    response = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=body)
    assert response.status == 400, response
    error = response.json["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in error["details"]]
    assert error["correlation_id"] == response.headers["x-correlation-id"]
    assert count_events(database, tenant["id"]) == before


def test_malformed_requests_get_clear_errors(call_route, tenant, database):
    before = count_events(database, tenant["id"])
    not_json = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], body=b'{"name": ', content_type="application/json")
    assert (not_json.status, not_json.json["error"]["code"]) == (400, "INVALID_JSON")

    wrong_type = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], body=b"name=x", content_type="application/x-www-form-urlencoded")
    assert (wrong_type.status, wrong_type.json["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")

    huge = event_body(settings={"notes": "x" * 300_000})
    too_big = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=huge)
    assert (too_big.status, too_big.json["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")

    bad_id = call_route("GET", f"{ADMIN}/events/not-a-uuid", claims=tenant["admin"])
    assert bad_id.status == 400
    assert bad_id.json["error"]["details"][0]["field"] == "event_id"

    unknown_brand = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body(brand_id=str(uuid.uuid4())))
    assert (unknown_brand.status, unknown_brand.json["error"]["code"]) == (422, "BRAND_NOT_FOUND")
    assert count_events(database, tenant["id"]) == before


def test_unknown_and_foreign_events_are_not_found(call_route, tenant, tenant_factory, claims_for):
    mine = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
    intruder = claims_for(tenant_factory(), "admin")
    for method, body in (("GET", None), ("PATCH", {"name": "stolen"}), ("DELETE", None)):
        response = call_route(method, f"{ADMIN}/events/{mine['event_id']}", claims=intruder, json_body=body)
        assert response.status == 404, (method, response)
        assert response.json["error"]["code"] == "EVENT_NOT_FOUND"
    assert call_route("GET", f"{ADMIN}/events", claims=intruder).json["data"] == []
    still = call_route("GET", f"{ADMIN}/events/{mine['event_id']}", claims=tenant["admin"]).json["data"]
    assert still["name"] == mine["name"]
    assert still["status"] == "draft"


def test_cursor_pagination_walks_every_event_once(call_route, tenant):
    ids = {call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]["event_id"] for _ in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = call_route("GET", f"{ADMIN}/events{query}", claims=tenant["admin"])
        assert response.status == 200
        seen += [event["event_id"] for event in response.json["data"]]
        cursor = response.json["meta"]["next_cursor"]
        pages += 1
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == ids


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?limit=abc", "?cursor=garbage", "?status=deleted"])
def test_bad_list_parameters_are_refused(call_route, tenant, query):
    response = call_route("GET", f"{ADMIN}/events{query}", claims=tenant["admin"])
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_roles_and_missing_claims(call_route, tenant, claims_for):
    exhibitor = claims_for(tenant["id"], "exhibitor")
    assert call_route("GET", f"{ADMIN}/events", claims=exhibitor).status == 200
    refused = call_route("POST", f"{ADMIN}/events", claims=exhibitor, json_body=event_body())
    assert (refused.status, refused.json["error"]["code"]) == (403, "FORBIDDEN")
    assert call_route("POST", f"{ADMIN}/brands", claims=claims_for(tenant["id"], "user"), json_body={"brand_key": "X1", "display_name": "x"}).status == 403

    no_claims = call_route("GET", f"{ADMIN}/events")
    assert (no_claims.status, no_claims.json["error"]["code"]) == (401, "UNAUTHORIZED")
    tenantless = {"sub": "abc", "custom:role": "admin"}
    assert call_route("GET", f"{ADMIN}/events", claims=tenantless).status == 401
    odd_role = claims_for(tenant["id"], "superuser")
    assert call_route("GET", f"{ADMIN}/events", claims=odd_role).status == 403


def test_brand_theme_updates_merge_and_keys_are_unique(call_route, tenant):
    brand_id = tenant["brand_id"]
    patched = call_route("PATCH", f"{ADMIN}/brands/{brand_id}", claims=tenant["admin"], json_body={"theme": {"primary_color": "#ff0000"}})
    assert patched.status == 200, patched
    patched = call_route("PATCH", f"{ADMIN}/brands/{brand_id}", claims=tenant["admin"], json_body={"theme": {"accent_color": "#00ff00"}})
    theme = patched.json["data"]["theme"]
    assert (theme["primary_color"], theme["accent_color"]) == ("#ff0000", "#00ff00")

    duplicate = call_route("POST", f"{ADMIN}/brands", claims=tenant["admin"], json_body={"brand_key": "MAIN", "display_name": "Again"})
    assert (duplicate.status, duplicate.json["error"]["code"]) == (409, "BRAND_KEY_TAKEN")
    bad_colour = call_route("PATCH", f"{ADMIN}/brands/{brand_id}", claims=tenant["admin"], json_body={"theme": {"primary_color": "red"}})
    assert bad_colour.status == 400
    assert call_route("GET", f"{ADMIN}/brands/{uuid.uuid4()}", claims=tenant["admin"]).json["error"]["code"] == "BRAND_NOT_FOUND"
    listed = call_route("GET", f"{ADMIN}/brands", claims=tenant["admin"])
    assert [b["brand_key"] for b in listed.json["data"]] == ["MAIN"]


def test_health_reports_the_database(call_route):
    response = call_route("GET", "/health")
    assert response.status == 200
    assert response.json["data"] == {"status": "ok", "database": "ok"}


def test_database_outage_answers_503_and_recovers(call_route, tenant, monkeypatch):
    from outreachpass.config import reset_settings
    from outreachpass.db.connection import reset_database

    monkeypatch.setenv("DATABASE_URL", "postgresql://outreachpass_app:x@127.0.0.1:9/outreachpass?connect_timeout=1")
    reset_settings()
    reset_database()
    try:
        for method, path in (("GET", "/health"), ("GET", f"{ADMIN}/events")):
            response = call_route(method, path, claims=None if path == "/health" else tenant["admin"])
            assert response.status == 503, response
            assert response.json["error"]["code"] == "SERVICE_UNAVAILABLE"
            assert "Traceback" not in response.text
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_database()
    assert call_route("GET", "/health").status == 200


def test_an_event_knows_its_venue_and_language(call_route, tenant, database):
    venue = {"name": "Estrel Congress Center", "address": "Sonnenallee 225, 12057 Berlin", "latitude": 52.4733, "longitude": 13.4588}
    created = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body(venue=venue, language="DE-de"))
    assert created.status == 201, created
    event = created.json["data"]
    assert (event["venue"], event["language"]) == (venue, "de-DE")  # the tag written canonical
    path = f"{ADMIN}/events/{event['event_id']}"
    assert call_route("GET", path, claims=tenant["admin"]).json["data"]["venue"] == venue

    # Part of a venue; then none at all.
    patched = call_route("PATCH", path, claims=tenant["admin"], json_body={"venue": {"name": "Online"}, "language": "pt-br"})
    assert (patched.json["data"]["venue"], patched.json["data"]["language"]) == ({"name": "Online", "address": None, "latitude": None, "longitude": None}, "pt-BR")
    cleared = call_route("PATCH", path, claims=tenant["admin"], json_body={"venue": None})
    assert cleared.status == 200 and cleared.json["data"]["venue"] is None
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT venue_json IS NULL FROM events WHERE event_id = %s", (event["event_id"],)).fetchone()[0]
    # Without them: no venue, English.
    plain = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
    assert (plain["venue"], plain["language"]) == (None, "en")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"venue": {"latitude": 91}}, "venue.latitude"),
        ({"venue": {"longitude": -181}}, "venue.longitude"),
        ({"venue": {"name": "x", "capacity": 3}}, "venue.capacity"),
        ({"venue": "Berlin"}, "venue"),
        ({"language": "english"}, "language"),
        ({"language": "en_US_POSIX"}, "language"),
        ({"language": None}, "language"),
        ({"settings": None}, "settings"),
    ],
)
def test_venue_and_language_are_validated_at_the_field(call_route, tenant, body, field):
    event = call_route("POST", f"{ADMIN}/events", claims=tenant["admin"], json_body=event_body()).json["data"]
    response = call_route("PATCH", f"{ADMIN}/events/{event['event_id']}", claims=tenant["admin"], json_body=body)
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR"), response
    assert field in [d["field"] for d in response.json["error"]["details"]], response
