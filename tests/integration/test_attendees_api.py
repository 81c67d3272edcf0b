"""Attendees through their real handlers against the real database: create (with its card),
list and search with cursor pagination, read, update (the card follows, vcard_rev bumps),
delete (the card is soft-deleted), validation, tenancy and the audit trail."""

from __future__ import annotations

import uuid

import psycopg
import pytest

ADMIN = "/api/v1/admin"


@pytest.fixture
def tenant(tenant_factory, call_route, claims_for):
    """A tenant with a brand and an event, and admin claims for it."""
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    brand = call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand
    event = call_route(
        "POST",
        f"{ADMIN}/events",
        claims=admin,
        json_body={"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"},
    )
    assert event.status == 201, event
    return {"id": tenant_id, "admin": admin, "event_id": event.json["data"]["event_id"], "claims_for": claims_for}


def attendee_body(**overrides):
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": f"Ada.{uuid.uuid4().hex[:6]}@Example.COM",
        "phone": "+44 20 7946 0001",
        "org_name": "Analytical Engines",
        "title": "Mathematician",
        "linkedin_url": "https://www.linkedin.com/in/ada",
    }
    body.update(overrides)
    return body


def create(call_route, tenant, **overrides):
    response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body=attendee_body(**overrides))
    assert response.status == 201, response
    return response.json["data"]


def card_row(database, card_id):
    with psycopg.connect(database.admin_url) as conn:
        conn.row_factory = psycopg.rows.dict_row
        return conn.execute("SELECT * FROM cards WHERE card_id = %s", (card_id,)).fetchone()


def audit_actions(database, tenant_id, entity_id):
    with psycopg.connect(database.admin_url) as conn:
        return [row[0] for row in conn.execute(
            "SELECT action FROM audit_log WHERE tenant_id = %s AND entity_id = %s ORDER BY audit_id", (tenant_id, str(entity_id))
        )]


def test_create_makes_the_attendee_and_its_card_in_one_go(call_route, tenant, database):
    response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body=attendee_body(email="Grace@Navy.MIL"))
    assert response.status == 201, response
    attendee = response.json["data"]
    assert attendee["email"] == "grace@navy.mil"  # lower-cased
    assert attendee["event_id"] == tenant["event_id"]
    assert response.headers["location"] == f"{ADMIN}/attendees/{attendee['attendee_id']}"

    card = card_row(database, attendee["card_id"])
    assert card["owner_attendee_id"] == uuid.UUID(attendee["attendee_id"])
    assert card["display_name"] == "Ada Lovelace"
    assert (card["email"], card["phone"], card["org_name"], card["title"]) == ("grace@navy.mil", "+44 20 7946 0001", "Analytical Engines", "Mathematician")
    assert card["links_json"] == {"linkedin": "https://www.linkedin.com/in/ada"}
    assert card["vcard_rev"] == 1
    assert audit_actions(database, tenant["id"], attendee["attendee_id"]) == ["attendee.create"]

    read = call_route("GET", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=claims_for_role(tenant, "user"))
    assert read.status == 200
    engagement = read.json["data"].pop("engagement")
    assert read.json["data"] == {key: value for key, value in attendee.items() if key != "engagement"}
    assert engagement["stage"] == "not_sent"


def claims_for_role(tenant, role):
    """A caller of the tenant whose stored role is `role` (the database decides, not the claim)."""
    return tenant["claims_for"](tenant["id"], role)


