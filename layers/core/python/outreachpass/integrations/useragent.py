"""User agents -> device type, browser and OS for the engagement tables.

ua-parser 1.x does the parsing (the Rust-backed resolver when `ua-parser-rs` is installed,
behind an LRU cache keyed on the string). Building it compiles every regex of the
uap-core database (~100 ms), so it is built once per container, on the first call, and
never at import: functions that do not parse user agents do not pay for it.

The device type is ours to decide (ua-parser has no such field):
  bot      crawlers, link previewers (Slack, iMessage, WhatsApp...), headless browsers and
           HTTP libraries: kept in the tables, excluded from human metrics;
  tablet   iPad, Android without "Mobile", Kindle/Silk, devices named tablets;
  mobile   phones (iOS, Android with "Mobile", other mobile OSes);
  desktop  Windows, macOS, Linux, ChromeOS;
  unknown  nothing to go on (no user agent, an unrecognised one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from outreachpass.lazy import lazy

MAX_USER_AGENT = 512  # longer strings are truncated before parsing and storing
CACHE_SIZE = 2000

DEVICE_TYPES = ("mobile", "desktop", "tablet", "bot", "unknown")

# Automation that ua-parser does not call a "Spider": HTTP libraries, headless browsers,
# previewers. Matched case-insensitively anywhere in the string.
_BOT_PATTERN = re.compile(
    r"(?<!cu)bot\b|bot/|crawler|spider|slurp|crawl|preview|facebookexternalhit|embedly|headlesschrome|phantomjs"
    r"|lighthouse|curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp/|java/|libwww"
    r"|axios/|node-fetch|scrapy|postman|insomnia|uptime|pingdom|validator|whatsapp/|telegrambot|skypeuripreview",
    re.IGNORECASE,
)
_TABLET_PATTERN = re.compile(r"ipad|tablet|kindle|silk/|playbook|nexus (7|9|10)\b|sm-t\d|sm-x\d", re.IGNORECASE)
_MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "Firefox OS", "KaiOS", "Symbian OS", "Tizen"})
_DESKTOP_OS = frozenset({"Windows", "Mac OS X", "macOS", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "ChromeOS", "FreeBSD", "OpenBSD"})


@dataclass(frozen=True)
class DeviceInfo:
    device_type: str  # one of DEVICE_TYPES
    browser: str | None  # "Mobile Safari", "Chrome Mobile", ... (family only: versions are noise here)
    os: str | None  # "iOS", "Android", "Windows", ...


UNKNOWN = DeviceInfo("unknown", None, None)

@lazy
def _get_parser() -> Any:
    import ua_parser  # lazy: ~50 ms import plus ~100 ms to build the resolver

    return ua_parser.Parser(
        ua_parser.CachingResolver(ua_parser.BestAvailableResolver(ua_parser.load_lazy_builtins()), ua_parser.Cache(CACHE_SIZE))
    )


def warm_up() -> None:
    """Build the resolver now (a benchmark's or an init hook's choice; requests do it lazily)."""
    _get_parser()


def classify(user_agent: str | None) -> DeviceInfo:
    """Device type, browser and OS of a User-Agent header; never raises."""
    ua = (user_agent or "").strip()[:MAX_USER_AGENT]
    if not ua:
        return UNKNOWN
    try:
        result = _get_parser().parse(ua)
    except Exception:  # a parser failure must never fail a page view
        return DeviceInfo("bot" if _BOT_PATTERN.search(ua) else "unknown", None, None)
    browser = _family(result.user_agent)
    os_name = _family(result.os)
    device = result.device
    return DeviceInfo(_device_type(ua, browser, os_name, device), browser, os_name)


def _family(part: Any) -> str | None:
    family = getattr(part, "family", None)
    if not family or family == "Other":
        return None
    return str(family)[:64]


def _device_type(ua: str, browser: str | None, os_name: str | None, device: Any) -> str:
    device_family = getattr(device, "family", None) or ""
    if device_family == "Spider" or _BOT_PATTERN.search(ua):
        return "bot"
    if device_family == "iPad" or _TABLET_PATTERN.search(ua):
        return "tablet"
    if os_name == "Android":
        # Android phones say "Mobile"; Android tablets do not (Google's own guidance).
        return "mobile" if "mobile" in ua.lower() else "tablet"
    if os_name in _MOBILE_OS or device_family in ("iPhone", "iPod") or "mobile" in ua.lower():
        return "mobile"
    if os_name in _DESKTOP_OS or device_family == "Mac":
        return "desktop"
    if browser is not None:
        return "desktop" if not re.search(r"mobi|phone", ua, re.IGNORECASE) else "mobile"
    return "unknown"
