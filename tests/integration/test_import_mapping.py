"""Column mapping and the preview, through the local HTTP server: the console's flow (preview the
first KBs, adjust the mapping, import with it), and the messages a person gets when it is wrong."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

ADMIN = "/api/v1/admin"

# A CRM export: "Mail", "Vorname", "Surname", "Employer" and "Mobile" are known spellings; "Notes" is no field.
EXPORT = (
    "Mail,Vorname,Surname,Employer,Notes,Mobile\n"
    "ada@example.com,Ada,Lovelace,Analytical Engines,met at the booth,+44 20 7946 0000\n"
    "grace@example.com,Grace,Hopper,US Navy,,\n"
    "ADA@example.com,Ada,Again,,,\n"
    "alan@example.com,,Turing,,,+44 1\n"
)


@pytest.fixture
def api(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "user")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    admin = local_stack.token_for(tenant_id, "admin")
    assert local_stack.request("POST", f"{ADMIN}/brands", token=admin, json={"brand_key": "MAIN", "display_name": "Main"}).status == 201
    body = {"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"}
    event = call("POST", f"{ADMIN}/events", json=body)
    assert event.status == 201, event.text
    return {"tenant_id": tenant_id, "call": call, "event_id": event.json()["data"]["event_id"], "stack": local_stack}


def preview(api, data: bytes, **query):
    path = f"{ADMIN}/events/{api['event_id']}/imports/preview"
    if query:
        path += "?" + urllib.parse.urlencode(query)
    return api["call"]("POST", path, body=data, headers={"content-type": "text/csv"})


def finish(api, job_id: str) -> dict:
    for _ in range(20):
        job = api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]
        if job["status"] not in ("queued", "running"):
            return job
        api["stack"].run_workers_once()
    raise AssertionError(job)


def attendees(database, event_id) -> dict:
    with psycopg.connect(database.admin_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT email, first_name, last_name, org_name, phone FROM attendees WHERE event_id = %s", (event_id,)).fetchall()
    return {row.pop("email"): row for row in rows}


def test_the_preview_shows_what_was_recognised_and_how_the_first_rows_would_import(api):
    response = preview(api, EXPORT.encode())
    assert response.status == 200, response.text
    shown = response.json()["data"]
    assert (shown["encoding"], shown["delimiter"]) == ("utf-8", ",")
    assert shown["header"] == ["Mail", "Vorname", "Surname", "Employer", "Notes", "Mobile"]
    assert shown["mapping"] == {"Mail": "email", "Vorname": "first_name", "Surname": "last_name", "Employer": "org_name",
                                "Notes": None, "Mobile": "phone"}
    assert [w["code"] for w in shown["warnings"]] == ["COLUMN_IGNORED"] and shown["warnings"][0]["column"] == "Notes"
    assert {f["field"] for f in shown["fields"]} >= {"email", "first_name", "full_name", "linkedin_url"}
    assert shown["limits"]["max_rows"] == 1_000_000
    rows = shown["rows"]
    assert [r["row"] for r in rows] == [2, 3, 4, 5]
    assert rows[0]["values"]["org_name"] == "Analytical Engines" and rows[0]["problems"] == []
    assert rows[2]["problems"] == [{"field": "email", "column": "Mail",
                                    "reason": "the same e-mail as row 2: only the first row of an e-mail is imported"}]
    assert rows[3]["needs_first_name"] is True and rows[3]["problems"] == []  # refused only if alan is new: the import decides


def test_a_partial_sample_leaves_out_its_cut_last_line(api):
    cut = EXPORT.encode()[: EXPORT.encode().index(b"US Navy") + 3]  # the sample ends inside Grace's row
    whole = preview(api, cut, partial="true").json()["data"]
    assert [r["row"] for r in whole["rows"]] == [2]
    unaware = preview(api, cut).json()["data"]
    assert [r["row"] for r in unaware["rows"]] == [2, 3]  # read as a whole file, the cut row is shown as it is


def test_the_preview_with_a_mapping_and_the_import_with_it_agree(api, database):
    mapping = {"Notes": "title", "Employer": None, "Surname": "last_name"}
    shown = preview(api, EXPORT.encode(), mapping=json.dumps(mapping)).json()["data"]
    assert shown["mapping"]["Notes"] == "title" and shown["mapping"]["Employer"] is None
    assert shown["warnings"] == []  # every column is either imported or left out on purpose
    assert shown["rows"][0]["values"]["title"] == "met at the booth"

    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports", json={"filename": "crm.csv", "mapping": mapping})
    assert started.status == 202, started.text
    body = started.json()["data"]
    assert body["job"]["input"]["mapping"] == mapping
    request = urllib.request.Request(body["upload"]["url"], data=EXPORT.encode(), method="PUT", headers=body["upload"]["headers"])
    with urllib.request.urlopen(request, timeout=30) as uploaded:
        assert uploaded.status == 200
    job = finish(api, body["job"]["job_id"])
    assert job["status"] == "succeeded_with_errors", job
    assert job["counts"] == {"total": 4, "created": 2, "updated": 0, "skipped": 0, "succeeded": 2, "failed": 2, "suppressed": 0}
    assert [(e["row"], e["field"], e["column"]) for e in job["errors"]] == [(4, "email", "Mail"), (5, "first_name", "Vorname")]
    stored = attendees(database, api["event_id"])
    assert stored["ada@example.com"]["org_name"] is None  # Employer was left out
    assert stored["ada@example.com"]["last_name"] == "Lovelace"
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT title FROM attendees WHERE event_id = %s AND email = 'ada@example.com'",
                            (api["event_id"],)).fetchone()[0] == "met at the booth"


def test_a_csv_in_the_body_takes_its_mapping_from_the_query(api, database):
    data = "Courriel;Prénom;Société\nrene@example.com;René;Société Générale\n".encode("cp1252")
    mapping = json.dumps({"Société": "title"})
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports?mapping={urllib.parse.quote(mapping)}",
                          body=data, headers={"content-type": "text/csv"})
    assert started.status == 202, started.text
    job = finish(api, started.json()["data"]["job"]["job_id"])
    assert job["status"] == "succeeded", job
    with psycopg.connect(database.admin_url) as conn:
        row = conn.execute("SELECT first_name, title, org_name FROM attendees WHERE event_id = %s", (api["event_id"],)).fetchone()
    assert row == ("René", "Société Générale", None)


def test_a_mapped_column_the_file_lacks_is_a_warning(api):
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports?mapping={urllib.parse.quote(json.dumps({'Telefon': 'phone'}))}",
                          body=b"email,first_name\nx@example.com,X\n", headers={"content-type": "text/csv"})
    job = finish(api, started.json()["data"]["job"]["job_id"])
    assert job["status"] == "succeeded"
    assert job["warnings"] == [{"code": "MAPPED_COLUMN_MISSING", "column": "Telefon",
                                "message": "The mapping names a column 'Telefon' that the file does not have: check the header's spelling"}]


@pytest.mark.parametrize(
    ("mapping", "field", "reason"),
    [
        ({"A": "email", "B": "email"}, "mapping.B", "'A' is mapped to email already: map only one column to it"),
        ({"A": "shoe_size"}, "mapping.A", "'shoe_size' is not an attendee field; use one of email, first_name, last_name, phone, "
                                          "org_name, title, linkedin_url, full_name, or null to leave the column out"),
        ({" ": "email"}, "mapping. ", "a column's header cannot be empty"),
        ({"Name": "full_name", "First": "first_name"}, "mapping.Name",
         "map either a full-name column or separate first and last name columns, not both"),
    ],
)
def test_a_mapping_that_could_never_import_is_refused_with_the_entry_at_fault(api, mapping, field, reason):
    response = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports?mapping={urllib.parse.quote(json.dumps(mapping))}",
                           body=b"email\na@example.com\n", headers={"content-type": "text/csv"})
    assert (response.status, response.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert {"field": field, "reason": reason} in response.json()["error"]["details"]
    same = preview(api, b"email\na@example.com\n", mapping=json.dumps(mapping))
    assert {"field": field, "reason": reason} in same.json()["error"]["details"]


def test_mapping_messages_for_json_bodies_and_broken_query_values(api):
    call = api["call"]
    wrong_type = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", json={"mapping": {"A": "shoe_size"}})
    assert wrong_type.status == 400
    assert wrong_type.json()["error"]["details"][0]["field"] == "mapping.A"
    not_json = call("POST", f"{ADMIN}/events/{api['event_id']}/imports?mapping=%7Bnope", body=b"email\na@example.com\n",
                    headers={"content-type": "text/csv"})
    assert not_json.status == 400
    assert not_json.json()["error"]["details"] == [{"field": "mapping", "reason": 'not valid JSON: give an object such as {"E-mail": "email", "Notes": null}'}]
    both = call("POST", f"{ADMIN}/events/{api['event_id']}/imports?mapping=%7B%7D", json={"mapping": {"A": "email"}})
    assert both.json()["error"]["details"] == [{"field": "mapping", "reason": "give the mapping in the body or in the query, not both"}]
    no_email = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"Contact\na@example.com\n", headers={"content-type": "text/csv"})
    assert (no_email.status, no_email.json()["error"]["code"]) == (422, "CSV_MISSING_COLUMN")
    assert "map the column that holds the addresses to the email field" in no_email.json()["error"]["message"]


def test_the_preview_refuses_what_the_import_would(api, local_stack, tenant_factory):
    assert (preview(api, b"PK\x03\x04" + b"\x00" * 40).json()["error"]["code"]) == "CSV_NOT_TEXT"
    empty = preview(api, b"  ")
    assert (empty.status, empty.json()["error"]["details"][0]["field"]) == (400, "body")
    assert preview(api, b"x" * (64 * 1024 + 1)).status == 413
    json_body = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports/preview", json={"a": 1})
    assert json_body.status == 415
    unknown = api["call"]("POST", f"{ADMIN}/events/{uuid.uuid4()}/imports/preview", body=b"email\na@x.com\n", headers={"content-type": "text/csv"})
    assert (unknown.status, unknown.json()["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    intruder = local_stack.token_for(tenant_factory(), "admin")
    other = local_stack.request("POST", f"{ADMIN}/events/{api['event_id']}/imports/preview", token=intruder,
                                body=b"email\na@x.com\n", headers={"content-type": "text/csv"})
    assert other.status == 404
    exhibitor = local_stack.token_for(api["tenant_id"], "exhibitor")
    refused = local_stack.request("POST", f"{ADMIN}/events/{api['event_id']}/imports/preview", token=exhibitor,
                                  body=b"email\na@x.com\n", headers={"content-type": "text/csv"})
    assert (refused.status, refused.json()["error"]["code"]) == (403, "FORBIDDEN")


def test_a_utf16_sample_cut_mid_line(api):
    data = "Email\tFirst Name\nyuki@example.com\tYuki\nkenji@example.com\tKenji\n".encode("utf-16")
    cut = data[:-9]  # inside Kenji's line
    shown = preview(api, cut, partial="true").json()["data"]
    assert shown["encoding"] == "utf-16" and shown["delimiter"] == "\t"
    assert [r["values"]["email"] for r in shown["rows"]] == ["yuki@example.com"]
