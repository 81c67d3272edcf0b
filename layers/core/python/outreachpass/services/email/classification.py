"""Honest email numbers: which opens and clicks were a person, and which a machine.

Every open and click is stored (raw events are never dropped); this module only decides
the `classification` column (`human` | `machine`) and a `reason`, and the metrics count
humans. The rules, in the order they are applied:

1. The request itself:
   - a HEAD request (link scanners check a URL without downloading it) -> machine;
   - no User-Agent at all -> machine.
2. The User-Agent against SIGNATURES below (one table, each row tested):
   - Apple Mail Privacy Protection prefetches every message's images on delivery, with the
     bare User-Agent ``Mozilla/5.0`` -> machine, always (opens);
   - security gateways and link scanners (Barracuda, Mimecast, Proofpoint, Microsoft
     Defender Safe Links, Symantec/Broadcom, Trend Micro, Cisco, Sophos, ...), link-preview
     bots and HTTP libraries -> machine (opens and clicks);
   - mail image proxies that fetch when the reader opens the message (Gmail's
     GoogleImageProxy, Yahoo's YahooMailProxy) -> human, with ``via`` naming the proxy:
     their first fetch is a real open (later opens are served from the proxy's cache and
     are invisible to every sender). The timing rule still flags them when they fetch
     right after delivery.
3. The network: opens from Apple's network (17.0.0.0/8, where Mail Privacy Protection
   prefetches from) -> machine. Clicks from there are not flagged (people work at Apple).
4. Timing: an open or click within PREFETCH_AFTER_DELIVERY of delivery, or within
   PREFETCH_AFTER_SEND of the send when no delivery is known yet, is a prefetch or a
   gateway scan -> machine. (A person who is waiting for the mail still needs longer.)
5. Clicks only: two different links of one message clicked within CLICK_BURST_WINDOW ->
   every click of that burst is machine (a scanner following every link; no person clicks
   two links of an email within a second). The caller re-classifies the earlier clicks.

Pure functions of their inputs: no database, no clock, no environment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

Classification = Literal["human", "machine"]
Kind = Literal["open", "click"]

PREFETCH_AFTER_DELIVERY = timedelta(seconds=2)
PREFETCH_AFTER_SEND = timedelta(seconds=5)
CLICK_BURST_WINDOW = timedelta(seconds=1)


@dataclass(frozen=True)
class Signature:
    """A User-Agent signature: `name` is the reason stored with the event."""

    name: str
    pattern: re.Pattern[str]
    applies_to: frozenset[str]  # "open", "click"
    classification: Classification = "machine"
    via: str | None = None  # for human opens through a proxy: which one

    def matches(self, user_agent: str, kind: Kind) -> bool:
        return kind in self.applies_to and bool(self.pattern.search(user_agent))


def _sig(name: str, pattern: str, applies_to: Iterable[str] = ("open", "click"), **kwargs: Any) -> Signature:
    return Signature(name, re.compile(pattern, re.IGNORECASE), frozenset(applies_to), **kwargs)


BOTH = ("open", "click")

# First match wins. Keep the specific rows before the generic ones.
SIGNATURES: tuple[Signature, ...] = (
    # Apple Mail Privacy Protection: the whole User-Agent is exactly "Mozilla/5.0".
    Signature("apple_mail_privacy_protection", re.compile(r"^Mozilla/5\.0$"), frozenset({"open"})),
    # Image proxies that fetch on the reader's open: human, via the proxy.
    _sig("gmail_image_proxy", r"GoogleImageProxy|via ggpht\.com", ("open",), classification="human", via="gmail_image_proxy"),
    _sig("yahoo_mail_proxy", r"YahooMailProxy", ("open",), classification="human", via="yahoo_mail_proxy"),
    # Security gateways and link scanners.
    _sig("scanner_barracuda", r"barracuda"),
    _sig("scanner_mimecast", r"mimecast"),
    _sig("scanner_proofpoint", r"proofpoint|pphosted|urldefense"),
    _sig("scanner_microsoft_safelinks", r"safelinks|safe ?links|ms-?atp|microsoft ?atp|defender ?for ?office|microsoft office protection"),
    _sig("scanner_symantec", r"symantec|messagelabs|broadcom|norton ?safe ?web"),
    _sig("scanner_trend_micro", r"trend ?micro|trendmicro"),
    _sig("scanner_cisco", r"ironport|cisco"),
    _sig("scanner_sophos", r"sophos"),
    _sig("scanner_forcepoint", r"forcepoint|websense"),
    _sig("scanner_zscaler", r"zscaler"),
    _sig("scanner_fireeye", r"fireeye|trellix"),
    _sig("scanner_fortinet", r"fortinet|fortiguard"),
    _sig("scanner_checkpoint", r"check ?point|avanan"),
    _sig("scanner_other", r"hornetsecurity|vade ?secure|spamtitan|trustwave|cloudmark|bitdefender|kaspersky|\bagari\b|abnormal ?security"),
    # Link previews (chat apps, social networks) fetch a link someone pasted.
    _sig("link_preview", r"facebookexternalhit|slackbot|linkedinbot|twitterbot|whatsapp|telegrambot|discordbot|skypeuripreview|embedly|iframely"),
    # Headless browsers and HTTP libraries.
    _sig("headless_browser", r"headlesschrome|phantomjs|puppeteer|playwright|selenium"),
    _sig("http_library", r"^(curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|java/|okhttp|apache-httpclient|libwww-perl|axios|node-fetch|undici|ruby|php)"),
    # Anything that says it is a bot, crawler or spider ("Googlebot/2.1", "bingbot/2.0",
    # "... bot)"); "CUBOT" phones do not match: no slash, no word boundary after "bot".
    _sig("bot", r"bot/|\bbot\b|bot;|bot\)|crawler|spider|\bscanner\b|\bmonitor(ing)?\b|\bpreview\b"),
)

# Networks whose opens are machine opens.
OPEN_NETWORKS: tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...] = (
    ("apple_network", ipaddress.ip_network("17.0.0.0/8")),
)


@dataclass(frozen=True)
class Verdict:
    classification: Classification
    reason: str | None = None  # why machine (the signature or rule), or None for a plain human
    via: str | None = None  # the image proxy a human open came through

    @property
    def is_human(self) -> bool:
        return self.classification == "human"

    def metadata(self) -> dict[str, str]:
        found = {}
        if self.reason:
            found["classification_reason"] = self.reason
        if self.via:
            found["via"] = self.via
        return found


HUMAN = Verdict("human")


def match_signature(user_agent: str, kind: Kind) -> Signature | None:
    for signature in SIGNATURES:
        if signature.matches(user_agent, kind):
            return signature
    return None


def _network(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    for name, network in OPEN_NETWORKS:
        if address.version == network.version and address in network:
            return name
    return None


def _too_soon(occurred_at: datetime, sent_at: datetime | None, delivered_at: datetime | None) -> bool:
    if delivered_at is not None and delivered_at <= occurred_at:
        return occurred_at - delivered_at < PREFETCH_AFTER_DELIVERY
    if sent_at is not None and sent_at <= occurred_at:
        return occurred_at - sent_at < PREFETCH_AFTER_SEND
    return False


def _classify(
    kind: Kind,
    *,
    user_agent: str | None,
    ip: str | None,
    method: str,
    occurred_at: datetime,
    sent_at: datetime | None,
    delivered_at: datetime | None,
) -> Verdict:
    if method.upper() == "HEAD":
        return Verdict("machine", "head_request")
    agent = (user_agent or "").strip()
    if not agent:
        return Verdict("machine", "no_user_agent")
    signature = match_signature(agent, kind)
    if signature is not None and signature.classification == "machine":
        return Verdict("machine", signature.name)
    via = signature.via if signature is not None else None
    if kind == "open":
        network = _network(ip)
        if network:
            return Verdict("machine", network)
    if _too_soon(occurred_at, sent_at, delivered_at):
        return Verdict("machine", "prefetch_window", via)
    return Verdict("human", None, via)


def classify_open(
    *,
    user_agent: str | None,
    ip: str | None,
    occurred_at: datetime,
    sent_at: datetime | None = None,
    delivered_at: datetime | None = None,
    method: str = "GET",
) -> Verdict:
    return _classify(
        "open", user_agent=user_agent, ip=ip, method=method, occurred_at=occurred_at, sent_at=sent_at, delivered_at=delivered_at
    )


@dataclass(frozen=True)
class PriorClick:
    """An earlier click of the same message (for the burst rule)."""

    link: str
    occurred_at: datetime


def burst_of(link: str, occurred_at: datetime, prior: Sequence[PriorClick]) -> list[PriorClick]:
    """The earlier clicks that form a burst with this one: within CLICK_BURST_WINDOW and
    covering at least two different links. Empty when there is no burst."""
    near = [click for click in prior if abs(occurred_at - click.occurred_at) <= CLICK_BURST_WINDOW]
    if any(click.link != link for click in near):
        return near
    return []


def classify_click(
    *,
    user_agent: str | None,
    ip: str | None,
    link: str,
    occurred_at: datetime,
    sent_at: datetime | None = None,
    delivered_at: datetime | None = None,
    prior_clicks: Sequence[PriorClick] = (),
    method: str = "GET",
) -> Verdict:
    verdict = _classify(
        "click", user_agent=user_agent, ip=ip, method=method, occurred_at=occurred_at, sent_at=sent_at, delivered_at=delivered_at
    )
    if verdict.is_human and burst_of(link, occurred_at, prior_clicks):
        return Verdict("machine", "click_burst")
    return verdict
