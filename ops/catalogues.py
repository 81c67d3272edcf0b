"""The translation catalogues of the card page and the card e-mail: extract, update, compile, check.

    python -m ops.catalogues            # extract messages.pot, merge it into each .po, compile the .mo files
    python -m ops.catalogues --check    # what is out of date (exit 1), changing nothing

(`make catalogues` runs the first.) Babel does the work, configured by babel.cfg at the top of the
repository: the jinja2 templates ({% trans %} blocks, _() calls) and the Python code (N_ markers,
Language.gettext calls). The tool keeps the files stable: a file is rewritten only when its content
changes (no fresh creation dates in every run), so a branch that edits a template does not touch
every catalogue.

What --check (and tests/unit/test_catalogues.py) find wrong:
  * messages.pot differs from what the sources say now (a message added, changed or removed);
  * a .po lacks a message, keeps one the sources dropped, has a fuzzy or an untranslated entry,
    fewer plural forms than its Plural-Forms header says, or a placeholder the msgid does not have;
  * a .mo is missing or is not the compilation of its .po.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "babel.cfg"
LOCALES = ROOT / "layers" / "core" / "python" / "outreachpass" / "locales"
POT = LOCALES / "messages.pot"
DOMAIN = "messages"
PROJECT = "OutreachPass"
COPYRIGHT = "OutreachPass contributors"
BUGS = "the issue tracker of OutreachPass"
# Plural rules that differ from Babel's gettext table, and why. Hebrew: Babel writes two forms
# (n != 1), but Hebrew has a dual ("יומיים", two days) that CLDR keeps as its own category.
PLURAL_FORMS = {"he": "nplurals=3; plural=(n == 1 ? 0 : n == 2 ? 1 : 2);"}


def languages() -> list[str]:
    return sorted(path.name for path in LOCALES.iterdir() if (path / "LC_MESSAGES" / f"{DOMAIN}.po").is_file())


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


# --- extraction -------------------------------------------------------------------------------------


def extract():  # -> babel.messages.Catalog
    """The messages the sources use now, as a template catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with CONFIG.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename=str(CONFIG))
    catalog = Catalog(project=PROJECT, copyright_holder=COPYRIGHT, msgid_bugs_address=BUGS, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=_keywords(), comment_tags=("Translators:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _keywords() -> dict:
    from babel.messages.extract import DEFAULT_KEYWORDS

    return dict(DEFAULT_KEYWORDS)


def _keys(catalog) -> set:
    return {(message.id if isinstance(message.id, str) else tuple(message.id), message.context) for message in catalog if message.id}


def _write_po(catalog) -> bytes:
    from babel.messages.pofile import write_po

    if catalog.locale is not None:  # a language's catalogue: who writes it (not Babel's placeholders)
        name = catalog.locale.english_name
        catalog.header_comment = (
            f"# {name} translations of the OutreachPass card page and card e-mail.\n"
            "# Written by people, never machine-translated: see docs/decisions.md (catalogues).\n"
            "# This file is distributed under the same license as the OutreachPass project."
        )
        catalog.last_translator = COPYRIGHT
        catalog.language_team = name
        if catalog.revision_date is None or not isinstance(catalog.revision_date, datetime):
            catalog.revision_date = catalog.creation_date
    out = io.BytesIO()
    write_po(out, catalog, width=100, no_location=True, omit_header=False, sort_output=True, include_previous=False)
    return out.getvalue()


def _write_mo(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _read_po(path: Path, language: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def _settle_dates(fresh, previous) -> None:
    """Keep the previous file's dates when its messages are the same (no churn)."""
    if previous is not None and _keys(previous) == _keys(fresh):
        fresh.creation_date = previous.creation_date
    else:
        fresh.creation_date = datetime.now(UTC)


# --- update and compile ---------------------------------------------------------------------------


def update() -> list[Path]:
    """Extract, merge into every .po, compile every .mo; returns the files written."""
    written: list[Path] = []
    template = extract()
    previous_pot = _read_po(POT) if POT.exists() else None
    _settle_dates(template, previous_pot)
    template.revision_date = template.creation_date
    written += _write_if_changed(POT, _write_po(template))
    for language in languages():
        catalog = _read_po(po_path(language), language)
        before = _keys(catalog)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
        catalog.obsolete.clear()  # a message the sources dropped goes (git keeps its history)
        if language in PLURAL_FORMS:
            _set_plural_forms(catalog, PLURAL_FORMS[language])
        if _keys(catalog) != before:
            catalog.revision_date = datetime.now(UTC)
        written += _write_if_changed(po_path(language), _write_po(catalog))
        written += _write_if_changed(mo_path(language), _write_mo(_read_po(po_path(language), language)))
    return written


def _set_plural_forms(catalog, header: str) -> None:
    nplurals, _, expr = header.partition(";")
    catalog._num_plurals = int(nplurals.split("=")[1])
    catalog._plural_expr = expr.strip().removeprefix("plural=").rstrip(";")


def _write_if_changed(path: Path, content: bytes) -> list[Path]:
    if path.exists() and path.read_bytes() == content:
        return []
    path.write_bytes(content)
    return [path]


# --- checks ---------------------------------------------------------------------------------------


def problems() -> list[str]:
    """Everything out of date or incomplete, one line each (empty: all good)."""
    found: list[str] = []
    template = extract()
    expected = _keys(template)
    if not POT.exists():
        found.append(f"{POT.relative_to(ROOT)} is missing")
    elif _keys(_read_po(POT)) != expected:
        found.append(f"{POT.relative_to(ROOT)} is out of date with the templates and code")
    for language in languages():
        found += _po_problems(language, expected)
        found += _mo_problems(language)
    return found


def _po_problems(language: str, expected: set) -> list[str]:
    from babel.messages.plurals import get_plural

    where = po_path(language).relative_to(ROOT)
    catalog = _read_po(po_path(language), language)
    keys = _keys(catalog)
    found = [f"{where}: no translation of {key[0]!r}" for key in sorted(expected - keys, key=str)]
    found += [f"{where}: {key[0]!r} is no longer in the sources" for key in sorted(keys - expected, key=str)]
    if catalog.obsolete:
        found.append(f"{where}: obsolete entries (#~) left in")
    wanted_forms = PLURAL_FORMS.get(language) or str(get_plural(language))
    if _plural_key(catalog.plural_forms) != _plural_key(wanted_forms):
        found.append(f"{where}: Plural-Forms is {catalog.plural_forms!r}, expected {wanted_forms!r}")
    for message in catalog:
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            found.append(f"{where}: {label!r} is fuzzy")
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            found.append(f"{where}: {label!r} has {len(strings)} plural forms, the language has {catalog.num_plurals}")
        if not all(strings):
            found.append(f"{where}: {label!r} is not translated")
    for message, errors in catalog.check():
        label = message.id if isinstance(message.id, str) else message.id[0]
        found += [f"{where}: {label!r}: {error}" for error in errors]
    return found


def _plural_key(header: str) -> str:
    return header.replace(" ", "").rstrip(";")


def _mo_problems(language: str) -> list[str]:
    where = mo_path(language).relative_to(ROOT)
    if not mo_path(language).exists():
        return [f"{where} is missing (make catalogues)"]
    if mo_path(language).read_bytes() != _write_mo(_read_po(po_path(language), language)):
        return [f"{where} is not the compilation of its .po (make catalogues)"]
    return []


def new_language(language: str) -> Path:
    """Start a catalogue for a language (then translate it and run the update)."""
    from babel.messages.catalog import Catalog

    template = extract()
    catalog = Catalog(locale=language, domain=DOMAIN, project=PROJECT, copyright_holder=COPYRIGHT, msgid_bugs_address=BUGS,
                      fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    if language in PLURAL_FORMS:
        _set_plural_forms(catalog, PLURAL_FORMS[language])
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_write_po(catalog))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.catalogues", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report what is out of date; change nothing")
    parser.add_argument("--new", metavar="LANG", help="start the catalogue of a language")
    args = parser.parse_args(argv)
    if args.new:
        print(new_language(args.new).relative_to(ROOT))
        return 0
    if args.check:
        found = problems()
        for line in found:
            print(line)
        print("catalogues: " + (f"{len(found)} problem(s)" if found else "up to date"))
        return 1 if found else 0
    for path in update():
        print(f"wrote {path.relative_to(ROOT)}")
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
