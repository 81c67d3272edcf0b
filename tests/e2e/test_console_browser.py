"""The organiser console in a real browser (Debian's headless Chromium through its chromedriver)
against the local stack as `make dev` runs it (`python -m local`: seeded demo tenant, background
workers, moto, the local pool's SRP front door):

sign in as the demo admin (SRP against the local pool) and see the dashboard's chart with data;
create an event (a taken web address is refused at its field); import a CSV with one bad row by
drag and drop: see the detected column mapping and the first rows, send one column to another
field and leave one out, import, see that row's error and the mapping in the attendees; send the card e-mails after the preview and see the job
succeed and the mail arrive; invite a user and change their role, then the invitee chooses a
password at the first sign-in; sign out (the refresh token is revoked). Every page is
photographed at desktop and phone size in test-artifacts/console/, and no page logs a script
error. The tests run in order on one browser and one stack.
"""

from __future__ import annotations

import json
import re
import uuid

import boto3
import pytest

from tests.e2e.console_browser import PHONE, Browser, api, cognito, fresh_stack, launch_chromium, mails, sign_in
from tests.fixtures.dev_stack import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts" / "console"

EVENT_NAME = "Browser Expo 2030"
# Headers as a spreadsheet has them: recognised by their usual spellings, except "Badge".
CSV = (
    "E-mail,First Name,Last Name,Company,Job Title,Badge\n"
    "ada@example.com,Ada,Lovelace,Analytical Engines,Countess,VIP\n"
    "grace@example.com,Grace,Hopper,US Navy,Rear Admiral,Speaker\n"
    "not-an-email,Bad,Row,Nowhere,,\n"
)
INVITEE = f"staff-{uuid.uuid4().hex[:6]}@example.com"
INVITEE_PASSWORD = "Chosen-Passw0rd-42!"


# --- the stack and the browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack():
    with fresh_stack() as dev:
        yield dev


