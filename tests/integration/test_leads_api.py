"""Leads through the exhibitor API's real handlers and the real database: capture by scanning a
card (QR URL, card URL, id, vCard), idempotent per card and per client_id (an offline queue
replayed), scoped to the caller's exhibitor (from its users row) and its event; read, search,
page, annotate, delete, export as CSV; the lead_captured engagement event; the organisers' view
(analytics/leads and the overview's count)."""

from __future__ import annotations

import csv
import io
import uuid

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.integration.email_helpers import make_world
from tests.integration.exhibitor_helpers import exhibitor_claims, make_exhibitor

LEADS = "/api/v1/leads"
ADMIN = "/api/v1/admin"


@pytest.fixture
def show(database, tenant_factory, claims_for):
    """A tenant with an event (Europe/Berlin) of three attendees with cards, an exhibitor of it and
    its staff; a second exhibitor at the same event; a second event with one attendee."""
    tenant_id = tenant_factory()
    world = make_world(database, tenant_id, [
        {"email": "ada@navy.example", "first_name": "Ada", "last_name": "Lovelace", "org_name": "Analytical Engines",
         "title": "Mathematician", "phone": "+44 20 7946 0001", "linkedin_url": "https://www.linkedin.com/in/ada"},
        {"email": "grace@navy.example", "first_name": "Grace", "last_name": "Hopper", "org_name": "US Navy"},
        {"email": "katherine@nasa.example", "first_name": "Katherine", "last_name": "Johnson"},
    ])
    elsewhere = make_world(database, tenant_id, [{"email": "edsger@example.com", "first_name": "Edsger"}])
    exhibitor = make_exhibitor(database, tenant_id, world.event_id, name="Acme Robotics")
    rival = make_exhibitor(database, tenant_id, world.event_id, name="Rival")
    return {
        "tenant_id": tenant_id, "world": world, "elsewhere": elsewhere, "exhibitor_id": exhibitor, "rival_id": rival,
        "staff": exhibitor_claims(claims_for, database, tenant_id, exhibitor),
        "colleague": exhibitor_claims(claims_for, database, tenant_id, exhibitor),
        "rival": exhibitor_claims(claims_for, database, tenant_id, rival),
        "user": claims_for(tenant_id, "user"),
        "cards": [a["card_id"] for a in world.attendees],
    }


def scan(call_route, claims, value, **extra):
    return call_route("POST", LEADS, claims=claims, json_body={"scan": str(value), **extra})


def captured(call_route, claims, value, **extra):
    response = scan(call_route, claims, value, **extra)
    assert response.status == 201, response
    return response.json["data"]


def engagement(database, card_id):
    with psycopg.connect(database.admin_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(
            "SELECT event_type, exhibitor_id, event_id, tenant_id FROM card_engagement_events WHERE card_id = %s", (card_id,)
        ).fetchall()


# --- capture -------------------------------------------------------------------------------------


def test_a_scanned_card_qr_becomes_a_lead_with_what_the_card_shows(call_route, show, database):
    card = show["cards"][0]
    response = scan(call_route, show["staff"], f"https://cards.example.test/c/{card}?src=qr",
                    notes="Wants a demo", rating="hot", tags=["VIP", "robots", "vip"])
    assert response.status == 201, response
    lead = response.json["data"]
    assert response.headers["location"] == f"{LEADS}/{lead['lead_id']}"
    assert {key: lead[key] for key in ("exhibitor_id", "card_id", "event_id")} == {
        "exhibitor_id": str(show["exhibitor_id"]), "card_id": str(card), "event_id": str(show["world"].event_id)}
    assert (lead["name"], lead["org_name"], lead["title"], lead["email"], lead["phone"], lead["linkedin_url"]) == (
        "Ada Lovelace", "Analytical Engines", "Mathematician", "ada@navy.example", "+44 20 7946 0001", "https://www.linkedin.com/in/ada")
    assert (lead["notes"], lead["rating"], lead["tags"]) == ("Wants a demo", "hot", ["VIP", "robots"])
    assert set(lead) == {"lead_id", "exhibitor_id", "card_id", "event_id", "name", "org_name", "title", "email", "phone",
                         "linkedin_url", "notes", "rating", "tags", "captured_at"}
    assert engagement(database, card) == [{"event_type": "lead_captured", "exhibitor_id": show["exhibitor_id"],
                                           "event_id": show["world"].event_id, "tenant_id": show["tenant_id"]}]


def test_the_contact_fields_are_the_cards_not_the_attendees(call_route, show, database):
    """The card is what the attendee chose to show: its own e-mail, no phone, no unsafe link."""
    card = show["cards"][1]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET display_name = 'Amazing Grace', email = 'public@navy.example', phone = NULL, "
                     "links_json = %s WHERE card_id = %s",
                     (Jsonb({"linkedin": "javascript:alert(1)", "website": "https://navy.example"}), card))
    lead = captured(call_route, show["staff"], card)
    assert (lead["name"], lead["email"], lead["phone"], lead["linkedin_url"], lead["org_name"]) == (
        "Amazing Grace", "public@navy.example", None, None, "US Navy")


