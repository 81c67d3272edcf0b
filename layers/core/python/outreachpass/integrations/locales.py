"""The languages the card page and the card e-mail speak: which catalogue a language tag gets, the
browser's Accept-Language header read with its q-values, the translations, the text direction,
and dates written the way a locale writes them.

Translations are standard gettext catalogues: `outreachpass/locales/<lang>/LC_MESSAGES/messages.po`
written by people, compiled to `.mo` by Babel (`make catalogues`, ops/catalogues.py); templates
use them through jinja2's i18n extension (`install`), Python code through `Language.gettext`.
English is the source language (the msgids): it has no catalogue. The stdlib reads the `.mo`
files (no Babel at import); Babel formats dates and knows each locale's script direction.

A catalogue language is chosen by RFC 4647 lookup: "pt-BR" gets the "pt" catalogue, "de-AT" the
"de" one; dates use the most specific locale Babel knows ("pt-PT" writes its dates as Portugal
does, with the "pt" wording).
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# The catalogues there are (plus the source language). ops/catalogues.py and its test keep the
# folders and this list the same.
LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "ja", "ar", "he")
# A deprecated tag old systems (Java, older Android) still send for a language we have.
ALIASES = {"iw": "he"}
MAX_ACCEPT_LANGUAGE = 1024  # longer headers are cut (a browser sends a few dozen bytes)
MAX_RANGES = 32

_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


def N_(message: str) -> str:  # the conventional gettext marker name
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


# --- choosing a language ----------------------------------------------------------------------------


def catalogue_language(tag: str | None) -> str | None:
    """The catalogue language for a BCP 47 tag (RFC 4647 lookup: subtags dropped from the end), or
    None when we have none for it. Case and "_" separators are forgiven ("pt_br" -> "pt")."""
    if not tag:
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if not parts or not parts[0]:
        return None
    parts[0] = ALIASES.get(parts[0], parts[0])
    while parts:
        candidate = "-".join(parts)
        if candidate in LANGUAGES:
            return candidate
        parts.pop()
    return None


def accept_language(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header (RFC 9110 §12.5.4), most preferred first:
    sorted by q-value, ties in the order sent. q=0 ("not acceptable"), "*", malformed ranges and
    malformed q-values are dropped; a header that cannot be read at all is an empty list."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")[:MAX_RANGES]):
        tag, *params = (part.strip() for part in item.split(";"))
        if not tag or tag == "*" or not _TAG.match(tag):
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() != "q":
                continue
            value = value.strip()
            weight = float(value) if _QVALUE.match(value) else -1.0
        if weight <= 0:
            continue
        ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose(candidates: Iterable[str | None]) -> Language:
    """The first candidate tag we have a catalogue for, else the source language. Each candidate is
    a tag from the attendee, the event or the browser, in the caller's order of precedence."""
    for tag in candidates:
        code = catalogue_language(tag)
        if code is not None:
            return language(tag or code)
    return language(SOURCE_LANGUAGE)


# --- a language -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    code: str  # the catalogue: "pt"
    format_locale: str  # the locale dates are written in (Babel's name): "pt_PT"
    direction: str  # "ltr" or "rtl"
    translations: stdlib_gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


@functools.lru_cache(maxsize=64)
def language(tag: str) -> Language:
    """The Language of a tag we have a catalogue for (see catalogue_language); an unknown tag is the
    source language. Cached per tag: the catalogue is read and the locale data loaded once."""
    code = catalogue_language(tag) or SOURCE_LANGUAGE
    format_locale = _format_locale(tag, code)
    return Language(code=code, format_locale=format_locale, direction=_direction(format_locale), translations=translations(code))


@functools.lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalogue of a language (the source language has none: msgids as they are)."""
    if code == SOURCE_LANGUAGE:
        return stdlib_gettext.NullTranslations()
    path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with path.open("rb") as handle:  # a missing .mo is a packaging bug: fail loudly, not in English
        return stdlib_gettext.GNUTranslations(handle)


def _format_locale(tag: str, code: str) -> str:
    """The most specific locale Babel has data for, of those the tag names (for dates)."""
    from babel import Locale, UnknownLocaleError

    parts = tag.strip().replace("_", "-").split("-")
    parts[0] = code if catalogue_language(parts[0]) == code else parts[0]
    while len(parts) > 1:
        try:
            return str(Locale.parse("-".join(parts), sep="-"))
        except (UnknownLocaleError, ValueError):
            parts.pop()
    return code


def _direction(format_locale: str) -> str:
    from babel import Locale

    return "rtl" if Locale.parse(format_locale).character_order == "right-to-left" else "ltr"


def warm_up() -> None:
    """Load every catalogue and every locale's data now (SnapStart: the snapshot holds them)."""
    for code in LANGUAGES:
        language(code)
        event_dates(datetime(2030, 1, 1), datetime(2030, 1, 2), "UTC", language(code).format_locale)


# --- dates ------------------------------------------------------------------------------------------


def event_dates(starts: datetime | None, ends: datetime | None, timezone: str | None, format_locale: str) -> str | None:
    """An event's dates as the locale writes them, in the event's time zone: "Thu, Apr 1, 2027" for
    one day, an interval for several (CLDR's: "Apr 1 - 3, 2027" in English, "1.-3. Apr. 2027" in
    German, with the locale's own dash)."""
    if starts is None:
        return None
    zone = _zone(timezone)
    first = starts.astimezone(zone).date()
    last = ends.astimezone(zone).date() if ends is not None else first
    return _dates(first, max(first, last), format_locale)


@functools.lru_cache(maxsize=512)
def _dates(first: date, last: date, format_locale: str) -> str:
    from babel.dates import format_interval, format_skeleton

    if first == last:
        return str(format_skeleton("yMMMEd", first, locale=format_locale))
    return str(format_interval(first, last, "yMMMd", locale=format_locale))


def days_until(starts: datetime | None, timezone: str | None, now: datetime) -> int | None:
    """Whole days from `now` to the event's first day, as calendar days in the event's time zone."""
    if starts is None:
        return None
    zone = _zone(timezone)
    return (starts.astimezone(zone).date() - now.astimezone(zone).date()).days


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- jinja2 -----------------------------------------------------------------------------------------


def install(environment: Any) -> None:
    """jinja2's i18n extension, translating with the `language` (a Language) of each render's
    context: one environment and one compiled template serve every language. Messages are
    trimmed ({% trans %} blocks written over several lines become one line)."""
    from jinja2 import pass_context

    @pass_context
    def gettext(context: Any, message: str) -> str:
        return str(context["language"].gettext(message))

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, n: int) -> str:
        return str(context["language"].ngettext(singular, plural, n))

    @pass_context
    def pgettext(context: Any, message_context: str, message: str) -> str:
        return str(context["language"].pgettext(message_context, message))

    @pass_context
    def npgettext(context: Any, message_context: str, singular: str, plural: str, n: int) -> str:
        return str(context["language"].npgettext(message_context, singular, plural, n))

    environment.add_extension("jinja2.ext.i18n")
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    environment.globals["_"] = environment.globals["gettext"]