@pytest.fixture(scope="module")
def browser(stack, tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    driver = launch_chromium(tmp_path_factory.mktemp("chromium-profile"), downloads)
    try:
        yield Browser(driver, stack.info, downloads, ARTIFACTS)
    finally:
        driver.quit()


# --- the walkthrough ------------------------------------------------------------------------------


def test_sign_in_as_the_demo_admin_lands_on_the_dashboard_with_a_chart_of_data(browser, stack):
    browser.go("/")
    browser.heading("Sign in")
    browser.shot("sign-in")
    browser.type("E-mail address", stack.info["admin_username"])
    browser.type("Password", stack.info["admin_password"] + "-wrong")
    browser.button("Sign in").click()
    browser.wait_text("The e-mail address or password is not right.")
    assert browser.session() is None

    browser.type("Password", stack.info["admin_password"])
    browser.button("Sign in").click()
    browser.heading("Dashboard")
    session = browser.session()
    assert session and session["user"] == {
        "sub": session["user"]["sub"], "email": stack.info["admin_username"], "tenantId": stack.info["tenant_id"], "role": "admin",
    }
    # The demo's analytics: the overview has numbers and the chart is drawn from the series.
    assert int(browser.wait(lambda: browser.stat("Card views"), "the card views number").replace(",", "")) > 0
    canvas = browser.wait(lambda: browser.css("[data-testid=timeseries-chart] canvas"), "the chart")
    assert canvas[0].size["width"] > 300 and canvas[0].size["height"] > 100
    browser.css(".chart-numbers summary")[0].click()
    cells = [c.text.replace(",", "") for c in browser.css(".chart-numbers td")]
    assert cells and sum(int(c) for c in cells) > 0
    browser.shot("dashboard")


def test_create_an_event_in_its_own_time_zone(browser, stack):
    browser.go("/events")
    browser.heading("Events")
    browser.shot("events")
    browser.button("New event").click()
    browser.type("Name", EVENT_NAME)
    slug = browser.field("Web address")
    assert slug.get_attribute("value") == "browser-expo-2030"
    browser.select("Time zone", "Asia/Kolkata")
    browser.set_value(browser.field("Starts"), "2030-05-01T09:00")
    browser.set_value(browser.field("Ends"), "2030-05-02T18:00")
    browser.select("Status", "active")

    # A web address another event has: the API's 409 appears at the field.
    browser.clear(slug)
    slug.send_keys("demo-summit")
    browser.button("Create event", within_dialog=True).click()
    browser.wait(lambda: slug.get_attribute("aria-invalid") == "true", "the slug field marked invalid")
    described = browser.driver.find_element("id", slug.get_attribute("aria-describedby").split()[-1])
    assert "already exists" in described.text
    assert "EVENT_SLUG_TAKEN" in browser.text()
    browser.shot("event-form-error", phone=False)

    browser.clear(slug)
    slug.send_keys("browser-expo-2030")
    browser.button("Create event", within_dialog=True).click()
    browser.heading(EVENT_NAME)
    event_id = browser.driver.current_url.rstrip("/").rsplit("/", 1)[1]
    status, body = api(stack, "GET", f"/api/v1/admin/events/{event_id}", browser.session()["idToken"])
    assert status == 200, body
    event = body["data"]
    assert (event["timezone"], event["status"], event["slug"]) == ("Asia/Kolkata", "active", "browser-expo-2030")
    assert event["starts_at"].startswith("2030-05-01T03:30:00")  # 09:00 in Kolkata is 03:30 UTC
    browser.wait_text("No attendees yet")
    browser.shot("event-empty")


def test_import_a_csv_by_drag_and_drop_and_see_the_bad_rows_error(browser, stack):
    browser.tab("Import").click()
    zone = browser.wait(lambda: browser.css("[data-testid=dropzone]"), "the drop zone")[0]
    browser.shot("event-import")
    # A file dropped on the zone, as the browser delivers it (a drop event with its DataTransfer).
    browser.driver.execute_script(
        "const data = new DataTransfer();"
        "data.items.add(new File([arguments[1]], 'attendees.csv', {type: 'text/csv'}));"
        "arguments[0].dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));"
        "arguments[0].dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));",
        zone, CSV,
    )
    # Before anything is imported: the detected mapping and the first rows.
    assert browser.field("E-mail").get_attribute("value") == "email"
    assert browser.field("Company").get_attribute("value") == "org_name"
    assert browser.field("Job Title").get_attribute("value") == "title"
    assert browser.field("Badge").get_attribute("value") == ""  # not recognised: left out
    rows = browser.wait(lambda: browser.css("table.preview-rows tbody tr"), "the first rows")
    assert [td.text for td in browser.css("td", rows[0])][:2] == ["2", "ada@example.com"]
    assert "Countess" in rows[0].text
    assert "not-an-email" in rows[2].text and "E-mail" in rows[2].text  # the bad row's problem, before importing
    browser.shot("event-import-mapping")
    # The badge becomes the job title instead of the file's job title: previewed again with that mapping.
    browser.select("Job Title", "")
    browser.select("Badge", "title")
    browser.wait(lambda: "Speaker" in browser.css("table.preview-rows tbody tr")[1].text, "the preview with the badge as the title")
    assert "Rear Admiral" not in browser.css("table.preview-rows")[0].text
    browser.button("Import 3 rows").click()

    job = browser.wait(lambda: next((j for j in browser.css(".job") if "Succeeded" in j.text), None), "the import job to succeed")
    assert "3 of 3" in job.text
    counts = {dt.text: dd.text for dt, dd in zip(browser.css(".counts dt", job), browser.css(".counts dd", job), strict=True)}
    assert counts == {"Created": "2", "Updated": "0", "Unchanged or skipped": "0", "Failed": "1"}
    row = [td.text for td in browser.css(".job-errors tbody tr td", job)]
    assert row[:2] == ["4", "E-mail"] and "not-an-email" in row[2]
    browser.shot("event-import-done")

    # The mapping took effect: the job was asked for it, and the titles are the badges.
    token = browser.session()["idToken"]
    event_id = browser.driver.current_url.split("/events/")[1].split("?")[0].split("/")[0]
    status, body = api(stack, "GET", f"/api/v1/admin/events/{event_id}/attendees?limit=10", token)
    assert status == 200, body
    assert {a["email"]: (a["title"], a["org_name"]) for a in body["data"]} == {
        "ada@example.com": ("VIP", "Analytical Engines"),
        "grace@example.com": ("Speaker", "US Navy"),
    }
    job_id = browser.driver.execute_script(f"return sessionStorage.getItem('outreachpass.import-job.{event_id}')")
    status, body = api(stack, "GET", f"/api/v1/admin/jobs/{job_id}", token)
    assert status == 200, body
    assert (body["data"]["input"].get("mapping"), body["data"]["input"].get("filename")) == ({"Job Title": None, "Badge": "title"}, "attendees.csv")

    browser.button("Download the errors (CSV)").click()
    downloaded = browser.wait(lambda: [p for p in browser.downloads.glob("*.csv") if not p.name.endswith(".crdownload")], "the errors download")
    lines = downloaded[0].read_text().splitlines()
    assert lines[0] == "row,column,reason" and lines[1].startswith("4,E-mail,")

    browser.tab("Attendees").click()
    browser.wait(lambda: len(browser.css("table tbody tr")) == 2, "the two imported attendees")
    assert "Ada Lovelace" in browser.text() and "Grace Hopper" in browser.text()
    # Search, then a card with its links.
    browser.type("Search", "grace")
    browser.wait(lambda: len(browser.css("table tbody tr")) == 1, "the search to find Grace")
    browser.button("Card").click()
    browser.wait(lambda: browser.css("dialog[open] .card-qr"), "the card preview")
    qr = browser.css("dialog[open] .card-qr")[0]
    browser.wait(lambda: browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr), "the QR code image")
    links = {a.text: a.get_attribute("href") for a in browser.css("dialog[open] .link-list a")}
    assert links["Open the card page"].startswith(stack.info["api_url"] + "/c/")
    assert links["Download the vCard"] == links["Open the card page"] + "/vcard"
    browser.shot("card-preview")
    browser.driver.find_element("css selector", "dialog[open] button[aria-label=Close]").click()
    browser.clear(browser.field("Search"))
    browser.wait(lambda: len(browser.css("table tbody tr")) == 2, "both attendees again")
    browser.shot("event-attendees")