def test_duplicate_email_in_an_event_conflicts_and_writes_nothing(call_route, tenant, database):
    first = create(call_route, tenant, email="dup@example.com")
    again = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body=attendee_body(email="DUP@example.com"))
    assert (again.status, again.json["error"]["code"]) == (409, "ATTENDEE_EMAIL_TAKEN")
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM attendees WHERE tenant_id = %s", (tenant["id"],)).fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM cards WHERE tenant_id = %s", (tenant["id"],)).fetchone()[0] == 1

    other = create(call_route, tenant, email="other@example.com")
    clash = call_route("PATCH", f"{ADMIN}/attendees/{other['attendee_id']}", claims=tenant["admin"], json_body={"email": "Dup@Example.com"})
    assert (clash.status, clash.json["error"]["code"]) == (409, "ATTENDEE_EMAIL_TAKEN")
    assert call_route("GET", f"{ADMIN}/attendees/{other['attendee_id']}", claims=tenant["admin"]).json["data"]["email"] == "other@example.com"
    assert first["email"] == "dup@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (attendee_body(email="not-an-email"), "email"),
        (attendee_body(phone="call me maybe"), "phone"),
        (attendee_body(first_name=""), "first_name"),
        (attendee_body(first_name="x" * 101), "first_name"),
        (attendee_body(title="t" * 201), "title"),
        (attendee_body(linkedin_url="javascript:alert(1)"), "linkedin_url"),
        (attendee_body(linkedin_url="ftp://example.com/x"), "linkedin_url"),
        (attendee_body(card_id=str(uuid.uuid4())), "card_id"),
        ({k: v for k, v in attendee_body().items() if k != "first_name"}, "first_name"),
    ],
)
def test_invalid_attendees_are_refused_with_the_field(call_route, tenant, database, body, field):
    response = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=tenant["admin"], json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in response.json["error"]["details"]]
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM attendees WHERE tenant_id = %s", (tenant["id"],)).fetchone()[0] == 0


def test_update_follows_on_the_card_and_bumps_vcard_rev(call_route, tenant, database):
    attendee = create(call_route, tenant)
    card_id = attendee["card_id"]
    # An edit made on the card directly (an extra link) survives attendee updates.
    edited = call_route("PATCH", f"{ADMIN}/cards/{card_id}", claims=tenant["admin"], json_body={"links": {"linkedin": "https://www.linkedin.com/in/ada", "website": "https://ada.example/"}})
    assert edited.status == 200, edited
    assert edited.json["data"]["vcard_rev"] == 2

    response = call_route(
        "PATCH",
        f"{ADMIN}/attendees/{attendee['attendee_id']}",
        claims=tenant["admin"],
        json_body={"last_name": "King", "title": "Countess", "linkedin_url": "https://www.linkedin.com/in/ada-king", "phone": None},
    )
    assert response.status == 200, response
    updated = response.json["data"]
    assert (updated["last_name"], updated["title"], updated["phone"]) == ("King", "Countess", None)
    assert updated["updated_at"] >= attendee["updated_at"]

    card = card_row(database, card_id)
    assert card["display_name"] == "Ada King"
    assert card["title"] == "Countess"
    assert card["phone"] is None
    assert card["org_name"] == "Analytical Engines"
    assert card["links_json"] == {"linkedin": "https://www.linkedin.com/in/ada-king", "website": "https://ada.example/"}
    assert card["vcard_rev"] == 3

    # Nothing changes: no new revision, no audit entry.
    same = call_route("PATCH", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=tenant["admin"], json_body={"last_name": "King"})
    assert same.status == 200
    assert card_row(database, card_id)["vcard_rev"] == 3
    assert audit_actions(database, tenant["id"], attendee["attendee_id"]) == ["attendee.create", "attendee.update"]
    assert audit_actions(database, tenant["id"], card_id) == ["card.update", "card.update"]

    with psycopg.connect(database.admin_url) as conn:
        before, after = conn.execute(
            "SELECT before, after FROM audit_log WHERE entity_id = %s AND action = 'attendee.update'", (attendee["attendee_id"],)
        ).fetchone()
    assert (before["last_name"], after["last_name"]) == ("Lovelace", "King")


