"""integrations.locales: the Accept-Language header read with its q-values, the catalogue a tag gets,
plural forms per language (read back from the compiled catalogues), text direction, and dates as each
locale writes them in the event's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outreachpass.integrations import locales
from outreachpass.integrations.locales import accept_language, catalogue_language, choose, event_dates, language

# --- Accept-Language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("de", ["de"]),
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ["fr-CH", "fr", "en", "de"]),
        # sorted by weight, not by position; ties keep the order sent
        ("en;q=0.2, ja;q=0.9, de, nl;q=0.9", ["de", "ja", "nl", "en"]),
        ("es;q=0.5,ar;q=0.500,he;q=0.50", ["es", "ar", "he"]),
        # q=0 means "not acceptable"; "*" names no language
        ("de;q=0, fr;q=0.000, it", ["it"]),
        ("*", []),
        # malformed q-values drop their range (a browser never sends them); other parameters are ignored
        ("de;q=1.5, fr;q=abc, it;q=0.1234, nl;q=-1, es;q=1.000", ["es"]),
        ("pt-BR ; Q=0.8 , ja ;q=0.9", ["ja", "pt-BR"]),
        ("en;level=1;q=0.4, he", ["he", "en"]),
        # garbage is no language at all, never an error
        ("", []),
        (None, []),
        ("de-<script>, ,;q=1, 12, en-", []),
        ("x" * 5000, []),
    ],
)
def test_accept_language_is_read_by_q_value(header, ranges):
    assert accept_language(header) == ranges


def test_accept_language_bounds_the_work_on_a_huge_header():
    header = ", ".join(f"x-{i}" for i in range(10_000)) + ", de"
    assert accept_language(header) == [f"x-{i}" for i in range(locales.MAX_RANGES)]  # "de" is past the bound


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("de", "de"), ("de-AT", "de"), ("DE-at", "de"), ("pt-BR", "pt"), ("pt_PT", "pt"), ("zh-Hant-TW", None),
        ("iw", "he"), ("iw-IL", "he"), ("ar-EG", "ar"), ("ja-JP", "ja"), ("en-GB", "en"), ("sv", None), ("", None), (None, None),
    ],
)
def test_a_tag_gets_its_language_catalogue_by_lookup(tag, code):
    assert catalogue_language(tag) == code


def test_choose_takes_the_first_candidate_with_a_catalogue():
    assert choose(["sv", None, "de-CH", "fr"]).code == "de"
    assert choose(["sv", "zh"]).code == "en"  # nothing we speak: the source language
    assert choose([]).code == "en"


def test_every_language_has_its_direction_and_date_locale():
    assert [language(code).direction for code in ("ar", "he", "ar-EG")] == ["rtl"] * 3
    assert {language(code).direction for code in ("en", "de", "fr", "es", "it", "pt", "nl", "ja")} == {"ltr"}
    assert language("pt-PT").format_locale == "pt_PT" and language("pt-PT").code == "pt"
    assert language("en-GB").format_locale == "en_GB"
    assert language("de").format_locale == "de"
    assert language("iw").code == "he" and language("iw").format_locale == "he"
    assert language("de-XX").format_locale == "de"  # a region Babel does not know: the language's own


# --- plural forms, from the compiled catalogues ---------------------------------------------------------

SINGULAR, PLURAL = "It starts tomorrow.", "It starts in %(count)s days."


@pytest.mark.parametrize(
    ("code", "n", "expected"),
    [
        ("en", 1, "It starts tomorrow."),
        ("en", 2, "It starts in 2 days."),
        ("de", 1, "Es geht morgen los."),
        ("de", 5, "Es geht in 5 Tagen los."),
        ("fr", 1, "L’événement commence demain."),  # noqa: RUF001 (the locale's own punctuation)
        ("fr", 2, "L’événement commence dans 2 jours."),  # noqa: RUF001 (the locale's own punctuation)
        ("ja", 1, "あと1日で始まります。"),  # one form for every number
        ("ja", 7, "あと7日で始まります。"),
        # Arabic has six: one, two (a dual word), 3-10 (plural noun), 11-99 (singular accusative), 100-102 (singular)
        ("ar", 1, "تبدأ غدًا."),
        ("ar", 2, "تبدأ بعد يومين."),
        ("ar", 3, "تبدأ بعد 3 أيام."),
        ("ar", 10, "تبدأ بعد 10 أيام."),
        ("ar", 11, "تبدأ بعد 11 يومًا."),
        ("ar", 45, "تبدأ بعد 45 يومًا."),
        ("ar", 100, "تبدأ بعد 100 يوم."),
        ("ar", 103, "تبدأ بعد 103 أيام."),
        # Hebrew: one, a dual ("יומיים"), and the rest
        ("he", 1, "האירוע מתחיל מחר."),
        ("he", 2, "האירוע מתחיל בעוד יומיים."),
        ("he", 12, "האירוע מתחיל בעוד 12 ימים."),
    ],
)
def test_plural_forms_follow_each_language(code, n, expected):
    assert language(code).ngettext(SINGULAR, PLURAL, n) % {"count": n} == expected


def test_a_german_attendee_reads_german():
    german = language("de")
    assert german.gettext("Save contact") == "Kontakt speichern"
    assert german.gettext("Met at %(event)s") % {"event": "PyCon"} == "Kennengelernt bei PyCon"
    assert language("en").gettext("Save contact") == "Save contact"


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en", "Apr 1\u2009\u2013\u20093, 2027"),
        ("en-GB", "1\u20133 Apr 2027"),
        ("de", "1.\u20133. Apr. 2027"),
        ("fr", "1\u20133 avr. 2027"),
        ("ja", "2027年4月1日～3日"),  # noqa: RUF001 (the locale's own punctuation)
        ("ar", "1\u20133 أبريل 2027"),
        ("he", "1\u20133 באפר׳ 2027"),  # noqa: RUF001 (the locale's own punctuation)
    ],
)
def test_event_dates_are_written_as_the_locale_writes_them(tag, expected):
    starts, ends = datetime(2027, 4, 1, 7, 0, tzinfo=UTC), datetime(2027, 4, 3, 16, 0, tzinfo=UTC)
    assert event_dates(starts, ends, "Europe/Berlin", language(tag).format_locale) == expected


def test_event_dates_are_the_days_of_the_event_in_its_time_zone():
    # 23:30 UTC on 1 April is already 2 April in Tokyo, still 1 April in New York
    starts, ends = datetime(2027, 4, 1, 23, 30, tzinfo=UTC), datetime(2027, 4, 2, 8, 0, tzinfo=UTC)
    assert event_dates(starts, ends, "Asia/Tokyo", "en") == "Fri, Apr 2, 2027"
    assert event_dates(starts, ends, "America/New_York", "en") == "Apr 1\u2009\u2013\u20092, 2027"
    assert event_dates(starts, None, "Not/AZone", "de") == "Do., 1. Apr. 2027"  # an unknown zone is UTC
    assert event_dates(None, ends, "UTC", "en") is None


def test_days_until_counts_calendar_days_in_the_event_time_zone():
    now = datetime(2027, 3, 31, 22, 0, tzinfo=UTC)  # 1 April, 07:00 in Tokyo
    starts = datetime(2027, 4, 1, 23, 30, tzinfo=UTC)  # 2 April, 08:30 in Tokyo
    assert locales.days_until(starts, "Asia/Tokyo", now) == 1
    assert locales.days_until(starts, "UTC", now) == 1
    assert locales.days_until(starts, "America/Los_Angeles", now) == 1
    assert locales.days_until(None, "UTC", now) is None
