"""The official wallet badges (Apple's "Add to Apple Wallet", Google's "Add to Google Wallet"), one SVG
per language, packaged in outreachpass/assets/wallet-badges/ (their origin and terms: its README).

The card page links them at `/wallet-badges/<platform>-<language>.svg?v=<digest>`: the route serves
the file with a year of immutable caching, and the digest in the query changes when the artwork does,
so a phone that has seen one card's badge shows the next card's from its cache. A language without
its own badge gets the English one, as both guidelines ask.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

BADGES_DIR = Path(__file__).resolve().parent.parent / "assets" / "wallet-badges"
PLATFORMS = ("apple", "google")
FALLBACK_LANGUAGE = "en"
MEDIA_TYPE = "image/svg+xml"
# The badge's own picture is an SVG document: it may style itself and hold its data: images,
# but load and run nothing else.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CACHE_CONTROL = "public, max-age=31536000, immutable"
_NAME = re.compile(r"^(apple|google)-([a-z]{2,3})\.svg$")
_SIZE = re.compile(rb'<svg[^>]*? width="([\d.]+)" height="([\d.]+)"')


@dataclass(frozen=True)
class Badge:
    platform: str
    url: str  # versioned link to the route
    width: float  # the artwork's own size (its aspect ratio sizes the <img>)
    height: float

    def width_at(self, height: float) -> int:
        return round(height * self.width / self.height)

    def height_at(self, width: float) -> int:
        return round(width * self.height / self.width)


def badge_file(platform: str, language: str) -> str:
    """The file name of a platform's badge in a language (English when there is none)."""
    if platform not in PLATFORMS:
        raise ValueError(f"no such wallet: {platform}")
    code = language if (BADGES_DIR / platform / f"{language}.svg").is_file() else FALLBACK_LANGUAGE
    return f"{platform}-{code}.svg"


@functools.lru_cache(maxsize=64)
def badge(platform: str, language: str) -> Badge:
    """A platform's badge for the page in `language`: its link (versioned by its content) and size."""
    name = badge_file(platform, language)
    data = badge_svg(name)
    assert data is not None  # badge_file only names files that exist
    size = _SIZE.search(data)
    assert size is not None, name  # every packaged badge says its size (a test holds that)
    url = f"/wallet-badges/{name}?v={hashlib.sha256(data).hexdigest()[:12]}"
    return Badge(platform=platform, url=url, width=float(size.group(1)), height=float(size.group(2)))


@functools.lru_cache(maxsize=64)
def badge_svg(name: str) -> bytes | None:
    """The SVG of `apple-de.svg`, `google-ja.svg`, ...; None for any other name (nothing outside the
    badge folder is ever read)."""
    found = _NAME.match(name)
    if found is None:
        return None
    path = BADGES_DIR / found.group(1) / f"{found.group(2)}.svg"
    return path.read_bytes() if path.is_file() else None
