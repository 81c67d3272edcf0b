"""The exhibitor's lead scanner in a real browser (Debian's headless Chromium through Selenium)
against the local stack as `make dev` runs it, with Chromium's fake camera fed a video made here
from the QR code a real card's route serves (/c/<id>/qr.png):

an organiser adds, renames and deletes an exhibitor and invites the Demo Booth's staff; the staff
member's first sign-in lands on the Scan page; the camera reads Ada's card and the lead is
captured with her name shown (and is in the API), with a rating, tags and notes; a second scan of
the card says it was captured already; with the network emulated off two typed scans wait on the
device (IndexedDB, the page says 2 are waiting, the API has none of them), and once the network
is back both are sent by themselves, exactly once; the Leads page searches, edits, deletes and
downloads the CSV; the organiser sees the leads per exhibitor. Screenshots of every new page at
desktop and phone size land in test-artifacts/scanner/. The tests run in order on one browser.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.console_browser import Browser, api, fresh_stack, launch_chromium, mails, sign_in
from tests.fixtures.dev_stack import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts" / "scanner"
STAFF = f"booth-{uuid.uuid4().hex[:6]}@example.com"
STAFF_PASSWORD = "Booth-Passw0rd-42!"
FRAME = (640, 480)


def card_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def camera_video(qr_png: bytes, path: Path, frames: int = 8) -> Path:
    """A YUV4MPEG2 video (what Chromium's fake camera plays, in a loop) of a card's QR code held
    up in front of the camera: the code in the middle of a white frame, grey only (U = V = 128)."""
    code = Image.open(io.BytesIO(qr_png)).convert("L")
    side = 360
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", FRAME, 255)
    frame.paste(code, ((FRAME[0] - side) // 2, (FRAME[1] - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((FRAME[0] // 2) * (FRAME[1] // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture(scope="module")
def stack():
    with fresh_stack() as dev:
        yield dev


@pytest.fixture(scope="module")
def cards(stack) -> dict[str, str]:
    """The demo attendees' card URLs by first name (seeded in this order by local/seed.py)."""
    return dict(zip(["ada", "grace", "alan", "katherine"], stack.info["card_urls"], strict=True))


@pytest.fixture(scope="module")
def browser(stack, cards, tmp_path_factory):
    with urllib.request.urlopen(cards["ada"] + "/qr.png", timeout=30) as response:
        assert response.headers["content-type"] == "image/png"
        video = camera_video(response.read(), tmp_path_factory.mktemp("camera") / "ada-card.y4m")
    downloads = tmp_path_factory.mktemp("downloads")
    driver = launch_chromium(
        tmp_path_factory.mktemp("chromium-profile"),
        downloads,
        ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"),
    )
    try:
        yield Browser(driver, stack.info, downloads, ARTIFACTS)
    finally:
        driver.quit()


def token(browser: Browser) -> str:
    return browser.session()["idToken"]


def leads(stack, browser: Browser) -> list[dict]:
    """The signed-in exhibitor's leads, as the API has them (asked from here, not the browser)."""
    status, body = api(stack, "GET", "/api/v1/leads?limit=200", token(browser))
    assert status == 200, body
    return body["data"]


def set_offline(browser: Browser, offline: bool) -> None:
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions", {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    )
    browser.wait(lambda: browser.driver.execute_script("return navigator.onLine") is (not offline), f"navigator.onLine to be {not offline}")


def outbox(browser: Browser) -> list[dict]:
    """What the page keeps on the device: the scanner's IndexedDB store."""
    return browser.driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const open = indexedDB.open("outreachpass-scanner");
        open.onsuccess = () => {
          const all = open.result.transaction("outbox").objectStore("outbox").getAll();
          all.onsuccess = () => { done(all.result); open.result.close(); };
        };
        open.onerror = () => done(null);
        """
    )


def current_scan(browser: Browser) -> str:
    found = browser.css("[data-testid=current-scan]")
    return found[0].text if found else ""


def labelled(browser: Browser, label: str):
    """The visible button named `label` by its aria-label, once it is there (lists re-render after a change)."""
    return browser.wait(lambda: next(iter(browser.visible(browser.css(f"button[aria-label='{label}']"))), None), f"button labelled {label!r}")


def rating(browser: Browser, name: str, within_dialog: bool = False):
    scope = "//dialog[@open]" if within_dialog else ""
    return browser.wait(lambda: next(iter(browser.visible(browser.xpath(f"{scope}//label[contains(@class,'segment')][normalize-space(.)='{name}']"))), None), f"the {name} rating")


def type_scan(browser: Browser, text: str) -> None:
    browser.type("Card address or id", text)
    browser.button("Add the lead").click()


# --- the organiser ---------------------------------------------------------------------------------


def test_an_organiser_adds_an_exhibitor_and_invites_its_staff(browser, stack):
    browser.go("/")
    sign_in(browser, stack.info["admin_username"], stack.info["admin_password"])
    browser.heading("Dashboard")
    admin = token(browser)
    event_id = stack.info["event_id"]
    browser.go(f"/events/{event_id}?tab=exhibitors")
    browser.wait(lambda: any("Demo Booth" in r.text for r in browser.css("tbody tr")), "the Demo Booth row")
    browser.shot("event-exhibitors")

    browser.button("Add an exhibitor").click()
    browser.type("Name", "Acme Robotics")
    browser.type("Contact e-mail", "not-an-address")
    browser.button("Add the exhibitor", within_dialog=True).click()
    browser.wait_text("Enter an e-mail address such as booth@example.com")
    browser.type("Contact e-mail", "sales@acme.example")
    browser.button("Add the exhibitor", within_dialog=True).click()
    browser.wait_text("Exhibitor “Acme Robotics” added")
    status, body = api(stack, "GET", f"/api/v1/admin/events/{event_id}/exhibitors", admin)
    acme = next(e for e in body["data"] if e["name"] == "Acme Robotics")
    assert status == 200 and acme["contact_email"] == "sales@acme.example"

    labelled(browser, "Edit Acme Robotics").click()
    browser.type("Name", "Acme Robotics GmbH")
    browser.button("Save", within_dialog=True).click()
    browser.wait_text("Exhibitor “Acme Robotics GmbH” saved")
    assert api(stack, "GET", f"/api/v1/admin/exhibitors/{acme['exhibitor_id']}", admin)[1]["data"]["name"] == "Acme Robotics GmbH"

    labelled(browser, "Delete Acme Robotics GmbH").click()
    browser.wait_text("Delete the exhibitor?")
    browser.button("Delete", within_dialog=True).click()
    browser.wait_text("Exhibitor “Acme Robotics GmbH” deleted")
    assert api(stack, "GET", f"/api/v1/admin/exhibitors/{acme['exhibitor_id']}", admin)[0] == 404

    labelled(browser, "Invite staff of Demo Booth").click()
    browser.type("E-mail address", STAFF)
    browser.type("Full name", "Booth Staff")
    browser.shot("exhibitor-invite", phone=False)
    browser.button("Send the invitation", within_dialog=True).click()
    browser.wait_text(f"Invitation sent to {STAFF}")
    status, body = api(stack, "GET", "/api/v1/admin/users?role=exhibitor", admin)
    assert [(u["email"], u["exhibitor_id"]) for u in body["data"]] == [(STAFF, stack.info["exhibitor_id"])]
    browser.button("Sign out").click()
    browser.heading("Sign in")


def test_the_staff_member_signs_in_to_the_scan_page(browser, stack):
    invitation = next(m for m in mails(stack) if STAFF in str(m.get("destinations")) and m.get("subject") == "Your temporary password")
    temporary = re.search(r"temporary password (\S+)", invitation["body"]).group(1)
    browser.go("/")
    sign_in(browser, STAFF, temporary)
    browser.heading("Choose your password")
    browser.type("New password again", STAFF_PASSWORD)
    browser.type("New password", STAFF_PASSWORD)
    browser.button("Save and sign in").click()
    browser.heading("Scan")
    assert [a.text for a in browser.css("#sidebar ul a")] == ["Scan", "Leads", "Event"]
    browser.wait_text("Demo Booth · OutreachPass Demo Summit")
    browser.wait_text("Online · every scan is sent")
    assert leads(stack, browser) == []
    browser.shot("scan-ready")


# --- the scanner -----------------------------------------------------------------------------------


def test_the_camera_reads_a_card_and_the_lead_is_captured_with_the_name_shown(browser, stack, cards):
    browser.button("Start the camera").click()
    browser.wait(lambda: "Ada Lovelace" in current_scan(browser), "Ada's name from the camera's scan")
    assert "New lead" in current_scan(browser)
    assert "Analytical Engines Ltd" in current_scan(browser)
    decoder = browser.css(".camera")[0].get_attribute("data-decoder")
    assert decoder in ("native", "jsqr")  # Chromium on Linux has no BarcodeDetector: jsQR in its worker

    [lead] = leads(stack, browser)
    assert (lead["card_id"], lead["name"], lead["exhibitor_id"]) == (card_id(cards["ada"]), "Ada Lovelace", stack.info["exhibitor_id"])
    assert (lead["email"], lead["rating"], lead["notes"], lead["tags"]) == ("ada@example.com", None, None, [])

    # The details right after the scan.
    rating(browser, "Hot").click()
    browser.wait(lambda: "segment-on" in rating(browser, "Hot").get_attribute("class"), "Hot chosen")
    browser.type("Tags", "analytics, demo")
    browser.type("Notes", "Wants a demo of the engine")
    browser.shot("scan-captured")
    browser.button("Save the details").click()
    browser.wait_text("Lead details saved")
    browser.wait(lambda: leads(stack, browser)[0]["rating"] == "hot", "the rating in the API")
    [lead] = leads(stack, browser)
    assert (lead["notes"], lead["tags"]) == ("Wants a demo of the engine", ["analytics", "demo"])

    # The camera keeps seeing the same card: it is reported once, not captured again and again.
    browser.button("Stop the camera").click()
    browser.wait(lambda: browser.button("Start the camera"), "the camera off")
    assert len(leads(stack, browser)) == 1

    # The same card again (typed this time): the page says it was captured already.
    type_scan(browser, cards["ada"])
    browser.wait(lambda: "Already captured" in current_scan(browser), "the already-captured answer")
    assert "Ada Lovelace" in current_scan(browser)
    assert len(leads(stack, browser)) == 1

    # Something that is not a card is refused on the device.
    type_scan(browser, "https://example.com/not-a-card")
    browser.wait_text("That is not an attendee's card.")
    assert len(leads(stack, browser)) == 1


def test_offline_scans_wait_on_the_device_and_sync_once_when_the_network_is_back(browser, stack, cards):
    browser.go("/scan")
    browser.heading("Scan")
    browser.wait_text("Online · every scan is sent")
    set_offline(browser, True)
    try:
        browser.wait_text("Offline · scans are kept on this device")
        type_scan(browser, cards["grace"])
        browser.wait(lambda: "Saved on this device" in current_scan(browser), "the first offline scan kept")
        type_scan(browser, card_id(cards["alan"]))  # a bare card id works too
        count = browser.wait(lambda: browser.css("[data-testid=outbox-count]"), "the waiting count")[0]
        browser.wait(lambda: count.text == "2 scans waiting to sync", "2 scans waiting")
        assert "2 waiting · offline" in browser.css(".outbox-pill")[0].text

        # Details typed offline travel with the waiting scan.
        rating(browser, "Warm").click()
        browser.type("Notes", "Met at the coffee stand")
        browser.button("Save the details").click()
        browser.wait_text("Saved on this device; sent when the network is back")
        assert count.text == "2 scans waiting to sync"
        browser.shot("scan-offline")

        kept = outbox(browser)
        assert sorted(item["scan"] for item in kept) == sorted([cards["grace"], card_id(cards["alan"])])
        for item in kept:
            assert uuid.UUID(item["id"]).version == 4 and item["kind"] == "capture"
        assert len(leads(stack, browser)) == 1  # the API has neither
    finally:
        set_offline(browser, False)

    browser.wait_text("Online · every scan is sent")
    assert outbox(browser) == []
    browser.wait(lambda: "Alan Turing" in current_scan(browser), "the last scan's name once sent")
    found = leads(stack, browser)
    assert sorted(lead["card_id"] for lead in found) == sorted(card_id(cards[n]) for n in ("ada", "grace", "alan"))
    alan = next(lead for lead in found if lead["name"] == "Alan Turing")
    assert (alan["rating"], alan["notes"]) == ("warm", "Met at the coffee stand")
    assert "Grace Hopper" in browser.text()  # this visit's list names the earlier one


def test_the_leads_page_searches_edits_deletes_and_downloads(browser, stack):
    browser.go("/leads")
    browser.heading("Leads")
    browser.wait(lambda: len(browser.css("tbody tr")) == 3, "three leads")
    browser.wait(lambda: browser.stat("Leads") == "3", "the lead count")
    assert (browser.stat("Hot"), browser.stat("Warm"), browser.stat("Cold"), browser.stat("Not rated")) == ("1", "1", "0", "1")
    browser.shot("leads")

    browser.type("Search", "grace")
    browser.wait(lambda: len(browser.css("tbody tr")) == 1 and "Grace Hopper" in browser.css("tbody tr")[0].text, "the search to find Grace")
    labelled(browser, "Edit Grace Hopper").click()
    rating(browser, "Cold", within_dialog=True).click()
    browser.type("Tags", "navy")
    browser.button("Save", within_dialog=True).click()
    browser.wait_text("Grace Hopper saved")
    browser.wait(lambda: next(lead for lead in leads(stack, browser) if lead["name"] == "Grace Hopper")["rating"] == "cold", "Grace rated cold")
    browser.wait(lambda: "navy" in browser.css("tbody tr")[0].text, "the tag in the list")

    browser.clear(browser.field("Search"))
    browser.wait(lambda: len(browser.css("tbody tr")) == 3, "every lead again")
    browser.button("Download CSV").click()
    downloaded = browser.wait(lambda: [p for p in browser.downloads.glob("leads-*.csv") if not p.name.endswith(".crdownload")], "the CSV")
    raw = downloaded[0].read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["name"] for r in rows) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert next(r for r in rows if r["name"] == "Ada Lovelace")["rating"] == "hot"

    labelled(browser, "Delete Alan Turing").click()
    browser.button("Delete", within_dialog=True).click()
    browser.wait_text("Alan Turing deleted")
    browser.wait(lambda: len(browser.css("tbody tr")) == 2, "two leads left")
    assert sorted(lead["name"] for lead in leads(stack, browser)) == ["Ada Lovelace", "Grace Hopper"]

    browser.go("/events")
    browser.heading("Events")
    browser.driver.find_element("link text", "OutreachPass Demo Summit").click()
    browser.heading("OutreachPass Demo Summit")
    assert not browser.css("[role=tab]")  # no attendee list for an exhibitor
    browser.shot("exhibitor-event")
    browser.button("Sign out").click()
    browser.heading("Sign in")


def test_the_organiser_sees_the_leads_per_exhibitor(browser, stack):
    sign_in(browser, stack.info["admin_username"], stack.info["admin_password"])
    # the exhibitor who signed out last had their event open: the organiser starts at their own home
    browser.heading("Dashboard")
    assert "/scan" not in [a.get_attribute("href").rsplit("/admin", 1)[1] for a in browser.css("#sidebar ul a")]
    browser.go(f"/analytics?event={stack.info['event_id']}")
    browser.heading("Analytics")
    section = browser.wait(lambda: next((s for s in browser.css("section") if "Leads by exhibitor" in s.text and "Demo Booth" in s.text), None), "the leads report")
    by_rating = next(t for t in browser.css("table", section) if browser.css("caption", t) and browser.css("caption", t)[0].text == "By rating")
    row = next(r for r in browser.css("tbody tr", by_rating) if "Demo Booth" in r.text)
    assert [c.text for c in browser.css("td", row)] == ["2", "1", "0", "1"]  # leads, hot, warm, cold
    browser.driver.execute_script("arguments[0].scrollIntoView()", section)
    browser.shot("analytics-leads")

    browser.go(f"/events/{stack.info['event_id']}?tab=exhibitors")
    row = browser.wait(lambda: next((r for r in browser.css("tbody tr") if "Demo Booth" in r.text), None), "the Demo Booth row")
    browser.wait(lambda: browser.css("td", row)[0].text == "2", "Demo Booth's 2 leads")
    browser.go("/scan")
    browser.wait_text("This page is not for your role")


def test_no_page_logged_a_script_error(browser):
    assert browser.script_errors() == []
