"""The card page in a real browser: headless Chromium (Debian's, through its chromedriver) opens
the page from the local HTTP server at a phone's viewport, finds the name and the buttons,
saves a screenshot (test-artifacts/card-page-phone.png), clicks Save contact and receives
the .vcf, and the visit's events are exactly what the analytics tables hold."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import psycopg
import pytest
import vobject
from PIL import Image, ImageDraw

from tests.integration.public_cards import PHONE_UA, exports, make_card, views

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}
GUARD_S = 30  # only a guard against waiting forever: downloads and beacons land in milliseconds


def _browser(download_dir: Path, profile_dir: Path):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("headless Chromium is not installed (make test installs it: scripts/system-deps.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE, "userAgent": PHONE_UA})
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(download_dir), "download.prompt_for_download": False, "safebrowsing.enabled": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


def _image(size: tuple[int, int], colour: tuple[int, int, int], fmt: str, text: str = "") -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):  # a soft vertical gradient, so the screenshot shows a real image
        shade = tuple(min(255, c + y * 60 // size[1]) for c in colour)
        draw.line([(0, y), (size[0], y)], fill=shade)
    if text:
        draw.text((size[0] // 8, size[1] // 3), text, fill=(255, 255, 255), font_size=size[1] // 3)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _wait_for(predicate, what: str):
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def branded_card(local_stack, database, tenant_factory):
    card = make_card(database, tenant_factory(), first_name="Zoë", last_name="Ñúñez-Östergård", title="Head of Developer Relations",
                     org_name="Analytical Engines, Ltd.")
    tenant_id, card_id = card["tenant_id"], card["card_id"]
    s3 = local_stack.boto("s3")
    bucket = local_stack.resources.buckets["assets"]
    avatar_key = f"avatars/{tenant_id}/{card_id}/original.jpg"
    logo_key = f"logos/{tenant_id}/{card['brand_id']}.png"
    s3.put_object(Bucket=bucket, Key=avatar_key, Body=_image((320, 320), (120, 72, 160), "JPEG", "ZN"), ContentType="image/jpeg")
    s3.put_object(Bucket=bucket, Key=logo_key, Body=_image((240, 64), (11, 61, 145), "PNG", "ACME"), ContentType="image/png")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE cards SET avatar_s3_key = %s WHERE card_id = %s", (avatar_key, card_id))
        conn.execute("UPDATE brands SET theme_json = theme_json || jsonb_build_object('logo_s3_key', %s::text) WHERE brand_id = %s",
                     (logo_key, card["brand_id"]))
    return card


def test_card_page_in_headless_chromium(local_stack, database, branded_card, tmp_path):
    from selenium.webdriver.common.by import By

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = _browser(downloads, tmp_path / "profile")
    card_id = branded_card["card_id"]
    try:
        driver.get(f"{local_stack.api_url}/c/{card_id}?src=qr")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Zoë Ñúñez-Östergård"
        buttons = {
            "save": driver.find_element(By.ID, "save-contact"),
            "apple": driver.find_element(By.ID, "apple-wallet"),
            "google": driver.find_element(By.ID, "google-wallet"),
        }
        assert buttons["save"].text == "Save contact"
        # the official badges: Apple's for this iPhone, Google's behind "More wallet options"
        assert buttons["apple"].find_element(By.TAG_NAME, "img").get_attribute("alt") == "Add to Apple Wallet"
        assert buttons["google"].find_element(By.TAG_NAME, "img").get_attribute("alt") == "Add to Google Wallet"
        assert buttons["save"].is_displayed() and buttons["apple"].is_displayed() and not buttons["google"].is_displayed()
        assert driver.find_element(By.ID, "share").is_displayed() and driver.find_element(By.ID, "copy-email").is_displayed()
        # the avatar and the logo load from the assets bucket (allowed by the page's CSP)
        _wait_for(lambda: driver.execute_script(
            "return Array.from(document.images).filter(i => i.offsetParent).every(i => i.complete && i.naturalWidth > 0)"
            " && new Set(Array.from(document.images).filter(i => i.src.includes('X-Amz-Signature')).map(i => i.src)).size === 2"),
            "images")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        # the brand's font and colours are applied (the stylesheet parsed as written)
        assert driver.execute_script("return getComputedStyle(document.body).fontFamily").startswith("Inter")
        assert driver.execute_script("return getComputedStyle(document.querySelector('.band')).backgroundColor") == "rgb(11, 61, 145)"
        assert driver.execute_script("return getComputedStyle(document.getElementById('save-contact')).backgroundColor") == "rgb(245, 158, 11)"

        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / "card-page-phone.png"
        driver.save_screenshot(str(screenshot))
        assert Image.open(screenshot).size == (PHONE["width"] * PHONE["pixelRatio"], PHONE["height"] * PHONE["pixelRatio"])

        buttons["save"].click()
        vcf = _wait_for(lambda: [p for p in downloads.iterdir() if p.suffix == ".vcf"], "the .vcf download")[0]
        assert vcf.name == "Zoë Ñúñez-Östergård.vcf"  # the UTF-8 filename* of Content-Disposition
        parsed = vobject.readOne(vcf.read_text(encoding="utf-8"))
        assert parsed.fn.value == "Zoë Ñúñez-Östergård"
        assert (parsed.n.value.given, parsed.n.value.family) == ("Zoë", "Ñúñez-Östergård")
        assert parsed.org.value == ["Analytical Engines, Ltd."]
        assert parsed.email.value == branded_card["email"]

        _wait_for(lambda: len(exports(database, card_id)) == 2, "the add_to_contacts beacon")
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert problems == [], problems  # no CSP violation, no failed request, no script error
    finally:
        driver.quit()

    [view] = views(database, card_id)
    assert (view["source_type"], view["device_type"], view["browser"], view["os"]) == ("qr_scan", "mobile", "Mobile Safari", "iOS")
    assert (view["tenant_id"], view["event_id"], view["is_unique"]) == (branded_card["tenant_id"], branded_card["event_id"], True)
    assert view["session_id"]
    recorded = sorted((e["export_type"], e["device_type"], e["session_id"], e["tenant_id"]) for e in exports(database, card_id))
    assert recorded == [
        ("add_to_contacts", "mobile", view["session_id"], branded_card["tenant_id"]),
        ("vcard_download", "mobile", view["session_id"], branded_card["tenant_id"]),
    ]


def test_card_page_with_its_features_switched_off(local_stack, database, tenant_factory, tmp_path):
    """Flags off: the buttons are gone, the page's script still runs (no error), and the button
    that stays (Copy email) still records its beacon."""
    from selenium.webdriver.common.by import By

    tenant_id = tenant_factory()
    card = make_card(database, tenant_id, first_name="Grace", last_name="Hopper")
    flags = {key: {"enabled": False} for key in ("apple_wallet", "google_wallet", "vcard_download", "share_button", "contact_share")}
    switched = local_stack.request("PUT", "/api/v1/admin/feature-flags", token=local_stack.token_for(tenant_id, "admin"), json=flags)
    assert switched.status == 200, switched.text
    driver = _browser(tmp_path / "downloads", tmp_path / "profile")
    try:
        driver.get(f"{local_stack.api_url}/c/{card['card_id']}")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Grace Hopper"
        for button in ("save-contact", "apple-wallet", "google-wallet", "share", "share-details-open", "share-details-form"):
            assert driver.find_elements(By.ID, button) == [], button
        copy = driver.find_element(By.ID, "copy-email")
        assert copy.is_displayed()
        copy.click()
        _wait_for(lambda: [e for e in exports(database, card["card_id"]) if e["export_type"] == "copy_email"], "the copy_email beacon")
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert problems == [], problems  # the script did not trip over the missing buttons
    finally:
        driver.quit()


def test_share_my_details_in_headless_chromium(local_stack, database, tenant_factory, tmp_path):
    """The visitor opens "Share my details", fills the form, ticks the consent box and sends: the
    card's owner gets the mail, the card records a contact_shared event, and the page's strict
    CSP raised no violation (the form is sent by the nonce'd script, not by a form navigation)."""
    from selenium.webdriver.common.by import By

    from tests.integration.email_helpers import captured_for
    from tests.integration.public_cards import rows

    card = make_card(database, tenant_factory(), email=f"owner-{int(time.time() * 1000)}@example.com")
    driver = _browser(tmp_path / "downloads", tmp_path / "profile")
    try:
        driver.get(f"{local_stack.api_url}/c/{card['card_id']}")
        opener = driver.find_element(By.ID, "share-details-open")
        assert opener.is_displayed() and opener.text == "Share my details"  # revealed by the script
        form = driver.find_element(By.ID, "share-details-form")
        assert not form.is_displayed()
        opener.click()
        assert form.is_displayed()
        assert not driver.find_element(By.NAME, "website").is_displayed() or driver.execute_script(
            "return document.querySelector('[name=website]').getBoundingClientRect().bottom < 0")  # the honeypot is out of sight
        form.find_element(By.NAME, "name").send_keys("Grace Hopper")
        form.find_element(By.NAME, "email").send_keys("grace@navy.example")
        form.find_element(By.NAME, "company").send_keys("US Navy")
        form.find_element(By.NAME, "note").send_keys("Great talk!")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # Without the consent box the browser's own validation stops it: nothing is sent.
        assert driver.execute_script("return document.getElementById('share-details-form').checkValidity()") is False
        form.find_element(By.NAME, "consent").click()
        ARTIFACTS.mkdir(exist_ok=True)
        driver.execute_script("document.getElementById('share-details').scrollIntoView()")
        driver.save_screenshot(str(ARTIFACTS / "card-share-details-phone.png"))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        status = driver.find_element(By.ID, "share-details-status")
        _wait_for(lambda: status.text == "Sent. Thank you!", "the confirmation")
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert problems == [], problems  # no CSP violation, no failed request, no script error
    finally:
        driver.quit()

    (message,) = captured_for(local_stack, card["email"])
    assert message["Reply-To"] == "grace@navy.example"
    assert "  Company: US Navy" in message.get_content().splitlines()
    shared = rows(database, "SELECT device_type FROM card_engagement_events WHERE card_id = %s AND event_type = 'contact_shared'",
                  (card["card_id"],))
    assert shared == [{"device_type": "mobile"}]
