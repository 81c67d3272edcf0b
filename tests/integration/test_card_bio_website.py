"""A card's short bio and website, end to end through the real handlers and database: given when the
attendee (and so its card) is created, read and changed through /cards/{card_id} (null clears, a
change bumps vcard_rev), refused with the field at fault when too long, not http(s) or full of
control characters (and by the database's own checks), shown on the card page, and carried by the
vCard (NOTE and URL)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import vobject

ADMIN = "/api/v1/admin"
BIO = "Builds analytical engines.\nTalks about notes on\r\nthe engine."


@pytest.fixture
def world(tenant_factory, call_route, claims_for):
    tenant_id = tenant_factory()
    admin = claims_for(tenant_id, "admin")
    assert call_route("POST", f"{ADMIN}/brands", claims=admin, json_body={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    event = call_route("POST", f"{ADMIN}/events", claims=admin, json_body={
        "name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z",
    }).json["data"]
    return {"tenant_id": tenant_id, "admin": admin, "event_id": event["event_id"]}


def create(call_route, world, **fields):
    response = call_route("POST", f"{ADMIN}/events/{world['event_id']}/attendees", claims=world["admin"],
                          json_body={"first_name": "Ada", "last_name": "Lovelace", "email": f"ada-{uuid.uuid4().hex[:6]}@example.com", **fields})
    return response


def card_of(call_route, world, card_id):
    response = call_route("GET", f"{ADMIN}/cards/{card_id}", claims=world["admin"])
    assert response.status == 200, response
    return response.json["data"]


def test_bio_and_website_are_given_at_creation_and_read_from_the_card(call_route, world):
    created = create(call_route, world, bio=BIO, website="https://ada.example.com/about")
    assert created.status == 201, created
    card = card_of(call_route, world, created.json["data"]["card_id"])
    assert card["bio"] == "Builds analytical engines.\nTalks about notes on\nthe engine."  # CR LF kept as a line break
    assert card["website"] == "https://ada.example.com/about"
    plain = card_of(call_route, world, create(call_route, world).json["data"]["card_id"])
    assert (plain["bio"], plain["website"]) == (None, None)


def test_bio_and_website_change_through_the_card_and_null_clears_them(call_route, world):
    card_id = create(call_route, world).json["data"]["card_id"]
    path = f"{ADMIN}/cards/{card_id}"
    response = call_route("PATCH", path, claims=world["admin"], json_body={"bio": "  Poet of numbers.  ", "website": "https://ada.dev"})
    assert response.status == 200, response
    data = response.json["data"]
    assert (data["bio"], data["website"], data["vcard_rev"]) == ("Poet of numbers.", "https://ada.dev/", 2)
    same = call_route("PATCH", path, claims=world["admin"], json_body={"bio": "Poet of numbers."})
    assert same.json["data"]["vcard_rev"] == 2  # nothing changed: no new revision
    cleared = call_route("PATCH", path, claims=world["admin"], json_body={"bio": None, "website": None}).json["data"]
    assert (cleared["bio"], cleared["website"], cleared["vcard_rev"]) == (None, None, 3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bio": "x" * 281}, "bio"),
        ({"bio": ""}, "bio"),
        ({"bio": "tab\there"}, "bio"),
        ({"bio": "nul\x00"}, "bio"),
        ({"bio": 42}, "bio"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://ada.example.com"}, "website"),
        ({"website": "not a url"}, "website"),
        ({"website": "https://example.com/" + "x" * 2100}, "website"),
    ],
)
def test_bad_bio_or_website_is_refused_with_the_field(call_route, world, body, field):
    card_id = create(call_route, world).json["data"]["card_id"]
    response = call_route("PATCH", f"{ADMIN}/cards/{card_id}", claims=world["admin"], json_body=body)
    assert response.status == 400, response
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in response.json["error"]["details"]]
    card = card_of(call_route, world, card_id)
    assert (card["bio"], card["website"], card["vcard_rev"]) == (None, None, 1)  # nothing written
    refused = create(call_route, world, **body)  # the same at creation: no attendee, no card
    assert refused.status == 400 and field in [detail["field"] for detail in refused.json["error"]["details"]]


def test_a_280_character_bio_in_any_script_fits(call_route, world):
    bio = ("مرحبًا" * 50)[:280]
    response = call_route("PATCH", f"{ADMIN}/cards/{create(call_route, world).json['data']['card_id']}", claims=world["admin"],
                          json_body={"bio": bio})
    assert response.status == 200, response
    assert len(response.json["data"]["bio"]) == 280


def test_the_database_keeps_other_writers_to_the_same_rules(call_route, world, database):
    card_id = create(call_route, world).json["data"]["card_id"]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        for column, value in (("bio", "x" * 281), ("bio", "   "), ("website", "javascript:alert(1)"), ("website", "https://a b")):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(f"UPDATE cards SET {column} = %s WHERE card_id = %s", (value, card_id))


def test_the_card_page_shows_the_bio_and_the_website(call_route, world):
    created = create(call_route, world, bio="<b>Engines</b> & notes\nsecond line", website="https://ada.example.com/")
    card_id = created.json["data"]["card_id"]
    html = call_route("GET", f"/c/{card_id}").text
    assert '<p class="bio" dir="auto">&lt;b&gt;Engines&lt;/b&gt; &amp; notes\nsecond line</p>' in html
    assert ('<a href="https://ada.example.com/" rel="noopener noreferrer nofollow" target="_blank" id="website">'
            '<small>Website</small><span dir="ltr">ada.example.com</span></a>') in html


def test_the_website_is_not_listed_twice_with_a_link_of_the_same_url(call_route, world):
    card_id = create(call_route, world, website="https://ada.example.com/").json["data"]["card_id"]
    call_route("PATCH", f"{ADMIN}/cards/{card_id}", claims=world["admin"],
               json_body={"links": {"website": "https://ada.example.com/", "github": "https://github.com/ada"}})
    html = call_route("GET", f"/c/{card_id}").text
    assert html.count('href="https://ada.example.com/"') == 1 and 'href="https://github.com/ada"' in html
    text = call_route("GET", f"/c/{card_id}/vcard").text
    assert text.count("URL:https://ada.example.com/") == 1


def test_the_vcard_carries_the_bio_as_note_and_the_website_as_url(call_route, world):
    card_id = create(call_route, world, bio="Poet of numbers; engines, notes.", website="https://ada.example.com/").json["data"]["card_id"]
    parsed = vobject.readOne(call_route("GET", f"/c/{card_id}/vcard").text)
    assert parsed.note.value == "Poet of numbers; engines, notes.\n\nMet at Expo"
    urls = [url.value for url in parsed.contents["url"]]
    assert urls[0] == "https://ada.example.com/" and urls[-1].endswith(f"/c/{card_id}")
    assert parsed.contents["x-ablabel"][0].value == "Website"