def test_update_refuses_bad_values(call_route, tenant):
    attendee = create(call_route, tenant)
    path = f"{ADMIN}/attendees/{attendee['attendee_id']}"
    for body, field in (({"first_name": None}, "first_name"), ({"email": "nope"}, "email"), ({"linkedin_url": "http//x"}, "linkedin_url"), ({"event_id": str(uuid.uuid4())}, "event_id")):
        response = call_route("PATCH", path, claims=tenant["admin"], json_body=body)
        assert response.status == 400, (body, response)
        assert field in [d["field"] for d in response.json["error"]["details"]]
    assert call_route("GET", path, claims=tenant["admin"]).json["data"]["first_name"] == "Ada"


def test_delete_removes_the_attendee_and_soft_deletes_its_card(call_route, tenant, database):
    attendee = create(call_route, tenant)
    card_id = attendee["card_id"]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:  # an analytics row pointing at the card
        conn.execute(
            "INSERT INTO card_view_events (tenant_id, event_id, card_id, source_type) VALUES (%s, %s, %s, 'qr_scan')",
            (tenant["id"], tenant["event_id"], card_id),
        )

    response = call_route("DELETE", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=tenant["admin"])
    assert response.status == 204, response
    assert response.text == ""

    gone = call_route("GET", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=tenant["admin"])
    assert (gone.status, gone.json["error"]["code"]) == (404, "ATTENDEE_NOT_FOUND")
    assert call_route("DELETE", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=tenant["admin"]).status == 404
    card = call_route("GET", f"{ADMIN}/cards/{card_id}", claims=tenant["admin"])
    assert (card.status, card.json["error"]["code"]) == (404, "CARD_NOT_FOUND")

    row = card_row(database, card_id)
    assert row["deleted_at"] is not None
    assert row["owner_attendee_id"] is None
    with psycopg.connect(database.app_url) as conn:  # the public routes' resolver: the card is gone
        assert conn.execute("SELECT app_card_tenant(%s)", (card_id,)).fetchone()[0] is None
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM card_view_events WHERE card_id = %s", (card_id,)).fetchone()[0] == 1
    assert audit_actions(database, tenant["id"], attendee["attendee_id"]) == ["attendee.create", "attendee.delete"]
    assert audit_actions(database, tenant["id"], card_id) == ["card.delete"]

    # The address is free again in the event.
    again = create(call_route, tenant, email=attendee["email"])
    assert again["card_id"] != card_id


def test_search_by_name_or_email_prefix_any_case(call_route, tenant):
    people = {
        "ada": create(call_route, tenant, first_name="Ada", last_name="Lovelace", email="ada@engines.example.com"),
        "grace": create(call_route, tenant, first_name="Grace", last_name="Hopper", email="amazing.grace@navy.example.com"),
        "alan": create(call_route, tenant, first_name="Alan", last_name="Turing", email="alan@bletchley.example.com"),
        "pct": create(call_route, tenant, first_name="Percy", last_name="100%_Sure", email=None, linkedin_url=None),
    }

    def search(q):
        response = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees?q={q}", claims=tenant["admin"])
        assert response.status == 200, response
        return {a["attendee_id"] for a in response.json["data"]}

    ids = {name: a["attendee_id"] for name, a in people.items()}
    assert search("a") == {ids["ada"], ids["grace"], ids["alan"]}  # Ada, amazing.grace@, Alan
    assert search("AL") == {ids["alan"]}
    assert search("hop") == {ids["grace"]}
    assert search("ada%20lov") == {ids["ada"]}  # full name
    assert search("%20%20GRACE%20") == {ids["grace"]}
    assert search("alan@bl") == {ids["alan"]}
    assert search("100%25_") == {ids["pct"]}  # % and _ are literal, not wildcards
    assert search("%25") == set()
    assert search("zzz") == set()
    assert len(search("")) == 4