@pytest.mark.parametrize("form", [
    "{card}", "{card_upper}", "{card_hex}", " {card} ", "https://cards.example.test/c/{card}", "http://brand.example/c/{card}/",
    "https://cards.example.test/c/{card}/vcard", "/c/{card}?src=qr", "cards.example.test/c/{card}",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nURL;TYPE=Digital card:https://cards.example.test/c/{card}\r\nEND:VCARD",
])
def test_every_form_a_scanner_reads_finds_the_card(call_route, show, form):
    card = uuid.UUID(str(show["cards"][2]))
    text = form.format(card=card, card_upper=str(card).upper(), card_hex=card.hex)
    lead = captured(call_route, show["staff"], text)
    assert lead["card_id"] == str(card)


@pytest.mark.parametrize("garbage", [
    "hello", "12345", "https://cards.example.test/", "https://cards.example.test/c/not-a-card",
    "ftp://cards.example.test/c/{card}", "javascript:alert('/c/{card}')", "https://cards.example.test/x/{card}",
    "https://cards.example.test/c/{card}extra", "BEGIN:VCARD\r\nFN:Nobody\r\nEND:VCARD", "https://[::1/c/{card}",
])
def test_garbage_is_a_400_on_scan_and_writes_nothing(call_route, show, database, garbage):
    response = scan(call_route, show["staff"], garbage.format(card=show["cards"][0]))
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR"), response
    assert response.json["error"]["details"][0]["field"] == "scan"
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM leads WHERE tenant_id = %s", (show["tenant_id"],)).fetchone()[0] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({}, "scan"),
    ({"scan": ""}, "scan"),
    ({"scan": "x" * 2049}, "scan"),
    ({"scan": "CARD", "rating": "lukewarm"}, "rating"),
    ({"scan": "CARD", "tags": ["t"] * 21}, "tags"),
    ({"scan": "CARD", "tags": ["x" * 41]}, "tags.0"),
    ({"scan": "CARD", "tags": "vip"}, "tags"),
    ({"scan": "CARD", "notes": "n" * 4001}, "notes"),
    ({"scan": "CARD", "client_id": "not-a-uuid"}, "client_id"),
    ({"scan": "CARD", "exhibitor_id": "EXHIBITOR"}, "exhibitor_id"),  # never from the body
])
def test_bad_fields_are_refused_with_the_field(call_route, show, body, field):
    values = {"CARD": str(show["cards"][0]), "EXHIBITOR": str(show["rival_id"])}
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = call_route("POST", LEADS, claims=show["staff"], json_body=body)
    assert (response.status, response.json["error"]["code"]) == (400, "VALIDATION_ERROR"), response
    assert field in [detail["field"] for detail in response.json["error"]["details"]]


def test_scanning_a_card_again_returns_the_existing_lead_as_it_is(call_route, show, database):
    card = show["cards"][0]
    first = captured(call_route, show["staff"], card, notes="first")
    for who, extra in ((show["staff"], {"notes": "second", "rating": "cold"}), (show["colleague"], {"client_id": str(uuid.uuid4())})):
        again = scan(call_route, who, f"https://cards.example.test/c/{card}?src=qr", **extra)
        assert again.status == 200, again
        assert again.json["data"] == first  # the same lead, unchanged (PATCH changes a lead)
    assert len(engagement(database, card)) == 1  # one capture, one engagement event


def test_a_replayed_client_id_returns_the_lead_it_made(call_route, show, database):
    client_id = str(uuid.uuid4())
    made = captured(call_route, show["staff"], show["cards"][0], client_id=client_id)
    for _ in range(2):
        replay = scan(call_route, show["staff"], show["cards"][0], client_id=client_id)
        assert (replay.status, replay.json["data"]) == (200, made)
    # Even when the card was deleted since, or the replay carries another card (it is the same scan).
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (show["cards"][0],))
    replay = scan(call_route, show["staff"], show["cards"][1], client_id=client_id)
    assert (replay.status, replay.json["data"]["lead_id"]) == (200, made["lead_id"])
    # Another exhibitor's device may use the same id: its own scan.
    other = scan(call_route, show["rival"], show["cards"][1], client_id=client_id)
    assert other.status == 201 and other.json["data"]["exhibitor_id"] == str(show["rival_id"])