def test_send_the_card_emails_after_the_preview_and_see_the_job_succeed(browser, stack):
    browser.tab("Send cards & passes").click()
    browser.type("A message to add", "See you at booth 12!")
    browser.shot("event-send")
    browser.button("Preview and send…").click()
    preview = browser.wait(lambda: browser.css("dialog[open] .email-preview"), "the e-mail preview")[0]
    assert f"Your digital card for {EVENT_NAME}" in preview.text
    assert "See you at booth 12!" in preview.text
    browser.shot("email-preview")
    browser.button("Send to everyone not yet sent a card", within_dialog=True).click()
    job = browser.wait(lambda: next((j for j in browser.css(".job") if "Card e-mails" in j.text and "Succeeded" in j.text), None), "the e-mail job to succeed")
    counts = {dt.text: dd.text for dt, dd in zip(browser.css(".counts dt", job), browser.css(".counts dd", job), strict=True)}
    assert counts == {"Done": "2", "Skipped": "0", "Failed": "0"}
    browser.shot("event-sent")

    sent = [m for m in mails(stack) if m.get("raw") and f"Your digital card for {EVENT_NAME}" in m["raw"]]
    recipients = sorted({re.search(r"[\w.+-]+@[\w.-]+", m["raw"].split("\nTo: ", 1)[1]).group(0) for m in sent})
    assert len(sent) == 2 and recipients == ["ada@example.com", "grace@example.com"]
    assert all("See you at booth 12!" in m["raw"] for m in sent)

    # Each attendee's status in the list says they were sent their card.
    browser.tab("Attendees").click()
    browser.wait(lambda: [r.text for r in browser.css("tbody tr") if "Sent" in r.text and "sent " in r.text].__len__() == 2, "both attendees marked sent")

    # The event's dashboard counts them.
    event_id = browser.driver.current_url.split("/events/")[1].split("?")[0]
    browser.go(f"/?event={event_id}")
    browser.wait(lambda: browser.stat("E-mails sent") == "2", "2 e-mails sent on the dashboard")
    # The event's own time zone, once the event is read (until then the browser's: UTC here).
    browser.wait(lambda: "Asia/Kolkata" in browser.field("Time zone").get_attribute("value"), "the event's time zone")
    browser.wait(lambda: browser.stat("E-mails sent") == "2", "2 e-mails sent in the event's time zone")


