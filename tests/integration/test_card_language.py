"""The card page, its vCard and its error pages in the card's language, through the real handlers and
the real database: the attendee's language (set through the admin API), else the event's, else the
browser's Accept-Language (by q-value), else English; <html lang dir>, Content-Language, dates as
the language writes them in the event's time zone, right to left for Arabic and Hebrew."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest
import vobject

from tests.integration.public_cards import make_card

ADMIN = "/api/v1/admin"


@pytest.fixture
def card(database, tenant_factory, app_env):
    return make_card(database, tenant_factory())


@pytest.fixture
def admin(card, claims_for):
    return claims_for(card["tenant_id"], "admin")


def set_languages(call_route, card, admin, *, attendee=None, event=None):
    if event is not None:
        response = call_route("PATCH", f"{ADMIN}/events/{card['event_id']}", claims=admin, json_body={"language": event})
        assert response.status == 200, response
    if attendee is not None:
        response = call_route("PATCH", f"{ADMIN}/attendees/{card['attendee_id']}", claims=admin, json_body={"language": attendee})
        assert response.status == 200, response


def page(call_route, card_id, accept: str | None = None):
    headers = {"accept-language": accept} if accept else {}
    response = call_route("GET", f"/c/{card_id}", headers=headers)
    assert response.status == 200, response
    return response


def lang_of(response) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', response.text)
    assert found, response.text[:200]
    return found.group(1), found.group(2)


def test_a_german_attendee_gets_a_german_card_page(call_route, card, admin):
    set_languages(call_route, card, admin, attendee="de")
    response = page(call_route, card["card_id"], accept="en-US,en;q=0.9")
    assert lang_of(response) == ("de", "ltr")
    assert response.headers["content-language"] == "de"
    assert "Accept-Language" in response.headers["vary"]
    html = response.text
    for german in ("Kontakt speichern", "Teilen", "E-Mail kopieren", "Telefon", "Digitale Karte von"):
        assert german in html, german
    for english in ("Save contact", ">Share<", "Copy email", "Digital card by"):
        assert english not in html, english
    assert "1.\u20133. Apr. 2027" in html  # the event's dates, as German writes them
    assert 'data-link-copied="Link kopiert"' in html  # the script's words come from the catalogue too
    assert '<meta name="description" content="Chief Programmer · Analytical Engines Ltd — PyCon Berlin 2027">' in html


def test_share_my_details_speaks_the_card_s_language(call_route, card, admin):
    set_languages(call_route, card, admin, attendee="de")
    html = page(call_route, card["card_id"], accept="en").text
    start = html.index('id="share-details"')
    form = html[start:html.index("</section>", start)]
    for german in ("Meine Kontaktdaten teilen", "Ihre Angaben an <bdi>Ada Lovelace</bdi> senden", "Firma", "Notiz",
                   "dass <bdi>Ada Lovelace</bdi> diese Angaben per E-Mail erhält", "Meine Angaben senden"):
        assert german in form, german
    # the script's words too: it reads them from the status line
    assert 'data-sending="Wird gesendet…"' in form and 'data-sent="Gesendet. Vielen Dank!"' in form
    assert "Share my details" not in html and "Sending…" not in html


@pytest.mark.parametrize(
    ("attendee", "event", "accept", "expected"),
    [
        ("fr", "de", "es", "fr"),  # the attendee's language first
        ("pt-BR", "de", None, "pt"),  # a regional tag gets its language's catalogue
        (None, "de", "es", "de"),  # else the event's
        ("sv", "it", "es", "it"),  # a language without a catalogue is skipped
        (None, "sv", "es;q=0.5, ja;q=0.9, fr;q=0", "ja"),  # else the browser's, by q-value (fr refused)
        (None, "sv", "zh-CN, nl-BE;q=0.4", "nl"),  # the first the browser accepts that we speak
        (None, "sv", "zh-CN", "en"),  # else English
        (None, "sv", "garbage;;q=x", "en"),
    ],
)
def test_the_card_page_language_is_the_attendee_s_then_the_event_s_then_the_browser_s(
    call_route, card, admin, attendee, event, accept, expected
):
    set_languages(call_route, card, admin, attendee=attendee, event=event)
    response = page(call_route, card["card_id"], accept=accept)
    assert lang_of(response)[0] == expected
    assert response.headers["content-language"] == expected


def test_a_card_outside_any_event_speaks_the_browser_s_language(call_route, card, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        card_id = conn.execute(
            "INSERT INTO cards (tenant_id, display_name, email) VALUES (%s, 'רונית כהן', 'ronit@example.com') RETURNING card_id",
            (card["tenant_id"],),
        ).fetchone()[0]
    response = page(call_route, card_id, accept="he-IL,he;q=0.9,en;q=0.5")
    assert lang_of(response) == ("he", "rtl")
    assert "שמירת איש הקשר" in response.text
    assert '<h1 dir="auto">רונית כהן</h1>' in response.text
    assert lang_of(page(call_route, card_id))[0] == "en"  # no header at all: English


def test_an_arabic_event_renders_right_to_left_with_arabic_dates(call_route, card, admin):
    set_languages(call_route, card, admin, event="ar")
    response = page(call_route, card["card_id"])
    assert lang_of(response) == ("ar", "rtl")
    html = response.text
    assert "حفظ جهة الاتصال" in html and "1\u20133 أبريل 2027" in html
    # Latin contact details stay left to right inside the right-to-left page; names find their own direction
    assert f'<span dir="ltr">{card["email"]}</span>' in html
    assert '<span dir="ltr">+44 20 7946 0958</span>' in html
    assert '<h1 dir="auto">Ada Lovelace</h1>' in html
    # the stylesheet uses logical properties: nothing is pinned to a physical side
    style = html.split("<style", 1)[1].split("</style>", 1)[0]
    assert re.search(r"(margin|padding|border)-(left|right)|text-align:(left|right)|[;{](left|right):", style) is None
    assert "text-align:start" in style and "inset-inline" in style


def test_the_event_dates_are_its_days_in_its_time_zone(call_route, card, admin):
    response = call_route("PATCH", f"{ADMIN}/events/{card['event_id']}", claims=admin, json_body={
        "starts_at": "2027-04-01T23:30:00Z", "ends_at": "2027-04-02T08:00:00Z", "timezone": "Asia/Tokyo", "language": "ja"})
    assert response.status == 200, response
    html = page(call_route, card["card_id"]).text
    assert "2027年4月2日(金)" in html  # 23:30 UTC on the 1st is the 2nd in Tokyo, one day


def test_the_vcard_speaks_the_card_s_language(call_route, card, admin):
    set_languages(call_route, card, admin, attendee="de")
    response = call_route("GET", f"/c/{card['card_id']}/vcard", headers={"accept-language": "fr"})
    assert response.status == 200
    assert response.headers["vary"] == "Accept-Language"
    parsed = vobject.readOne(response.text)
    assert parsed.note.value == "Kennengelernt bei PyCon Berlin 2027"
    assert "item2.X-ABLabel:Digitale Karte" in response.text


def test_the_error_pages_speak_the_browser_s_language(call_route, app_env):
    response = call_route("GET", f"/c/{uuid.uuid4()}", headers={"accept-language": "nl-NL, nl;q=0.9, en;q=0.5"})
    assert response.status == 404
    assert lang_of(response) == ("nl", "ltr")
    assert response.headers["content-language"] == "nl"
    assert "Deze kaart is niet beschikbaar" in response.text and "Referentie:" in response.text
    arabic = call_route("GET", "/c/not-a-card", headers={"accept-language": "ar"})
    assert lang_of(arabic) == ("ar", "rtl") and "هذه البطاقة غير متاحة" in arabic.text
    assert lang_of(call_route("GET", "/c/not-a-card"))[0] == "en"


def test_the_503_page_is_translated(call_route, card, monkeypatch):
    import handlers.public.card_page as module
    from outreachpass.errors import ServiceUnavailable

    def unavailable(*args, **kwargs):
        raise ServiceUnavailable("down")

    monkeypatch.setattr(module, "open_card_page", unavailable)
    response = call_route("GET", f"/c/{card['card_id']}", headers={"accept-language": "es"})
    assert response.status == 503 and "Vuelve a intentarlo en un momento." in response.text