def test_cards_the_exhibitor_may_not_scan_are_not_found(call_route, show, database, tenant_factory):
    stranger = make_world(database, tenant_factory(), [{"email": "eve@example.com", "first_name": "Eve"}])
    deleted = show["cards"][2]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (deleted,))
    for card in (uuid.uuid4(), stranger.attendees[0]["card_id"], show["elsewhere"].attendees[0]["card_id"], deleted):
        for form in (str(card), f"https://cards.example.test/c/{card}?src=qr"):
            response = scan(call_route, show["staff"], form)
            assert (response.status, response.json["error"]["code"]) == (404, "CARD_NOT_FOUND"), card
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM leads WHERE exhibitor_id = %s", (show["exhibitor_id"],)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM card_engagement_events WHERE card_id = %s",
                            (stranger.attendees[0]["card_id"],)).fetchone()[0] == 0


def test_only_exhibitor_users_with_an_exhibitor_use_the_exhibitor_api(call_route, show, claims_for):
    lead = captured(call_route, show["staff"], show["cards"][0])
    paths = [("POST", LEADS, {"scan": str(show["cards"][1])}), ("GET", LEADS, None), ("GET", f"{LEADS}/summary", None),
             ("GET", f"{LEADS}/export.csv", None), ("GET", f"{LEADS}/{lead['lead_id']}", None),
             ("PATCH", f"{LEADS}/{lead['lead_id']}", {"notes": "x"}), ("DELETE", f"{LEADS}/{lead['lead_id']}", None)]
    for claims, code in ((claims_for(show["tenant_id"], "admin"), "FORBIDDEN"), (show["user"], "FORBIDDEN"),
                         (claims_for(show["tenant_id"], "exhibitor"), "EXHIBITOR_REQUIRED")):
        for method, path, body in paths:
            response = call_route(method, path, claims=claims, json_body=body)
            assert (response.status, response.json["error"]["code"]) == (403, code), (method, path, code)
    assert call_route("GET", f"{LEADS}/{lead['lead_id']}", claims=show["staff"]).json["data"] == lead  # untouched


# --- reading and changing leads ------------------------------------------------------------------


def test_each_exhibitor_reaches_its_own_leads_only(call_route, show):
    mine = captured(call_route, show["staff"], show["cards"][0])
    theirs = captured(call_route, show["rival"], show["cards"][0])
    assert mine["lead_id"] != theirs["lead_id"]
    assert [lead["lead_id"] for lead in call_route("GET", LEADS, claims=show["colleague"]).json["data"]] == [mine["lead_id"]]
    for method, body in (("GET", None), ("PATCH", {"notes": "mine now"}), ("DELETE", None)):
        response = call_route(method, f"{LEADS}/{theirs['lead_id']}", claims=show["staff"], json_body=body)
        assert (response.status, response.json["error"]["code"]) == (404, "LEAD_NOT_FOUND"), method
    assert call_route("GET", f"{LEADS}/{theirs['lead_id']}", claims=show["rival"]).json["data"] == theirs


def test_the_list_pages_newest_first_and_searches_contacts_notes_and_tags(call_route, show):
    leads = [captured(call_route, show["staff"], card, notes=note, tags=tags)
             for card, note, tags in zip(show["cards"], ("likes robots", None, "call in May"), ([], ["Partner"], []), strict=True)]
    first = call_route("GET", f"{LEADS}?limit=2", claims=show["staff"]).json
    assert [lead["lead_id"] for lead in first["data"]] == [leads[2]["lead_id"], leads[1]["lead_id"]]
    rest = call_route("GET", f"{LEADS}?limit=2&cursor={first['meta']['next_cursor']}", claims=show["staff"]).json
    assert [lead["lead_id"] for lead in rest["data"]] == [leads[0]["lead_id"]] and rest["meta"]["next_cursor"] is None
    for q, expected in (("hopper", [1]), ("NAVY", [1, 0]), ("robots", [0]), ("partner", [1]), ("in may", [2]), ("nobody", []),
                        ("%", []), ("_", [])):
        found = call_route("GET", f"{LEADS}?q={q}", claims=show["staff"]).json["data"]
        assert [lead["lead_id"] for lead in found] == [leads[i]["lead_id"] for i in expected], q
    bad = call_route("GET", f"{LEADS}?cursor=nonsense", claims=show["staff"])
    assert (bad.status, bad.json["error"]["details"][0]["field"]) == (400, "cursor")


