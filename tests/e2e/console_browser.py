"""What the console's browser suites share: the local stack as `make dev` runs it in a fresh data
folder, Debian's headless Chromium through Selenium (no browser download), a small page driver
(find by label, wait, photograph at desktop and phone size) and calls to the stack's API, mail
viewer and local pool."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.dev_stack import REPO, DevStack

DIST = REPO / "web" / "dist" / "index.html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
GUARD_S = 30  # only a guard against waiting forever


@contextlib.contextmanager
def fresh_stack() -> Iterator[DevStack]:
    """`python -m local` in a new data folder, stopped afterwards."""
    if not DIST.exists():
        pytest.fail("web/dist is not built: `make console` builds it (`make test` does it first)")
    # Not under pytest's basetemp: the embedded PostgreSQL runs as its own user, which must
    # reach the folder (pytest's are private to root), and other pytest runs prune those.
    base = Path(tempfile.mkdtemp(prefix="op-console-"))
    base.chmod(0o755)
    (base / "logs").mkdir()
    dev = DevStack(base / "data", base / "logs")
    try:
        yield dev
    finally:
        if dev.process.poll() is None:
            dev.interrupt()
        else:
            dev.kill()
        shutil.rmtree(base, ignore_errors=True)


def launch_chromium(profile: Path, downloads: Path, extra_flags: tuple[str, ...] = ()):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("headless Chromium is not installed: `make test` installs it (scripts/system-deps.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=en-GB",
        *extra_flags,
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def xpath_literal(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'

class Browser:
    def __init__(self, driver, info: dict, downloads: Path, artifacts: Path):
        self.driver = driver
        self.artifacts = artifacts
        self.info = info
        self.downloads = downloads
        self.console = info["console_url"].rstrip("/")

    # finding things
    def wait(self, predicate, what: str):
        deadline = time.monotonic() + GUARD_S
        last_error = None
        while time.monotonic() < deadline:
            try:
                found = predicate()
                if found:
                    return found
            except Exception as exc:  # stale elements while React re-renders
                last_error = exc
            time.sleep(0.1)
        self.shot(f"FAILED-{re.sub(r'[^a-z0-9]+', '-', what.lower())[:60]}", phone=False)
        raise AssertionError(f"gave up waiting for {what} (last error: {last_error!r})")

    def css(self, selector: str, within=None):
        from selenium.webdriver.common.by import By

        return (within or self.driver).find_elements(By.CSS_SELECTOR, selector)

    def xpath(self, path: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.XPATH, path)

    def visible(self, elements):
        return [e for e in elements if e.is_displayed()]

    def button(self, name: str, within_dialog: bool = False):
        scope = "//dialog[@open]" if within_dialog else ""
        return self.wait(
            lambda: next(iter(self.visible(self.xpath(f"{scope}//button[normalize-space(.)={xpath_literal(name)}]"))), None),
            f"button {name!r}",
        )

    def field(self, label: str, within_dialog: bool = False):
        """The control of the visible label that starts with `label` (in the open dialog only, if asked)."""
        scope = "//dialog[@open]" if within_dialog else ""

        def find():
            for element in self.visible(self.xpath(f"{scope}//label[starts-with(normalize-space(.), {xpath_literal(label)})]")):
                target = element.get_attribute("for")
                if target:
                    return self.driver.find_element("id", target)
            return None

        return self.wait(find, f"field {label!r}")

    def tab(self, name: str):
        return self.wait(lambda: next(iter(self.xpath(f"//button[@role='tab'][normalize-space(.)={xpath_literal(name)}]")), None), f"tab {name!r}")

    def stat(self, label: str) -> str | None:
        """The value of a dashboard number once it is loaded (not the "…" placeholder)."""
        for stat in self.css(".stat"):
            if stat.text.startswith(label):
                value = stat.find_element("css selector", ".stat-value").text
                return value if value.replace(",", "").isdigit() else None
        return None

    def text(self) -> str:
        return self.driver.find_element("tag name", "body").text

    def wait_text(self, text: str):
        return self.wait(lambda: text in self.text(), f"text {text!r}")

    def heading(self, text: str):
        return self.wait(lambda: any(h.text == text for h in self.css("h1")), f"heading {text!r}")

    def type(self, label: str, value: str):
        element = self.field(label)
        self.clear(element)
        element.send_keys(value)
        return element

    def clear(self, element):
        """Empty a field as a person does (React hears the keys; Selenium's clear() it may not)."""
        from selenium.webdriver.common.keys import Keys

        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)

    def set_value(self, element, value: str):
        """For inputs whose keyboard entry depends on the locale (datetime-local): as React sees a user's."""
        self.driver.execute_script(
            "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
            "set.call(arguments[0], arguments[1]); arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            element,
            value,
        )

    def select(self, label: str, value: str, within_dialog: bool = False):
        from selenium.webdriver.support.ui import Select

        Select(self.field(label, within_dialog)).select_by_value(value)

    def go(self, path: str):
        self.driver.get(self.console + path)

    def session(self) -> dict | None:
        raw = self.driver.execute_script("return window.localStorage.getItem('outreachpass.session')")
        return json.loads(raw) if raw else None

    # pictures
    def shot(self, name: str, phone: bool = True):
        """The whole page (up to a few screens) at desktop size, and at a phone's."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        sizes = [("desktop", {"width": DESKTOP[0], "height": DESKTOP[1], "deviceScaleFactor": 1, "mobile": False})]
        if phone:
            sizes.append(("phone", PHONE))
        try:
            for label, metrics in sizes:
                self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
                time.sleep(0.4)  # layout, charts and fonts settle
                height = self.driver.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
                if not self.css("dialog[open]"):  # a modal stays the size of the screen
                    self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 2600)})
                    time.sleep(0.3)
                self.driver.save_screenshot(str(self.artifacts / f"{name}-{label}.png"))
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def script_errors(self) -> list[str]:
        entries = self.driver.get_log("browser")
        return [
            e["message"] for e in entries
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]  # refused API calls the tests make on purpose
        ]


def api(stack, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        stack.info["api_url"] + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}")


def mails(stack) -> list[dict]:
    with urllib.request.urlopen(stack.info["mail_url"], timeout=30) as response:
        return json.loads(response.read())


def cognito(stack, operation: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        stack.info["api_url"] + "/_local/cognito", method="POST", data=json.dumps(payload).encode(),
        headers={"content-type": "application/x-amz-json-1.1", "x-amz-target": f"AWSCognitoIdentityProviderService.{operation}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def sign_in(browser: Browser, username: str, password: str):
    browser.wait(lambda: "/sign-in" in browser.driver.current_url, "the sign-in page")
    browser.type("E-mail address", username)
    browser.type("Password", password)
    browser.button("Sign in").click()