def test_cursor_pagination_walks_every_attendee_once(call_route, tenant):
    created_ids = {create(call_route, tenant)["attendee_id"] for _ in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees{query}", claims=tenant["admin"])
        assert response.status == 200
        seen += [a["attendee_id"] for a in response.json["data"]]
        cursor = response.json["meta"]["next_cursor"]
        pages += 1
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == created_ids


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?cursor=garbage", f"?q={'x' * 201}"])
def test_bad_list_parameters_are_refused(call_route, tenant, query):
    response = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees{query}", claims=tenant["admin"])
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_other_tenants_attendees_and_events_are_not_found(call_route, tenant, tenant_factory, claims_for):
    attendee = create(call_route, tenant)
    intruder = claims_for(tenant_factory(), "admin")
    for method, body in (("GET", None), ("PATCH", {"first_name": "Mallory"}), ("DELETE", None)):
        response = call_route(method, f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=intruder, json_body=body)
        assert (response.status, response.json["error"]["code"]) == (404, "ATTENDEE_NOT_FOUND"), method
    listed = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=intruder)
    assert (listed.status, listed.json["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    add = call_route("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", claims=intruder, json_body=attendee_body())
    assert (add.status, add.json["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    still = call_route("GET", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=tenant["admin"]).json["data"]
    assert still["first_name"] == "Ada"


def test_exhibitors_neither_read_nor_write_attendees(call_route, tenant, claims_for):
    """A sponsor's staff sees no attendee list and no attendee (their e-mails and phones): its leads
    are what it scanned (the exhibitor API)."""
    attendee = create(call_route, tenant)
    exhibitor = claims_for(tenant["id"], "exhibitor")
    for method, path, body in (
        ("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees", None),
        ("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees?q=ada", None),
        ("GET", f"{ADMIN}/attendees/{attendee['attendee_id']}", None),
        ("POST", f"{ADMIN}/events/{tenant['event_id']}/attendees", attendee_body()),
        ("PATCH", f"{ADMIN}/attendees/{attendee['attendee_id']}", {"first_name": "X"}),
        ("DELETE", f"{ADMIN}/attendees/{attendee['attendee_id']}", None),
    ):
        response = call_route(method, path, claims=exhibitor, json_body=body)
        assert (response.status, response.json["error"]["code"]) == (403, "FORBIDDEN"), (method, path)
    user = claims_for_role(tenant, "user")
    assert call_route("PATCH", f"{ADMIN}/attendees/{attendee['attendee_id']}", claims=user, json_body={"title": "Dr"}).status == 200


def test_search_can_use_its_indexes_as_the_application_role(tenant, database):
    """Under RLS only leakproof conditions drive an index scan: the search condition must be one
    (a `lower(col) LIKE` would walk the whole event for a rare prefix)."""
    from outreachpass.data.attendees import SEARCH_CONDITION

    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO attendees (tenant_id, event_id, first_name, last_name, email) "
            "SELECT %s, %s, 'Name' || i, 'Last' || i, 'person' || i || '@example.com' FROM generate_series(1, 500) i",
            (tenant["id"], tenant["event_id"]),
        )
        conn.execute("ANALYZE attendees")
    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant["id"]),))
        # Take the plain "walk the event in order" plans away: what is left shows what the condition allows.
        conn.execute("SET LOCAL enable_indexscan = off")
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute(
            f"EXPLAIN SELECT attendee_id FROM attendees WHERE tenant_id = %(t)s AND event_id = %(e)s AND {SEARCH_CONDITION} "
            "ORDER BY created_at DESC, attendee_id DESC LIMIT 51",
            {"t": tenant["id"], "e": tenant["event_id"], "q": "Zzz"},
            prepare=False,
        ))
    for index in ("idx_attendees_event_search_email", "idx_attendees_event_search_name", "idx_attendees_event_search_last_name"):
        assert index in plan, plan


def test_an_attendee_may_speak_another_language_than_its_event(call_route, tenant):
    attendee = create(call_route, tenant, language="fr")
    assert attendee["language"] == "fr"
    path = f"{ADMIN}/attendees/{attendee['attendee_id']}"
    assert call_route("PATCH", path, claims=tenant["admin"], json_body={"language": "AR"}).json["data"]["language"] == "ar"
    assert call_route("PATCH", path, claims=tenant["admin"], json_body={"language": None}).json["data"]["language"] is None
    refused = call_route("PATCH", path, claims=tenant["admin"], json_body={"language": "klingon!"})
    assert (refused.status, [d["field"] for d in refused.json["error"]["details"]]) == (400, ["language"])
    assert create(call_route, tenant)["language"] is None  # the event's, by default


