"""The words a wallet pass shows around the card's data, in the pass's language.

A pass speaks one language: the attendee's, else the event's (`pass_language`), narrowed to the
languages the passes have words for (SUPPORTED; `pt-BR` speaks `pt`, an unsupported language
English). The words live in `outreachpass/assets/wallet/strings/<lang>.json` (one catalogue per
language, the same keys in each, `{name}`-style placeholders; tests/unit/test_wallet_labels.py
holds them to that), read once per container.

Apple gets them as `<lang>.lproj/pass.strings` (pass.json carries their keys:
integrations.wallet.apple_pass.string_key); Google as LocalizedStrings: the pass's language as
`defaultValue`, every other supported language in `translatedValues`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

STRINGS = Path(__file__).resolve().parent.parent.parent / "assets" / "wallet" / "strings"
SUPPORTED = ("en", "de", "fr", "es", "it", "pt", "nl", "ja")
DEFAULT = "en"


def supported_language(tag: str | None) -> str | None:
    """The supported language a BCP 47 tag speaks ("de-AT" -> "de"), or None."""
    if not tag:
        return None
    primary = str(tag).strip().split("-", 1)[0].lower()
    return primary if primary in SUPPORTED else None


def pass_language(attendee_language: str | None, event_language: str | None) -> str:
    """The attendee's language, else the event's, else English (among the supported ones)."""
    return supported_language(attendee_language) or supported_language(event_language) or DEFAULT


@lru_cache(maxsize=len(SUPPORTED))
def catalogue(language: str) -> dict[str, str]:
    if language not in SUPPORTED:
        raise ValueError(f"no wallet strings for '{language}'")
    data: dict[str, str] = json.loads((STRINGS / f"{language}.json").read_text(encoding="utf-8"))
    return data


def text(language: str, key: str, **values: Any) -> str:
    """One string in one language, its placeholders filled."""
    template = catalogue(language).get(key) or catalogue(DEFAULT)[key]
    return template.format(**values) if values else template


def localized(language: str, key: str, **values: Any) -> dict[str, Any]:
    """A Google Wallet LocalizedString: `language` as the default, each supported one translated."""
    return {
        "defaultValue": {"language": language, "value": text(language, key, **values)},
        "translatedValues": [{"language": other, "value": text(other, key, **values)} for other in SUPPORTED if other != language],
    }


def texts(language: str, **values: Any) -> dict[str, str]:
    """Every string of `language` by name, placeholders filled (what an Apple pass's pass.strings
    holds)."""
    return {key: text(language, key, **values) for key in catalogue(DEFAULT)}
