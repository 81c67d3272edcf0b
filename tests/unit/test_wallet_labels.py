"""The wallet passes' words: the catalogues (one per language, complete, placeholders intact),
the pass's language, the strict strings reader the pass tests rely on, and a signed .pkpass in
each language whose pass.strings parses and covers every key pass.json uses."""

from __future__ import annotations

import io
import json
import re
import string
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from local.wallet_credentials import ensure_credentials, secret_values
from outreachpass.integrations.wallet.apple_pass import (
    STRING_KEY_PREFIX,
    ApplePassContent,
    Colours,
    build_pkpass,
    strings_file,
)
from outreachpass.integrations.wallet.credentials import parse_apple_pass_credentials
from outreachpass.integrations.wallet.images import default_images
from outreachpass.services.wallet import labels
from tests.apple_strings import StringsError, parse

PLACEHOLDERS = {"description": {"name"}, "near_venue": {"event"}}


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_string_with_its_placeholders():
    english = labels.catalogue("en")
    assert set(labels.SUPPORTED) >= {"en", "de", "fr", "es", "it", "pt", "nl", "ja"}
    for language in labels.SUPPORTED:
        words = labels.catalogue(language)
        assert set(words) == set(english), language
        for key, value in words.items():
            assert value.strip() == value and value, (language, key)
            assert fields_of(value) == PLACEHOLDERS.get(key, set()), (language, key, value)


def test_translations_are_translations():
    """No catalogue is English left in place: most labels differ from the English ones (names of
    things that are the same word, like "Name" in German or "Evento", may coincide)."""
    english = labels.catalogue("en")
    for language in labels.SUPPORTED:
        if language == "en":
            continue
        same = [key for key, value in labels.catalogue(language).items() if value == english[key]]
        assert len(same) <= 2, (language, same)
        assert labels.text(language, "description", name="Ada") != labels.text("en", "description", name="Ada")


@pytest.mark.parametrize(
    ("attendee", "event", "expected"),
    [("de", "en", "de"), (None, "fr", "fr"), ("de-AT", "en", "de"), ("pt-BR", "en", "pt"), ("pl", "nl", "nl"),
     ("pl", "zh-Hant", "en"), (None, None, "en"), ("ja", None, "ja")],
)
def test_the_pass_language_is_the_attendees_else_the_events(attendee, event, expected):
    assert labels.pass_language(attendee, event) == expected


def test_google_localized_strings_carry_every_language():
    value = labels.localized("de", "title")
    assert value["defaultValue"] == {"language": "de", "value": "Position"}
    assert {t["language"] for t in value["translatedValues"]} == set(labels.SUPPORTED) - {"de"}
    assert {"language": "ja", "value": "役職"} in value["translatedValues"]


# --- the strict strings reader -----------------------------------------------------------------


def test_reader_reads_utf16_and_utf8_with_escapes_and_comments():
    body = '/* a comment */\n"a" = "x \\"y\\" \\\\ \\n \\U00e9";\n// another\n"b"="ü";'
    expected = {"a": 'x "y" \\ \n é', "b": "ü"}
    assert parse(b"\xff\xfe" + body.encode("utf-16-le")) == expected
    assert parse(b"\xfe\xff" + body.encode("utf-16-be")) == expected
    assert parse(body.encode("utf-8")) == expected
    assert parse(b"\xef\xbb\xbf" + body.encode("utf-8")) == expected


@pytest.mark.parametrize(
    "bad",
    [
        b'"a" = "b"',  # no semicolon
        b'"a" "b";',  # no equals sign
        b'a = "b";',  # unquoted key
        b'"a" = "b\\q";',  # unknown escape
        b'"a" = "\\U12";',  # short \U
        b'"a" = "b";\n"a" = "c";',  # duplicate key
        b'"a" = "b',  # unterminated string
        b'/* open',  # unterminated comment
        b'"a" = "b"; junk',  # trailing garbage
        "\"a\" = \"b\";".encode("utf-16-le"),  # UTF-16 without a byte order mark
        b'"a" = "\xff";',  # not UTF-8
    ],
)
def test_reader_refuses_what_is_not_the_format(bad):
    with pytest.raises(StringsError):
        parse(bad)


def test_our_writer_round_trips_through_the_reader():
    tricky = {"op.k": 'He said "hi"\\ back\nthen\tleft \x01 ✓ 名刺'}
    data = strings_file(tricky)
    assert data.startswith(b"\xff\xfe")
    assert parse(data) == tricky


# --- a pass in each language -------------------------------------------------------------------


@pytest.fixture(scope="module")
def apple(tmp_path_factory):
    return parse_apple_pass_credentials(secret_values(ensure_credentials(tmp_path_factory.mktemp("creds")))["apple_pass"])


def used_keys(document) -> set[str]:
    """Every string of pass.json Wallet would look up that is one of ours."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(STRING_KEY_PREFIX):
            found.add(value)

    walk(document)
    return found


@pytest.mark.parametrize("language", labels.SUPPORTED)
def test_a_pass_in_each_language_localizes_every_key_it_uses(apple, language):
    berlin = ZoneInfo("Europe/Berlin")
    starts = datetime(2031, 5, 1, 11, 0, tzinfo=berlin)
    content = ApplePassContent(
        serial_number="s" * 32, authentication_token="t" * 32, web_service_url="https://cards.example.com/wallet",
        card_url="https://cards.example.com/c/4a7c0f34-6f0e-4a55-9f0b-2f4b8c1d9e21", organization_name="Northwind",
        display_name="Ada Lovelace", colours=Colours("#ffffff", "#1f2937", "#93c5fd"), title="CTO", org_name="AE Ltd",
        event_name="Summit", email="ada@example.com", phone="+44 20 7946 0001", language=language,
        strings=labels.texts(language, name="Ada Lovelace", event="Summit"), event_starts=starts,
        event_ends=starts + timedelta(hours=8), venue="Hall 3\nMesse Berlin", organiser="Northwind",
        organiser_email="hello@northwind.example", relevant_date=starts, locations=((52.5, 13.27),),
    )
    data = build_pkpass(content, default_images(), pass_type_identifier=apple.pass_type_identifier,
                        team_identifier=apple.team_identifier, certificate=apple.certificate,
                        private_key=apple.private_key, intermediate=apple.wwdr_certificate)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    folders = [name for name in files if ".lproj/" in name]
    assert folders == [f"{language}.lproj/pass.strings"]  # one localization: the pass's language
    assert f"{language}.lproj/pass.strings" in json.loads(files["manifest.json"])
    strings = parse(files[folders[0]])
    document = json.loads(files["pass.json"])
    keys = used_keys(document)
    assert keys <= set(strings), keys - set(strings)
    assert {"op.description", "op.name", "op.title", "op.organisation", "op.starts", "op.venue", "op.organiser_email", "op.near_venue", "op.card_link"} <= keys
    assert strings["op.description"] == labels.text(language, "description", name="Ada Lovelace")
    assert strings["op.name"] == labels.text(language, "name")
    assert re.fullmatch(r'<a href="https://cards\.example\.com/c/[0-9a-f-]+">[^<>]+</a>', strings["op.card_link"])
