"""The card e-mail in the attendee's language, else the event's: sent through the real route and the
email worker, read back as the raw MIME moto captured (subject, both bodies, lang and dir, dates as
the language writes them in the event's time zone, and the plural of the countdown)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.integration.email_helpers import ADMIN, captured_for, make_world, unique_email


@pytest.fixture
def world(local_stack, database, tenant_factory):
    return make_world(database, tenant_factory(), [
        {"email": unique_email("anna"), "first_name": "Anna", "last_name": "Schmidt", "language": "de"},
        {"email": unique_email("layla"), "first_name": "ليلى", "last_name": "حداد", "language": "ar"},
        {"email": unique_email("noa"), "first_name": "נועה", "last_name": "לוי", "language": "he-IL"},
        {"email": unique_email("sam"), "first_name": "Sam", "last_name": "Jones"},  # the event's language
    ])


def send_all(call_route, world, claims_for, local_stack):
    response = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=claims_for(world.tenant_id, "admin"),
                          json_body={"audience": "all"})
    assert response.status == 202, response
    local_stack.run_workers_once()


def bodies(message) -> tuple[str, str]:
    return message.get_body(preferencelist=("plain",)).get_content(), message.get_body(preferencelist=("html",)).get_content()


def test_a_german_attendee_gets_a_german_email(call_route, world, claims_for, local_stack):
    send_all(call_route, world, claims_for, local_stack)
    [message] = captured_for(local_stack, world.attendees[0]["email"])
    assert message["Subject"] == "Ihre digitale Karte für Expo 2030"
    text, html = bodies(message)
    assert '<html lang="de" dir="ltr">' in html
    assert text.startswith("Hallo Anna,")
    assert "Hallo <bdi>Anna</bdi>," in html
    # the event's dates (1-2 May 2030, Europe/Berlin) as German writes them
    assert "Ihre digitale Kontaktkarte für Expo 2030 (1.\u20132. Mai 2030) ist fertig." in text
    for german in ("Meine Karte öffnen", "Hinzufügen zu Apple Wallet", "Hinzufügen zu Google Wallet",
                   "Meinen Kontakt herunterladen (vCard)"):
        assert german in text and german in html, german
    assert "Sie erhalten diese E-Mail, weil Sie für Expo 2030 angemeldet sind." in text
    assert "Sie erhalten diese E-Mail, weil Sie für <bdi>Expo 2030</bdi> angemeldet sind." in html
    assert "Open my card" not in html and "Your digital" not in text


def test_arabic_and_hebrew_attendees_get_right_to_left_emails(call_route, world, claims_for, local_stack):
    send_all(call_route, world, claims_for, local_stack)
    [arabic] = captured_for(local_stack, world.attendees[1]["email"])
    assert arabic["Subject"] == "بطاقتك الرقمية لفعالية Expo 2030"
    text, html = bodies(arabic)
    assert '<html lang="ar" dir="rtl">' in html and '<body dir="rtl"' in html
    assert "مرحبًا <bdi>ليلى</bdi>،" in html and text.startswith("مرحبًا ليلى،")
    assert "1\u20132 مايو 2030" in text
    assert "ليلى حداد" in arabic["To"]  # the display name in the header, encoded and decoded intact
    # the CSS names no side: symmetric spacing, then the logical longhands (padding-inline, border-block-start)
    assert re.search(r"(margin|padding|border)-(left|right)|text-align:\s*(left|right)|float:", html) is None
    assert "padding-inline:" in html and "border-block-start:" in html
    [hebrew] = captured_for(local_stack, world.attendees[2]["email"])
    text, html = bodies(hebrew)
    assert '<html lang="he" dir="rtl">' in html and "שלום <bdi>נועה</bdi>," in html
    assert "לפתיחת הכרטיס שלי" in text


def test_an_attendee_without_a_language_gets_the_event_s(call_route, world, claims_for, local_stack, database):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET language = 'fr' WHERE event_id = %s", (world.event_id,))
    send_all(call_route, world, claims_for, local_stack)
    [message] = captured_for(local_stack, world.attendees[3]["email"])
    assert message["Subject"] == "Votre carte numérique pour Expo 2030"
    text, html = bodies(message)
    assert '<html lang="fr" dir="ltr">' in html and text.startswith("Bonjour Sam,")
    # ...while the German attendee still reads German
    [german] = captured_for(local_stack, world.attendees[0]["email"])
    assert german["Subject"] == "Ihre digitale Karte für Expo 2030"


@pytest.mark.parametrize(("days", "german", "arabic"), [
    (1, "Es geht morgen los.", "تبدأ غدًا."),
    (2, "Es geht in 2 Tagen los.", "تبدأ بعد يومين."),
    (12, "Es geht in 12 Tagen los.", "تبدأ بعد 12 يومًا."),
])
def test_the_countdown_uses_each_language_s_plural(call_route, world, claims_for, local_stack, database, days, german, arabic):
    starts = (datetime.now(UTC) + timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET starts_at = %s, ends_at = %s, timezone = 'UTC' WHERE event_id = %s",
                     (starts, starts + timedelta(hours=6), world.event_id))
    send_all(call_route, world, claims_for, local_stack)
    assert german in bodies(captured_for(local_stack, world.attendees[0]["email"])[0])[0]
    assert arabic in bodies(captured_for(local_stack, world.attendees[1]["email"])[0])[0]


def test_no_countdown_for_an_event_months_away(call_route, world, claims_for, local_stack):
    send_all(call_route, world, claims_for, local_stack)  # the world's event is in 2030
    text, _ = bodies(captured_for(local_stack, world.attendees[0]["email"])[0])
    assert "Es geht" not in text


def test_the_event_s_template_keeps_the_organisers_words_and_the_layout_speaks_german(
    call_route, world, claims_for, local_stack
):
    """mail17's per-event template with i18n17's layout: the organisers' subject and body as written
    (placeholders filled, the dates as German writes them), everything around them in German, the
    unsubscribe footer too; and the page behind that link speaks the attendee's language."""
    admin = claims_for(world.tenant_id, "admin")
    put = call_route("PUT", f"{ADMIN}/events/{world.event_id}/email-template", claims=admin,
                     json_body={"subject": "Willkommen, {{ first_name | Gast }}", "body": "Bis bald bei {{ event_name }} ({{ event_dates }})."})
    assert put.status == 200, put
    send_all(call_route, world, claims_for, local_stack)
    [message] = captured_for(local_stack, world.attendees[0]["email"])
    assert message["Subject"] == "Willkommen, Anna"
    text, html = bodies(message)
    assert text.startswith("Bis bald bei Expo 2030 (1.\u20132. Mai 2030).")
    assert "Hallo Anna," not in text  # the template replaces the greeting and introduction
    assert '<html lang="de" dir="ltr">' in html and "Meine Karte öffnen" in html
    unsubscribe = re.fullmatch(r"<([^<>\s]+)>", str(message["List-Unsubscribe"])).group(1)
    assert f"Abmelden: {unsubscribe}" in text and ">Abmelden</a>" in html

    page = local_stack.request("GET", unsubscribe, headers={"accept-language": "fr"})
    assert page.status == 200 and page.headers["content-language"] == "de"  # the e-mail's language, not the browser's
    assert '<html lang="de" dir="ltr">' in page.text and "Keine E-Mails mehr von" in page.text
    done = local_stack.request("POST", unsubscribe, body="List-Unsubscribe=One-Click",
                               headers={"content-type": "application/x-www-form-urlencoded"})
    assert done.status == 200 and "Sie sind abgemeldet" in done.text

    [arabic] = captured_for(local_stack, world.attendees[1]["email"])
    arabic_url = re.fullmatch(r"<([^<>\s]+)>", str(arabic["List-Unsubscribe"])).group(1)
    rtl = local_stack.request("GET", arabic_url)
    assert '<html lang="ar" dir="rtl">' in rtl.text and "إيقاف رسائل البريد الإلكتروني من" in rtl.text
    assert re.search(r'<bdi dir="ltr">[^<]+@', rtl.text)  # the masked address stays left to right


def test_an_invalid_unsubscribe_link_answers_in_the_browser_s_language(local_stack, app_env):
    response = local_stack.request("GET", f"{local_stack.api_url}/api/track/email/unsubscribe/00000000-0000-4000-8000-000000000000?s=AAAA",
                                   headers={"accept-language": "nl-NL,nl;q=0.9"})
    assert response.status == 400 and response.headers.get("x-error-code") == "INVALID_LINK"
    assert '<html lang="nl" dir="ltr">' in response.text and "Deze afmeldlink is niet geldig" in response.text