def test_patch_annotates_a_lead_and_null_clears(call_route, show):
    lead = captured(call_route, show["staff"], show["cards"][0], notes="n", rating="warm", tags=["a"])
    path = f"{LEADS}/{lead['lead_id']}"
    changed = call_route("PATCH", path, claims=show["colleague"], json_body={"notes": "Follow up", "rating": "hot", "tags": ["x", "X", "y"]})
    assert changed.status == 200, changed
    assert (changed.json["data"]["notes"], changed.json["data"]["rating"], changed.json["data"]["tags"]) == ("Follow up", "hot", ["x", "y"])
    cleared = call_route("PATCH", path, claims=show["staff"], json_body={"notes": None, "rating": None, "tags": None}).json["data"]
    assert (cleared["notes"], cleared["rating"], cleared["tags"]) == (None, None, [])
    assert cleared["name"] == lead["name"] and cleared["captured_at"] == lead["captured_at"]
    for body, field in (({"name": "Someone else"}, "name"), ({"rating": "meh"}, "rating"), ({"card_id": str(uuid.uuid4())}, "card_id")):
        refused = call_route("PATCH", path, claims=show["staff"], json_body=body)
        assert (refused.status, refused.json["error"]["details"][0]["field"]) == (400, field)
    missing = call_route("PATCH", f"{LEADS}/{uuid.uuid4()}", claims=show["staff"], json_body={"notes": "x"})
    assert (missing.status, missing.json["error"]["code"]) == (404, "LEAD_NOT_FOUND")
    assert call_route("GET", f"{LEADS}/not-a-uuid", claims=show["staff"]).status == 400


def test_a_deleted_lead_is_gone_and_a_new_scan_captures_it_again(call_route, show, database):
    lead = captured(call_route, show["staff"], show["cards"][0])
    assert call_route("DELETE", f"{LEADS}/{lead['lead_id']}", claims=show["staff"]).status == 204
    again = call_route("DELETE", f"{LEADS}/{lead['lead_id']}", claims=show["staff"])
    assert (again.status, again.json["error"]["code"]) == (404, "LEAD_NOT_FOUND")
    anew = captured(call_route, show["staff"], show["cards"][0])
    assert anew["lead_id"] != lead["lead_id"]
    assert len(engagement(database, show["cards"][0])) == 2


def test_the_summary_names_the_exhibitor_and_counts_its_leads(call_route, show):
    captured(call_route, show["staff"], show["cards"][0], rating="hot")
    captured(call_route, show["staff"], show["cards"][1], rating="hot")
    captured(call_route, show["staff"], show["cards"][2])
    captured(call_route, show["rival"], show["cards"][2], rating="cold")
    data = call_route("GET", f"{LEADS}/summary", claims=show["colleague"]).json["data"]
    assert data["exhibitor"] == {"exhibitor_id": str(show["exhibitor_id"]), "event_id": str(show["world"].event_id), "name": "Acme Robotics"}
    assert data["leads"] == {"total": 3, "hot": 2, "warm": 0, "cold": 0, "unrated": 1}


