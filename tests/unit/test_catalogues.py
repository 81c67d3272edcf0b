"""The translation catalogues are complete and current: messages.pot says what the templates and the
code use now, every language's .po translates exactly those messages (no fuzzy, no empty, every
plural form, the same placeholders), and every .mo is the compilation of its .po. `make catalogues`
fixes what it can; translations are written by people.

The checks themselves are tested too: a made-up new message, a missing translation, a stale or
missing .mo and a wrong placeholder are each reported."""

from __future__ import annotations

import copy
import shutil

import pytest

from ops import catalogues
from outreachpass.integrations import locales


def test_the_catalogues_are_complete_and_compiled():
    assert catalogues.problems() == []


def test_every_language_we_speak_has_a_catalogue_and_nothing_else_does():
    assert sorted([*catalogues.languages(), locales.SOURCE_LANGUAGE]) == sorted(locales.LANGUAGES)
    for code in catalogues.languages():
        assert catalogues.mo_path(code).is_file()


def test_the_runtime_reads_the_same_catalogues():
    assert catalogues.LOCALES == locales.LOCALES_DIR
    assert catalogues.DOMAIN == locales.DOMAIN


def test_a_catalogue_messages_count_is_the_templates_messages_count():
    template = catalogues.extract()
    assert len([m for m in template if m.id]) >= 30  # the card page, its error pages, the e-mail, the vCard
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert {"Save contact", "Add to Apple Wallet", "Met at %(event)s", "It starts tomorrow."} <= ids


@pytest.fixture
def copy_of_locales(tmp_path, monkeypatch):
    """The catalogues copied aside, with the checker pointed at the copy."""
    template = catalogues.extract()  # what the real sources say
    root = tmp_path / "repo"
    target = root / catalogues.LOCALES.relative_to(catalogues.ROOT)
    shutil.copytree(catalogues.LOCALES, target)
    monkeypatch.setattr(catalogues, "ROOT", root)
    monkeypatch.setattr(catalogues, "LOCALES", target)
    monkeypatch.setattr(catalogues, "POT", target / "messages.pot")
    monkeypatch.setattr(catalogues, "extract", lambda: copy.deepcopy(template))
    assert catalogues.problems() == []
    return target


def test_a_new_message_in_a_template_is_reported(copy_of_locales, monkeypatch):
    real_extract = catalogues.extract

    def with_a_new_message():
        template = real_extract()
        template.add("A sentence nobody translated yet", locations=[("card.html", 1)])
        return template

    monkeypatch.setattr(catalogues, "extract", with_a_new_message)
    found = catalogues.problems()
    assert any("messages.pot is out of date" in line for line in found)
    assert sum("no translation of 'A sentence nobody translated yet'" in line for line in found) == len(catalogues.languages())


def test_an_untranslated_or_dropped_message_a_stale_mo_and_a_wrong_placeholder_are_reported(copy_of_locales):
    po = catalogues.po_path("de")
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Kontakt speichern"', 'msgstr ""')
    text = text.replace('msgstr "Kennengelernt bei %(event)s"', 'msgstr "Kennengelernt bei %(veranstaltung)s"')
    text += '\nmsgid "Gone from the templates"\nmsgstr "Nicht mehr da"\n'
    po.write_text(text, encoding="utf-8")
    catalogues.mo_path("fr").unlink()
    catalogues.mo_path("ja").write_bytes(catalogues.mo_path("ja").read_bytes()[:-10])
    found = "\n".join(catalogues.problems())
    assert "'Save contact' is not translated" in found
    assert "'Met at %(event)s'" in found and "veranstaltung" in found
    assert "'Gone from the templates' is no longer in the sources" in found
    assert "de/LC_MESSAGES/messages.mo is not the compilation of its .po" in found  # its .po changed
    assert "fr/LC_MESSAGES/messages.mo is missing" in found
    assert "ja/LC_MESSAGES/messages.mo is not the compilation of its .po" in found


def test_a_missing_plural_form_and_a_wrong_plural_rule_are_reported(copy_of_locales):
    po = catalogues.po_path("ar")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("msgstr[5]", "#msgstr[5]"), encoding="utf-8")
    he = catalogues.po_path("he")
    he.write_text(he.read_text(encoding="utf-8").replace("nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);", "nplurals=2; plural=(n != 1);"),
                  encoding="utf-8")
    found = "\n".join(catalogues.problems())
    # Babel reads the missing sixth form as an empty one
    assert "ar/LC_MESSAGES/messages.po: 'It starts tomorrow.' is not translated" in found
    assert "he/LC_MESSAGES/messages.po: Plural-Forms is" in found


def test_update_is_stable(copy_of_locales):
    """A second update after a clean state writes nothing (no churn of dates in every file)."""
    assert catalogues.update() == []