def test_every_page_renders_at_desktop_and_phone_size(browser, stack):
    pages = {
        "analytics": ("/analytics", "Analytics"),
        "brands": ("/brands", "Brands"),
        "users": ("/users", "Users"),
        "feature-flags": ("/feature-flags", "Feature flags"),
        "audit-log": ("/audit-log", "Audit log"),
    }
    for name, (path, title) in pages.items():
        browser.go(path)
        browser.heading(title)
        browser.wait(lambda: not browser.css(".state-loading"), f"{name} to load")
        assert not browser.css(".state-error"), f"{name}: {browser.text()[:500]}"
        browser.shot(name)
    # The audit log recorded the event made in the browser.
    browser.go("/audit-log")
    browser.wait_text("event.create")
    # The menu is a drawer at phone width.
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        toggle = browser.wait(lambda: next(iter(browser.visible(browser.css(".menu-toggle"))), None), "the menu button")
        assert not browser.visible(browser.css("#sidebar"))
        toggle.click()
        browser.wait(lambda: browser.visible(browser.css("#sidebar")), "the menu drawer")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.driver.save_screenshot(str(ARTIFACTS / "menu-phone.png"))
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_switch_a_feature_flag_off_and_on_again(browser, stack):
    """The page lists the product's flags (contact_share among them), each on by default; switching
    one off and saving stores it for the organisation and leaves the others at their default."""
    browser.go("/feature-flags")
    browser.heading("Feature flags")

    def switch(key: str):
        return browser.wait(lambda: next(iter(browser.css(f"input[name={key}]")), None), f"the {key} switch")

    def flags() -> dict:
        status, body = api(stack, "GET", "/api/v1/admin/feature-flags", browser.session()["idToken"])
        assert status == 200, body
        return body["data"]

    assert {key for key in flags()} == {"apple_wallet", "google_wallet", "vcard_download", "share_button",
                                        "email_open_tracking", "contact_share"}
    assert switch("contact_share").is_selected() and flags()["contact_share"]["source"] == "default"
    switch("contact_share").click()
    browser.button("Save flags").click()
    browser.wait(lambda: flags()["contact_share"]["enabled"] is False, "contact_share saved off")
    state = flags()
    assert state["contact_share"]["source"] == "tenant"
    assert all(state[key] == {"enabled": True, "source": "default", "updated_at": None} for key in state if key != "contact_share")
    browser.wait(lambda: "changed" in browser.xpath("//label[.//input[@name='contact_share']]")[0].text, "its change time")
    browser.shot("feature-flags-switched")
    switch("contact_share").click()
    browser.button("Save flags").click()
    browser.wait(lambda: flags()["contact_share"]["enabled"] is True, "contact_share saved on again")


