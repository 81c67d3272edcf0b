"""The card page right to left and at a booth, in a real browser: headless Chromium (Debian's, through its
chromedriver) at a phone's viewport opens the card of an Arabic-named attendee of an Arabic event and
of a Hebrew-named attendee, checks the page reads right to left (direction, logical properties put
labels on the right, Latin details stay left to right), that the official Apple badge of the page's
language loads with Google's behind "more", that the QR code opens full screen from the keyboard and
closes with Escape (focus back on its link), and that nothing breaks the page's CSP. Screenshots:
test-artifacts/card-page-rtl-ar.png, card-page-rtl-he.png, card-page-qr-fullscreen.png."""

from __future__ import annotations

import psycopg
import pytest
from PIL import Image

from tests.e2e.test_card_browser import ARTIFACTS, PHONE, _browser, _wait_for
from tests.integration.public_cards import make_card

pytestmark = pytest.mark.browser


@pytest.fixture
def arabic_cards(local_stack, database, tenant_factory):
    tenant_id = tenant_factory()
    arabic = make_card(database, tenant_id, first_name="ليلى", last_name="حداد", title="مديرة تطوير الأعمال",
                       org_name="شركة الأفق للتقنية", event_name="ملتقى التقنية العربي 2027", brand_name="الأفق",
                       phone="+971 4 555 0100")
    hebrew = make_card(database, tenant_id, first_name="נועה", last_name="לוי", title="מנהלת מוצר", org_name="אופק בע״מ",
                       phone="+972 3 555 0199", language="he")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE events SET language = 'ar' WHERE event_id = %s", (arabic["event_id"],))
    return arabic, hebrew


def _problems(driver) -> list:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_an_arabic_card_reads_right_to_left_and_shares_its_qr_code(local_stack, arabic_cards, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    arabic, hebrew = arabic_cards
    driver = _browser(tmp_path / "downloads", tmp_path / "profile")
    try:
        driver.get(f"{local_stack.api_url}/c/{arabic['card_id']}")
        assert driver.execute_script("return [document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert driver.find_element(By.TAG_NAME, "h1").text == "ليلى حداد"
        assert driver.execute_script("return getComputedStyle(document.querySelector('h1')).direction") == "rtl"
        assert driver.find_element(By.ID, "save-contact").text == "حفظ جهة الاتصال"
        assert "1\u20133 أبريل 2027" in driver.find_element(By.CSS_SELECTOR, ".event").text
        # logical properties: the detail labels start on the right; the phone number still reads left to right
        label_gap = driver.execute_script(
            "const li = document.querySelector('.details li'), small = li.querySelector('small');"
            "return li.getBoundingClientRect().right - small.getBoundingClientRect().right")
        assert 0 <= label_gap <= 8, label_gap
        phone = driver.find_element(By.XPATH, "//span[@dir='ltr'][starts-with(., '+971')]")
        assert phone.text == "+971 4 555 0100"
        assert driver.execute_script("return getComputedStyle(arguments[0]).direction", phone) == "ltr"
        # the iPhone gets Apple's badge (the Arabic one), Google's waits behind "more"
        apple = driver.find_element(By.CSS_SELECTOR, "#apple-wallet img")
        assert apple.get_attribute("alt") == "إضافة إلى Apple Wallet"
        assert "/wallet-badges/apple-ar.svg" in apple.get_attribute("src")
        assert apple.is_displayed() and not driver.find_element(By.ID, "google-wallet").is_displayed()
        _wait_for(lambda: driver.execute_script(
            "return Array.from(document.images).filter(i => i.offsetParent).every(i => i.complete && i.naturalWidth > 0)"),
            "the badge and the QR code")
        assert apple.size["height"] == 64
        assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "card-page-rtl-ar.png"))

        # "More wallet options" opens from the keyboard and shows Google's Arabic button
        summary = driver.find_element(By.CSS_SELECTOR, ".more-wallets summary")
        driver.execute_script("arguments[0].focus()", summary)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        google = driver.find_element(By.CSS_SELECTOR, "#google-wallet img")
        _wait_for(lambda: google.is_displayed() and driver.execute_script("return arguments[0].naturalWidth", google) > 0, "Google's badge")
        assert google.get_attribute("alt") == "الإضافة إلى محفظة Google"
        assert google.size["height"] >= 48 and google.size["width"] >= driver.find_element(By.ID, "save-contact").size["width"]

        # show to share: the QR code full screen from the keyboard, Escape closes it, focus comes back
        qr_link = driver.find_element(By.ID, "qr-open")
        driver.execute_script("arguments[0].focus()", qr_link)
        ActionChains(driver).send_keys(Keys.ENTER).perform()
        _wait_for(lambda: driver.execute_script("return document.getElementById('qr-dialog').open"), "the full-screen QR code")
        assert driver.execute_script("return document.activeElement.id") == "qr-close"
        code = driver.find_element(By.ID, "qr-full-code")
        _wait_for(lambda: driver.execute_script("return arguments[0].naturalWidth", code) > 0, "the QR image")
        assert code.size["width"] >= 0.8 * PHONE["width"]  # the code fills the phone's width
        dialog_box = driver.execute_script("const r = document.getElementById('qr-dialog').getBoundingClientRect(); return [r.width, r.height]")
        assert dialog_box == [PHONE["width"], PHONE["height"]]  # the whole screen
        assert driver.find_element(By.ID, "qr-dialog-name").text == "ليلى حداد"
        driver.save_screenshot(str(ARTIFACTS / "card-page-qr-fullscreen.png"))
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        _wait_for(lambda: not driver.execute_script("return document.getElementById('qr-dialog').open"), "the dialog to close")
        assert driver.execute_script("return document.activeElement.id") == "qr-open"
        # a tap on the big code closes it too
        qr_link.click()
        _wait_for(lambda: driver.execute_script("return document.getElementById('qr-dialog').open"), "the dialog again")
        code.click()
        _wait_for(lambda: not driver.execute_script("return document.getElementById('qr-dialog').open"), "the tap to close")
        assert _problems(driver) == []  # no CSP violation, no failed request, no script error

        # a Hebrew-named attendee with Hebrew as her language, on the same (Arabic) event
        driver.get(f"{local_stack.api_url}/c/{hebrew['card_id']}")
        assert driver.execute_script("return [document.documentElement.lang, document.documentElement.dir]") == ["he", "rtl"]
        assert driver.find_element(By.TAG_NAME, "h1").text == "נועה לוי"
        assert driver.find_element(By.ID, "save-contact").text == "שמירת איש הקשר"
        assert "/wallet-badges/apple-he.svg" in driver.find_element(By.CSS_SELECTOR, "#apple-wallet img").get_attribute("src")
        _wait_for(lambda: driver.execute_script(
            "return Array.from(document.images).filter(i => i.offsetParent).every(i => i.complete && i.naturalWidth > 0)"), "images")
        driver.save_screenshot(str(ARTIFACTS / "card-page-rtl-he.png"))
        assert _problems(driver) == []
    finally:
        driver.quit()
    for name in ("card-page-rtl-ar.png", "card-page-rtl-he.png", "card-page-qr-fullscreen.png"):
        assert Image.open(ARTIFACTS / name).size == (PHONE["width"] * PHONE["pixelRatio"], PHONE["height"] * PHONE["pixelRatio"])
