"""The vCard 3.0 writer: escaping, folding, CRLF, and round trips through a third-party parser (vobject)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import vobject

from outreachpass.integrations.vcard import (
    CRLF,
    Contact,
    Link,
    content_disposition,
    escape_text,
    filename_for,
    fold,
    render,
)


def contact(**overrides) -> Contact:
    values = {
        "uid": "urn:uuid:6f9f1f0e-8c1d-4c53-9a43-3c4f5e1b2a10",
        "formatted_name": "Ada Lovelace",
        "family_name": "Lovelace",
        "given_name": "Ada",
        "org": "Analytical Engines Ltd",
        "title": "Chief Programmer",
        "emails": ("ada@example.com",),
        "phones": ("+44 20 7946 0958",),
        "links": (Link("https://www.linkedin.com/in/ada", "LinkedIn"),),
        "note": "Met at PyCon",
        "revised_at": datetime(2027, 4, 1, 9, 30, 15, tzinfo=UTC),
        "extensions": (("X-OUTREACHPASS-REV", "7"),),
    }
    values.update(overrides)
    return Contact(**values)


def parse(text: str):
    return vobject.readOne(text)


def test_every_field_survives_a_round_trip():
    text = render(contact(photo_jpeg=b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4))
    card = parse(text)
    assert card.version.value == "3.0"
    assert card.fn.value == "Ada Lovelace"
    assert (card.n.value.family, card.n.value.given) == ("Lovelace", "Ada")
    assert card.org.value == ["Analytical Engines Ltd"]
    assert card.title.value == "Chief Programmer"
    assert card.email.value == "ada@example.com"
    assert card.email.params["TYPE"] == ["INTERNET"]
    assert card.tel.value == "+44 20 7946 0958"
    assert card.url.value == "https://www.linkedin.com/in/ada"
    assert card.url.group == card.x_ablabel.group == "item1"
    assert card.x_ablabel.value == "LinkedIn"
    assert card.note.value == "Met at PyCon"
    assert card.photo.value == b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
    assert card.rev.value == "20270401T093015Z"
    assert card.uid.value == "urn:uuid:6f9f1f0e-8c1d-4c53-9a43-3c4f5e1b2a10"
    assert card.x_outreachpass_rev.value == "7"


@pytest.mark.parametrize(
    ("given", "family", "org", "title"),
    [
        ("Zoë", "Ñúñez-Östergård", "Société Générale", "Directrice générale"),
        ("太郎", "山田", "株式会社東京", "部長"),
        ("Ji-woo", "김", "삼성전자", "연구원"),
        ("Smith, Jr.", "O'Neil; PhD", "Acme, Inc.; Widgets", "VP, Sales; EMEA"),
        ("Back\\slash", "Semi;colon", "a\\,b;c", "multi\nline\r\ntitle"),
        ("Мария", "Иванова", "ООО «Ромашка»", "Инженер"),  # noqa: RUF001 (Cyrillic on purpose)
        ("محمد", "العلي", "شركة", "مدير"),
        ("👩‍💻 Dev", "Emoji 🎉", "🚀 Rockets", "✨"),
    ],
)
def test_names_in_any_script_and_special_characters_round_trip(given, family, org, title):
    name = f"{given} {family}"
    text = render(contact(formatted_name=name, given_name=given, family_name=family, org=org, title=title, note=None))
    card = parse(text)
    assert card.fn.value == name
    assert (card.n.value.given, card.n.value.family) == (given, family)
    assert card.org.value == [org]
    assert card.title.value == title.replace("\r\n", "\n")


def test_escaping_of_text_values():
    assert escape_text("a\\b,c;d\ne\r\nf\rg") == "a\\\\b\\,c\\;d\\ne\\nf\\ng"
    assert escape_text("tab\there\x00\x07bell") == "tab herebell"


def test_lines_end_in_crlf_and_nothing_else():
    text = render(contact(note="line one\nline two"))
    assert text.endswith("END:VCARD\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")


@pytest.mark.parametrize(
    "note",
    [
        "x" * 500,
        "é" * 200,  # 2-byte characters
        "東京" * 150,  # 3-byte characters
        "🎉" * 100,  # 4-byte characters
        "a" + "東" * 100,  # a 3-byte character straddling octet 75
        "ab" + "🎉" * 80,
    ],
)
def test_long_lines_fold_at_75_octets_without_splitting_characters(note):
    text = render(contact(note=note))
    lines = text.split(CRLF)[:-1]
    for line in lines:
        assert len(line.encode("utf-8")) <= 75, line
        line.encode("utf-8").decode("utf-8")  # every physical line is valid UTF-8 on its own
    note_lines = [line for line in lines if line.startswith("NOTE:") or line.startswith(" ")]
    assert all(line.startswith(" ") for line in note_lines[1:])
    # unfolding (remove CRLF + one space) gives back the value
    unfolded = text.replace(CRLF + " ", "")
    assert f"NOTE:{note}{CRLF}" in unfolded
    assert parse(text).note.value == note


def test_fold_fills_lines_to_the_limit():
    line = "NOTE:" + "x" * 200
    folded = fold(line).split(CRLF)
    assert [len(part) for part in folded] == [75, 75, 57]  # 205 = 75 + 74 + 56, plus the leading spaces
    assert fold("short") == "short"


def test_long_photo_folds_and_decodes():
    jpeg = b"\xff\xd8\xff" + bytes(range(256)) * 40
    text = render(contact(photo_jpeg=jpeg))
    assert all(len(line) <= 75 for line in text.split(CRLF))
    assert parse(text).photo.value == jpeg


def test_urls_with_commas_and_semicolons_stay_one_url():
    text = render(contact(links=(Link("https://example.com/a,b;c?x=1&y=2 ", "Site"), Link("https://plain.example/"))))
    card = parse(text)
    assert [url.value for url in card.contents["url"]] == ["https://example.com/a%2Cb%3Bc?x=1&y=2", "https://plain.example/"]


def test_optional_fields_are_left_out():
    text = render(Contact(uid="urn:uuid:x", formatted_name="Solo"))
    card = parse(text)
    assert card.fn.value == "Solo"
    assert card.n.value.family == "" and card.n.value.given == ""
    for absent in ("org", "title", "email", "tel", "url", "note", "photo", "rev"):
        assert absent not in card.contents


def test_rev_is_utc():
    revised = datetime(2027, 4, 1, 11, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert "REV:20270401T090000Z\r\n" in render(contact(revised_at=revised))


@pytest.mark.parametrize(
    ("name", "ascii_name", "utf8_name"),
    [
        ("Ada Lovelace", "Ada-Lovelace.vcf", "Ada Lovelace.vcf"),
        ("Zoë Ñúñez", "Zoe-Nunez.vcf", "Zoë Ñúñez.vcf"),
        ("山田 太郎", "contact.vcf", "山田 太郎.vcf"),
        ('../../etc/passwd"', "etcpasswd.vcf", "etcpasswd.vcf"),
        ("   ", "contact.vcf", "contact.vcf"),
    ],
)
def test_file_names(name, ascii_name, utf8_name):
    assert filename_for(name) == (ascii_name, utf8_name)


def test_content_disposition_has_both_forms():
    assert content_disposition("Zoë") == "attachment; filename=\"Zoe.vcf\"; filename*=UTF-8''Zo%C3%AB.vcf"
