"""The bot/machine classification of email opens and clicks: every signature of the table,
every rule, and the people who must stay people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreachpass.services.email.classification import (
    CLICK_BURST_WINDOW,
    PREFETCH_AFTER_DELIVERY,
    PREFETCH_AFTER_SEND,
    SIGNATURES,
    PriorClick,
    burst_of,
    classify_click,
    classify_open,
    match_signature,
)

NOW = datetime(2027, 4, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=2)

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
APPLE_MAIL = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
OUTLOOK_DESKTOP = "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)"
CUBOT_PHONE = "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

# One real-world (or representative) User-Agent per signature of the table: a signature
# without a sample here fails test_every_signature_has_a_sample.
SAMPLES: dict[str, tuple[str, str]] = {
    "apple_mail_privacy_protection": ("Mozilla/5.0", "open"),
    "gmail_image_proxy": ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "open"),
    "yahoo_mail_proxy": ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "open"),
    "scanner_barracuda": ("Mozilla/5.0 (compatible; Barracuda Sentinel (EE))", "click"),
    "scanner_mimecast": ("Mozilla/5.0 (compatible; Mimecast URL Protect)", "click"),
    "scanner_proofpoint": ("Mozilla/5.0 (Proofpoint URL Defense)", "click"),
    "scanner_microsoft_safelinks": ("Mozilla/5.0 (Windows NT 10.0) SafeLinks/1.0 Microsoft ATP", "click"),
    "scanner_symantec": ("Symantec Email Security.cloud link scanner", "click"),
    "scanner_trend_micro": ("Mozilla/5.0 TrendMicro Email Security", "click"),
    "scanner_cisco": ("Cisco IronPort Web Reputation", "click"),
    "scanner_sophos": ("Sophos Email Time-of-Click", "click"),
    "scanner_forcepoint": ("Forcepoint Email Security", "click"),
    "scanner_zscaler": ("Mozilla/5.0 Zscaler", "click"),
    "scanner_fireeye": ("FireEye ETP link analysis", "click"),
    "scanner_fortinet": ("FortiGuard URL check", "click"),
    "scanner_checkpoint": ("Check Point Harmony Email (Avanan)", "click"),
    "scanner_other": ("Hornetsecurity ATP", "click"),
    "link_preview": ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "click"),
    "headless_browser": ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0 Safari/537.36", "click"),
    "http_library": ("python-requests/2.32.3", "click"),
    "bot": ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "click"),
}


def test_every_signature_has_a_sample():
    assert {signature.name for signature in SIGNATURES} == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_signature_matches_its_sample(name):
    user_agent, kind = SAMPLES[name]
    found = match_signature(user_agent, kind)
    assert found is not None and found.name == name


@pytest.mark.parametrize("name", sorted(n for n, (_, kind) in SAMPLES.items() if n not in ("gmail_image_proxy", "yahoo_mail_proxy")))
def test_machine_signatures_make_machine_verdicts(name):
    user_agent, kind = SAMPLES[name]
    if kind == "open":
        verdict = classify_open(user_agent=user_agent, ip="198.51.100.1", occurred_at=NOW, sent_at=LONG_AGO)
    else:
        verdict = classify_click(user_agent=user_agent, ip="198.51.100.1", link="card", occurred_at=NOW, sent_at=LONG_AGO)
    assert verdict.classification == "machine"
    assert verdict.reason == name


@pytest.mark.parametrize("user_agent", [IPHONE_SAFARI, DESKTOP_CHROME, APPLE_MAIL, OUTLOOK_DESKTOP, CUBOT_PHONE])
def test_people_stay_people(user_agent):
    opened = classify_open(user_agent=user_agent, ip="198.51.100.1", occurred_at=NOW, sent_at=LONG_AGO, delivered_at=LONG_AGO)
    clicked = classify_click(user_agent=user_agent, ip="198.51.100.1", link="card", occurred_at=NOW, sent_at=LONG_AGO)
    assert opened.classification == clicked.classification == "human"
    assert opened.reason is None and clicked.reason is None


def test_gmail_proxy_open_is_a_human_open_through_the_proxy():
    user_agent, _ = SAMPLES["gmail_image_proxy"]
    verdict = classify_open(user_agent=user_agent, ip="66.249.84.1", occurred_at=NOW, sent_at=LONG_AGO, delivered_at=LONG_AGO)
    assert (verdict.classification, verdict.via) == ("human", "gmail_image_proxy")
    assert verdict.metadata() == {"via": "gmail_image_proxy"}
    # ... unless the proxy fetched it right after delivery (a prefetch)
    early = classify_open(user_agent=user_agent, ip="66.249.84.1", occurred_at=NOW, delivered_at=NOW - timedelta(seconds=1))
    assert (early.classification, early.reason, early.via) == ("machine", "prefetch_window", "gmail_image_proxy")


def test_proxy_signatures_do_not_apply_to_clicks():
    user_agent, _ = SAMPLES["apple_mail_privacy_protection"]
    assert match_signature(user_agent, "click") is None


def test_opens_from_apple_network_are_machine_but_clicks_are_not():
    opened = classify_open(user_agent=APPLE_MAIL, ip="17.58.1.2", occurred_at=NOW, sent_at=LONG_AGO)
    assert (opened.classification, opened.reason) == ("machine", "apple_network")
    clicked = classify_click(user_agent=IPHONE_SAFARI, ip="17.58.1.2", link="card", occurred_at=NOW, sent_at=LONG_AGO)
    assert clicked.classification == "human"


def test_malformed_ip_is_ignored():
    assert classify_open(user_agent=APPLE_MAIL, ip="not-an-ip", occurred_at=NOW, sent_at=LONG_AGO).classification == "human"


def test_head_requests_and_missing_user_agents_are_machine():
    assert classify_click(user_agent=DESKTOP_CHROME, ip=None, link="card", occurred_at=NOW, method="HEAD").reason == "head_request"
    assert classify_open(user_agent="", ip=None, occurred_at=NOW).reason == "no_user_agent"
    assert classify_open(user_agent=None, ip=None, occurred_at=NOW).reason == "no_user_agent"


@pytest.mark.parametrize(
    ("sent_ago", "delivered_ago", "expected"),
    [
        (PREFETCH_AFTER_SEND - timedelta(milliseconds=1), None, "machine"),  # right after the send
        (PREFETCH_AFTER_SEND, None, "human"),
        (timedelta(minutes=1), PREFETCH_AFTER_DELIVERY - timedelta(milliseconds=1), "machine"),  # right after delivery
        (timedelta(minutes=1), PREFETCH_AFTER_DELIVERY, "human"),
        (timedelta(seconds=1), timedelta(seconds=3), "human"),  # delivery known: it decides
        (None, None, "human"),  # no timing known: no timing rule
    ],
)
def test_prefetch_window(sent_ago, delivered_ago, expected):
    sent_at = NOW - sent_ago if sent_ago is not None else None
    delivered_at = NOW - delivered_ago if delivered_ago is not None else None
    for verdict in (
        classify_open(user_agent=IPHONE_SAFARI, ip=None, occurred_at=NOW, sent_at=sent_at, delivered_at=delivered_at),
        classify_click(user_agent=IPHONE_SAFARI, ip=None, link="card", occurred_at=NOW, sent_at=sent_at, delivered_at=delivered_at),
    ):
        assert verdict.classification == expected
        if expected == "machine":
            assert verdict.reason == "prefetch_window"


def test_a_click_burst_over_different_links_is_a_scanner():
    prior = [PriorClick("card", NOW - timedelta(milliseconds=300)), PriorClick("apple", NOW - timedelta(milliseconds=150))]
    verdict = classify_click(user_agent=DESKTOP_CHROME, ip=None, link="vcard", occurred_at=NOW, sent_at=LONG_AGO, prior_clicks=prior)
    assert (verdict.classification, verdict.reason) == ("machine", "click_burst")
    assert burst_of("vcard", NOW, prior) == prior


def test_the_same_link_twice_or_links_far_apart_are_not_a_burst():
    double_click = [PriorClick("card", NOW - timedelta(milliseconds=200))]
    assert classify_click(user_agent=DESKTOP_CHROME, ip=None, link="card", occurred_at=NOW, sent_at=LONG_AGO,
                          prior_clicks=double_click).classification == "human"
    apart = [PriorClick("apple", NOW - CLICK_BURST_WINDOW - timedelta(milliseconds=1))]
    assert classify_click(user_agent=DESKTOP_CHROME, ip=None, link="card", occurred_at=NOW, sent_at=LONG_AGO,
                          prior_clicks=apart).classification == "human"