def test_invite_a_user_and_change_their_role(browser, stack):
    browser.go("/users")
    browser.heading("Users")
    browser.button("Invite a user").click()
    browser.type("E-mail address", INVITEE)
    browser.select("Role", "user", within_dialog=True)
    browser.button("Send the invitation", within_dialog=True).click()
    browser.wait_text(f"Invitation sent to {INVITEE}")
    row = browser.wait(lambda: next((r for r in browser.css("tbody tr") if INVITEE in r.text), None), "the invitee's row")
    assert "Invited" in row.text

    from selenium.webdriver.support.ui import Select

    # An exhibitor user works for one exhibitor: the console asks which before changing the role.
    Select(row.find_element("css selector", "select")).select_by_value("exhibitor")
    browser.wait_text("Which exhibitor do they work for?")
    assert not browser.button("Make them exhibitor", within_dialog=True).is_enabled()  # not before the exhibitor is chosen
    browser.select("Event", stack.info["event_id"], within_dialog=True)
    browser.wait(lambda: any(o.get_attribute("value") == stack.info["exhibitor_id"] for o in browser.css("dialog[open] option")), "the event's exhibitors")
    browser.select("Exhibitor", stack.info["exhibitor_id"], within_dialog=True)
    browser.shot("users-exhibitor-picker", phone=False)
    browser.button("Make them exhibitor", within_dialog=True).click()
    browser.wait_text(f"{INVITEE} is now exhibitor")
    browser.select("Role", "exhibitor")  # the list's filter
    row = browser.wait(lambda: next((r for r in browser.css("tbody tr") if INVITEE in r.text), None), "the invitee among the exhibitors")
    browser.wait(lambda: "at Demo Booth" in row.text, "the invitee's exhibitor named")
    token = browser.session()["idToken"]
    status, body = api(stack, "GET", "/api/v1/admin/users?role=exhibitor", token)
    assert status == 200 and [(u["email"], u["exhibitor_id"]) for u in body["data"]] == [(INVITEE, stack.info["exhibitor_id"])]
    pool = boto3.client(
        "cognito-idp", endpoint_url=stack.info["aws_endpoint_url"], region_name=stack.info["region"],
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    account = pool.admin_get_user(UserPoolId=stack.info["user_pool_id"], Username=INVITEE)
    assert {a["Name"]: a["Value"] for a in account["UserAttributes"]}["custom:role"] == "exhibitor"
    browser.shot("users-invited")


def test_sign_out_revokes_the_session(browser, stack):
    refresh = browser.session()["refreshToken"]
    browser.button("Sign out").click()
    browser.heading("Sign in")
    assert browser.session() is None
    status, answer = cognito(stack, "InitiateAuth", {
        "ClientId": stack.info["user_pool_client_id"], "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh},
    })
    assert (status, answer["__type"]) == (400, "NotAuthorizedException")
    browser.go("/users")
    browser.heading("Sign in")  # signed-out pages send you to sign in


def test_the_invitee_chooses_a_password_at_the_first_sign_in(browser, stack):
    invitation = next(m for m in mails(stack) if INVITEE in json.dumps(m.get("destinations")) and m.get("subject") == "Your temporary password")
    temporary = re.search(r"temporary password (\S+)", invitation["body"]).group(1)
    browser.go("/")
    sign_in(browser, INVITEE, temporary)
    browser.heading("Choose your password")
    browser.type("New password again", INVITEE_PASSWORD)
    browser.type("New password", INVITEE_PASSWORD)
    browser.shot("choose-password", phone=False)
    browser.button("Save and sign in").click()
    browser.heading("Scan")  # an exhibitor's home
    assert [a.text for a in browser.css("#sidebar ul a")] == ["Scan", "Leads", "Event"]
    assert browser.session()["user"]["role"] == "exhibitor"
    browser.button("Sign out").click()
    browser.heading("Sign in")


def test_the_api_reference_is_swagger_ui_served_from_the_stack(browser, stack):
    browser.driver.get(stack.info["api_url"] + "/docs")
    operations = browser.wait(lambda: len(browser.css(".opblock")) >= 40 and browser.css(".opblock"), "Swagger UI's operations")
    assert any("/api/v1/admin/events" in o.text for o in operations)
    origins = browser.driver.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)")
    assert set(origins) == {stack.info["api_url"]}  # nothing from a CDN
    browser.shot("api-reference", phone=False)


def test_no_page_logged_a_script_error(browser):
    assert browser.script_errors() == []