def test_the_csv_export_is_the_exhibitors_own_for_a_spreadsheet(call_route, show, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("""UPDATE cards SET display_name = '=HYPERLINK("http://evil","x")', title = '+1 Engineer' WHERE card_id = %s""",
                     (show["cards"][1],))
    captured(call_route, show["staff"], show["cards"][0], notes="Ünïcode ✓ notes, with \"quotes\"\nand a line", tags=["@ceo", "vip"], rating="hot")
    captured(call_route, show["staff"], show["cards"][1])
    captured(call_route, show["rival"], show["cards"][2])
    response = call_route("GET", f"{LEADS}/export.csv", claims=show["staff"])
    assert response.status == 200, response
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="leads-acme-robotics-')
    assert response.headers["cache-control"] == "no-store"
    assert response.text.startswith("\ufeffcaptured_at,name,")
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert [row["name"] for row in rows] == ["Ada Lovelace", "'=HYPERLINK(\"http://evil\",\"x\")"]  # oldest first, no formula
    assert rows[1]["title"] == "'+1 Engineer"
    assert (rows[0]["notes"], rows[0]["tags"], rows[0]["rating"]) == ("Ünïcode ✓ notes, with \"quotes\"\nand a line", "'@ceo; vip", "hot")
    assert rows[0]["captured_at"].endswith(("+01:00", "+02:00"))  # in the event's time zone (Europe/Berlin)
    assert rows[0]["linkedin_url"] == "https://www.linkedin.com/in/ada"
    theirs = call_route("GET", f"{LEADS}/export.csv", claims=show["rival"])
    assert [row["card_id"] for row in csv.DictReader(io.StringIO(theirs.text.removeprefix("\ufeff")))] == [str(show["cards"][2])]


# --- the organisers' view ------------------------------------------------------------------------


def test_organisers_see_leads_per_exhibitor_and_in_the_overview(call_route, show, claims_for, database):
    captured(call_route, show["staff"], show["cards"][0], rating="hot")
    captured(call_route, show["staff"], show["cards"][1], rating="warm")
    captured(call_route, show["rival"], show["cards"][0], rating="hot")
    quiet = make_exhibitor(database, show["tenant_id"], show["elsewhere"].event_id, name="Quiet booth")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:  # one lead long ago: outside the default range
        conn.execute("UPDATE leads SET captured_at = now() - interval '90 days' "
                     "WHERE lead_id = (SELECT lead_id FROM leads WHERE exhibitor_id = %s AND rating = 'warm')", (show["exhibitor_id"],))

    report = call_route("GET", f"{ADMIN}/analytics/leads", claims=show["user"])
    assert report.status == 200, report
    data = report.json["data"]
    assert data["total"] == 2
    assert [(row["name"], row["leads"], row["hot"], row["warm"], row["cold"]) for row in data["by_exhibitor"]] == [
        ("Acme Robotics", 1, 1, 0, 0), ("Rival", 1, 1, 0, 0), ("Quiet booth", 0, 0, 0, 0)]
    one_event = call_route("GET", f"{ADMIN}/analytics/leads?event_id={show['elsewhere'].event_id}", claims=show["user"]).json["data"]
    assert [(row["exhibitor_id"], row["leads"]) for row in one_event["by_exhibitor"]] == [(str(quiet), 0)]
    assert one_event["scope"]["event_id"] == str(show["elsewhere"].event_id)
    longer = call_route("GET", f"{ADMIN}/analytics/leads?from=2020-01-01&to=2099-12-31", claims=show["user"])
    assert (longer.status, longer.json["error"]["details"][0]["field"]) == (400, "from")  # the usual range limit
    wide = call_route("GET", f"{ADMIN}/analytics/leads?event_id={show['world'].event_id}&from={_days_ago(120)}", claims=show["user"]).json["data"]
    assert wide["total"] == 3

    overview = call_route("GET", f"{ADMIN}/analytics/overview?event_id={show['world'].event_id}", claims=show["user"]).json["data"]
    assert overview["leads"] == 2
    unknown = call_route("GET", f"{ADMIN}/analytics/leads?event_id={uuid.uuid4()}", claims=show["user"])
    assert (unknown.status, unknown.json["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    refused = call_route("GET", f"{ADMIN}/analytics/leads", claims=show["staff"])
    assert (refused.status, refused.json["error"]["code"]) == (403, "FORBIDDEN")


def _days_ago(days: int) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def test_another_tenants_leads_and_exhibitors_are_out_of_reach(call_route, show, database, tenant_factory, claims_for):
    """An exhibitor user of tenant B with tenant A's ids: A's cards, leads and exhibitor stay A's."""
    mine = captured(call_route, show["staff"], show["cards"][0], notes="A's note")
    other_tenant = tenant_factory()
    other_world = make_world(database, other_tenant, [{"email": "mallory@example.com", "first_name": "Mallory"}])
    intruder = exhibitor_claims(claims_for, database, other_tenant, make_exhibitor(database, other_tenant, other_world.event_id))
    for method, body in (("GET", None), ("PATCH", {"notes": "mine"}), ("DELETE", None)):
        response = call_route(method, f"{LEADS}/{mine['lead_id']}", claims=intruder, json_body=body)
        assert (response.status, response.json["error"]["code"]) == (404, "LEAD_NOT_FOUND"), method
    response = scan(call_route, intruder, show["cards"][1], client_id=str(uuid.uuid4()))
    assert (response.status, response.json["error"]["code"]) == (404, "CARD_NOT_FOUND")
    assert call_route("GET", LEADS, claims=intruder).json["data"] == []
    assert call_route("GET", f"{LEADS}/{mine['lead_id']}", claims=show["staff"]).json["data"] == mine
