"""User agent -> device type, browser, OS (ua-parser 1.x plus our device rules)."""

from __future__ import annotations

import pytest

from outreachpass.integrations import useragent
from outreachpass.integrations.useragent import DeviceInfo, classify


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            DeviceInfo("mobile", "Mobile Safari", "iOS"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            DeviceInfo("mobile", "Chrome Mobile", "Android"),
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            DeviceInfo("tablet", "Mobile Safari", "iOS"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            DeviceInfo("tablet", "Chrome", "Android"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
            DeviceInfo("desktop", "Edge", "Windows"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            DeviceInfo("desktop", "Safari", "Mac OS X"),
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", DeviceInfo("desktop", "Firefox", "Linux")),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", DeviceInfo("bot", "Googlebot", None)),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", DeviceInfo("bot", "Slackbot-LinkExpanding", None)),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", DeviceInfo("bot", "FacebookBot", None)),
        ("WhatsApp/2.23.20.0 A", DeviceInfo("bot", "WhatsApp", None)),
        ("curl/8.5.0", DeviceInfo("bot", "curl", None)),
        ("python-requests/2.31.0", DeviceInfo("bot", "Python Requests", None)),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
            DeviceInfo("bot", "HeadlessChrome", "Linux"),
        ),
        ("", DeviceInfo("unknown", None, None)),
        (None, DeviceInfo("unknown", None, None)),
        ("???", DeviceInfo("unknown", None, None)),
    ],
)
def test_classify(ua, expected):
    assert classify(ua) == expected


def test_every_device_type_is_allowed_by_the_schema():
    assert set(useragent.DEVICE_TYPES) == {"mobile", "desktop", "tablet", "bot", "unknown"}


def test_an_overlong_user_agent_is_truncated_not_refused():
    result = classify("Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + "x" * 10_000)
    assert result.device_type in useragent.DEVICE_TYPES


def test_the_parser_is_built_once_and_lazily(monkeypatch):
    built = []
    real = useragent._get_parser

    useragent._get_parser.reset()
    import ua_parser

    original = ua_parser.Parser

    class CountingParser(original):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(ua_parser, "Parser", CountingParser)
    for _ in range(3):
        classify("curl/8.5.0")
    assert built == [1]
    assert real is useragent._get_parser
    useragent._get_parser.reset()  # later tests build the ordinary parser again


def test_a_parser_failure_is_never_raised(monkeypatch):
    class Broken:
        def parse(self, ua):
            raise RuntimeError("boom")

    monkeypatch.setattr(useragent, "_get_parser", lambda: Broken())
    assert classify("Googlebot/2.1") == DeviceInfo("bot", None, None)
    assert classify("Mozilla/5.0") == DeviceInfo("unknown", None, None)