def walk(call_route, tenant, query, limit=2):
    """Every page of the list with `query`, following the cursors."""
    seen, cursor = [], None
    while True:
        url = f"{ADMIN}/events/{tenant['event_id']}/attendees?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        response = call_route("GET", url, claims=tenant["admin"])
        assert response.status == 200, response
        seen += response.json["data"]
        cursor = response.json["meta"]["next_cursor"]
        if not cursor:
            return seen


def test_the_list_sorts_by_name_email_or_creation_across_pages(call_route, tenant):
    people = [("Zoë", "Åström", "zoe@example.com"), ("Ada", "lovelace", "ada@example.com"), ("Grace", "Hopper", "b.grace@example.com"),
              ("Alan", "Turing", "alan@example.com"), ("Nameless", None, "a.nobody@example.com"), ("Bob", "hopper", "bob@example.com")]
    for first, last, email in people:
        create(call_route, tenant, first_name=first, last_name=last, email=email)

    by_name = [a["last_name"] for a in walk(call_route, tenant, "sort=last_name")]
    assert by_name[0] is None  # no last name sorts first
    assert [n.lower() for n in by_name[1:]] == sorted(n.lower() for n in by_name[1:])  # case does not matter
    assert [a["last_name"] for a in walk(call_route, tenant, "sort=-last_name", limit=3)] == list(reversed(by_name))
    emails = [a["email"] for a in walk(call_route, tenant, "sort=email", limit=4)]
    assert emails == sorted(e for _, _, e in people)
    assert [a["email"] for a in walk(call_route, tenant, "sort=-email", limit=5)] == list(reversed(emails))
    oldest = [a["first_name"] for a in walk(call_route, tenant, "sort=created_at")]
    assert oldest == [first for first, _, _ in people]
    assert [a["first_name"] for a in walk(call_route, tenant, "")] == list(reversed(oldest))  # newest first by default
    # A search keeps the order.
    assert [a["first_name"] for a in walk(call_route, tenant, "q=hop&sort=last_name", limit=1)] in (["Grace", "Bob"], ["Bob", "Grace"])


def test_a_cursor_belongs_to_its_sort(call_route, tenant):
    for first in ("A", "B", "C"):
        create(call_route, tenant, first_name=first, last_name=first)
    first_page = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees?limit=1&sort=last_name", claims=tenant["admin"])
    cursor = first_page.json["meta"]["next_cursor"]
    for other in ("email", "-created_at"):
        refused = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees?limit=1&sort={other}&cursor={cursor}", claims=tenant["admin"])
        assert (refused.status, refused.json["error"]["details"][0]["field"]) == (400, "cursor"), other
    unknown = call_route("GET", f"{ADMIN}/events/{tenant['event_id']}/attendees?sort=title", claims=tenant["admin"])
    assert (unknown.status, unknown.json["error"]["details"][0]["field"]) == (400, "sort")


def test_every_sort_is_an_index_range_scan_as_the_application_role(tenant, database):
    """Under RLS, as the API runs it: each sort's ORDER BY is served by an index of the event."""
    from outreachpass.data.attendees import SORTS

    with psycopg.connect(database.app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant["id"]),))
        conn.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        for name, (key, descending) in SORTS.items():
            direction = "DESC" if descending else "ASC"
            plan = "\n".join(row[0] for row in conn.execute(
                f"EXPLAIN SELECT attendee_id FROM attendees WHERE tenant_id = %(t)s AND event_id = %(e)s "
                f"ORDER BY {key} {direction}, attendee_id {direction} LIMIT 51",
                {"t": tenant["id"], "e": tenant["event_id"]}, prepare=False))
            assert "Sort" not in plan.split("\n", 2)[1] and "Index" in plan, (name, plan)
