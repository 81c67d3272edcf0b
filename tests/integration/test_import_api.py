"""CSV import end to end through the local HTTP server: presigned upload to moto S3, the S3
notification on the imports queue, the worker, the job; and the direct-body path, the row and
file errors, idempotency and the card fields."""

from __future__ import annotations

import json
import urllib.request
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from outreachpass.services.cards import card_fields_from_attendee

ADMIN = "/api/v1/admin"

CSV = (
    "E-mail,First Name,Last Name,Company,Job Title,Phone,LinkedIn,Notes\n"
    "ada@example.com,Ada,Lovelace,Analytical Engines,Countess,+44 20 7946 0000,https://www.linkedin.com/in/ada,first\n"
    "grace@example.com,Grace,Hopper,US Navy,Rear Admiral,,linkedin.com/in/grace,\n"
    "not-an-email,Bad,Email,,,,,\n"
    "nofirst@example.com,,Nameless,,,,,\n"
    "ALAN@Example.com,Alan,Turing,,,,,\n"
    "long@example.com," + "L" * 101 + ",X,,,,,\n"
    "alan@example.com,,,Bletchley Park,Cryptanalyst,,,merges into row 6\n"
    ",Ghost,,,,,,\n"
    "\n"
    "zoe@example.com,Zoë,Ångström,Café Müller,,(030) 123-456,,\n"
)
# rows 2 ada, 3 grace, 4 bad email, 5 no first name, 6 alan, 7 name too long, 8 alan again (refused: the
# same e-mail as row 6), 9 no email, 10 blank (not a row), 11 zoe; the Notes column is no attendee field
VALID_EMAILS = {"ada@example.com", "grace@example.com", "alan@example.com", "zoe@example.com"}


@pytest.fixture
def api(local_stack, tenant_factory):
    """A tenant with an admin token, a brand and an event, through the local HTTP server."""
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    brand = call("POST", f"{ADMIN}/brands", json={"brand_key": "MAIN", "display_name": "Main"})
    assert brand.status == 201, brand.text

    def new_event():
        body = {"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"}
        response = call("POST", f"{ADMIN}/events", json=body)
        assert response.status == 201, response.text
        return response.json()["data"]["event_id"]

    return {"tenant_id": tenant_id, "call": call, "token": token, "new_event": new_event, "event_id": new_event(), "stack": local_stack}


def put(url: str, data: bytes, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=data, method="PUT", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def wait_for_job(api, job_id: str, rounds: int = 20) -> dict:
    """Poll the job like a client would, letting the workers drain the queues in between."""
    for _ in range(rounds):
        response = api["call"]("GET", f"{ADMIN}/jobs/{job_id}")
        assert response.status == 200, response.text
        job = response.json()["data"]
        if job["status"] in ("succeeded", "succeeded_with_errors", "failed"):
            return job
        api["stack"].run_workers_once()
    raise AssertionError(f"job {job_id} did not finish: {job}")


def upload_import(api, event_id: str, data: bytes, filename: str = "attendees.csv") -> dict:
    started = api["call"]("POST", f"{ADMIN}/events/{event_id}/imports", json={"filename": filename})
    assert started.status == 202, started.text
    body = started.json()["data"]
    assert started.headers["location"] == f"{ADMIN}/jobs/{body['job']['job_id']}"
    assert body["job"]["status"] == "queued"
    assert body["upload"]["method"] == "PUT"
    assert body["upload"]["key"] == f"imports/{api['tenant_id']}/{body['job']['job_id']}/upload.csv"
    assert set(body) == {"job", "upload"}  # the shape of every job-starting route
    assert put(body["upload"]["url"], data, body["upload"]["headers"]) == 200
    return wait_for_job(api, body["job"]["job_id"])


def snapshot(database, event_id) -> dict:
    """Every attendee of the event and its card, as stored (ids, revisions and timestamps included)."""
    with psycopg.connect(database.admin_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            """
            SELECT a.*, to_jsonb(c) AS card FROM attendees a LEFT JOIN cards c ON c.card_id = a.card_id
            WHERE a.event_id = %s ORDER BY a.email
            """,
            (event_id,),
        ).fetchall()
    return {row["email"]: row for row in rows}


EXPECTED_ERRORS = [
    {"row": 4, "field": "email", "column": "E-mail", "reason": "not a valid e-mail address: 'not-an-email'"},
    {"row": 5, "field": "first_name", "column": "First Name", "reason": "required for a new attendee: the 'First Name' cell is empty"},
    {"row": 7, "field": "first_name", "column": "First Name", "reason": "too long (101 characters, at most 100)"},
    {"row": 8, "field": "email", "column": "E-mail",
     "reason": "the same e-mail as row 6: only the first row of an e-mail is imported (merge the two rows, or give this one its own address)"},
    {"row": 9, "field": "email", "column": "E-mail", "reason": "required"},
]


def test_upload_import_reports_rows_and_reimport_changes_nothing(api, database):
    job = upload_import(api, api["event_id"], CSV.encode("utf-8"))
    assert job["status"] == "succeeded_with_errors", job
    assert job["kind"] == "import" and job["event_id"] == api["event_id"]
    assert job["counts"] == {"total": 9, "created": 4, "updated": 0, "skipped": 0, "succeeded": 4, "failed": 5, "suppressed": 0}
    assert job["error"] is None
    assert job["errors"] == EXPECTED_ERRORS
    assert job["warnings"] == [{
        "code": "COLUMN_IGNORED", "column": "Notes",
        "message": "The column 'Notes' matches no attendee field and was not imported: "
                   "map it to a field to import it, or to none to leave it out without this warning",
    }]
    assert job["input"] == {"source": "upload", "filename": "attendees.csv"}

    first = snapshot(database, api["event_id"])
    assert set(first) == VALID_EMAILS
    alan = first["alan@example.com"]  # row 6 only: row 8 (the same e-mail) overwrote nothing
    assert (alan["first_name"], alan["last_name"], alan["org_name"], alan["title"]) == ("Alan", "Turing", None, None)
    assert first["grace@example.com"]["linkedin_url"] == "https://linkedin.com/in/grace"
    assert first["zoe@example.com"]["last_name"] == "Ångström"
    for attendee in first.values():
        card = attendee["card"]
        assert card["owner_attendee_id"] == str(attendee["attendee_id"])
        assert card["event_id"] == api["event_id"] and card["vcard_rev"] == 1
        expected = card_fields_from_attendee(attendee)
        assert {key: card[key] for key in expected} == expected

    # The attendees and cards are there through the API too.
    listed = api["call"]("GET", f"{ADMIN}/events/{api['event_id']}/attendees?limit=200")
    assert sorted(a["email"] for a in listed.json()["data"]) == sorted(VALID_EMAILS)

    again = upload_import(api, api["event_id"], CSV.encode("utf-8"))
    assert again["status"] == "succeeded_with_errors"
    assert again["counts"] == {"total": 9, "created": 0, "updated": 0, "skipped": 4, "succeeded": 0, "failed": 5, "suppressed": 0}
    assert snapshot(database, api["event_id"]) == first  # not one row touched: same ids, revisions, timestamps

    with psycopg.connect(database.admin_url) as conn:
        audits = conn.execute(
            "SELECT action, entity_type, entity_id, after->>'job_id' FROM audit_log WHERE tenant_id = %s AND action = 'attendee.import' ORDER BY audit_id",
            (api["tenant_id"],),
        ).fetchall()
    assert [(a[0], a[1], a[2]) for a in audits] == [("attendee.import", "event", api["event_id"])] * 2
    assert [a[3] for a in audits] == [job["job_id"], again["job_id"]]


def test_changed_rows_update_attendees_and_their_cards(api, database):
    event_id = api["event_id"]
    assert upload_import(api, event_id, CSV.encode())["status"] == "succeeded_with_errors"
    before = snapshot(database, event_id)
    # A card edited by hand keeps its edit unless the field it came from changes.
    ada_card = before["ada@example.com"]["card_id"]
    edited = api["call"]("PATCH", f"{ADMIN}/cards/{ada_card}", json={"title": "Enchantress of Numbers", "links": {"linkedin": "https://www.linkedin.com/in/ada", "site": "https://ada.example.com"}})
    assert edited.status == 200, edited.text
    rev = edited.json()["data"]["vcard_rev"]
    site = edited.json()["data"]["links"]["site"]

    changed = (
        "email,first_name,last_name,org_name,title,linkedin_url\n"
        "ada@example.com,Ada,King,,,https://www.linkedin.com/in/ada-king\n"  # new last name and LinkedIn; blanks keep
        "grace@example.com,Grace,Hopper,,,\n"  # nothing new
        "new@example.com,New,Person,,,\n"
    )
    job = upload_import(api, event_id, changed.encode())
    assert job["status"] == "succeeded"
    assert job["counts"] == {"total": 3, "created": 1, "updated": 1, "skipped": 1, "succeeded": 2, "failed": 0, "suppressed": 0}
    after = snapshot(database, event_id)
    ada = after["ada@example.com"]
    assert (ada["last_name"], ada["org_name"], ada["phone"]) == ("King", "Analytical Engines", "+44 20 7946 0000")
    card = ada["card"]
    assert card["display_name"] == "Ada King"
    assert card["title"] == "Enchantress of Numbers"  # edited on the card, its source did not change
    assert card["links_json"] == {"linkedin": "https://www.linkedin.com/in/ada-king", "site": site}  # other links stay
    assert card["vcard_rev"] == rev + 1
    assert after["grace@example.com"] == before["grace@example.com"]
    assert after["new@example.com"]["card"]["display_name"] == "New Person"


def test_csv_in_the_request_body_is_imported(api, database):
    event_id = api["event_id"]
    data = "Email;Vorname;Nachname;Firma\nrene@example.com;René;Müller;Société Générale\n".encode("cp1252")
    started = api["call"]("POST", f"{ADMIN}/events/{event_id}/imports", body=data, headers={"content-type": "text/csv", "x-filename": "export.csv"})
    assert started.status == 202, started.text
    body = started.json()["data"]
    assert body["upload"] is None
    job = wait_for_job(api, body["job"]["job_id"])
    assert job["status"] == "succeeded", job
    assert job["counts"]["created"] == 1
    rene = snapshot(database, event_id)["rene@example.com"]
    assert (rene["first_name"], rene["last_name"], rene["org_name"]) == ("René", "Müller", "Société Générale")


def test_utf16_tab_separated_excel_export(api, database):
    data = "Email\tFirst Name\tLast Name\nyuki@example.com\tYuki\t長谷川\n".encode("utf-16")
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=data, headers={"content-type": "text/csv"})
    assert started.status == 202, started.text
    job = wait_for_job(api, started.json()["data"]["job"]["job_id"])
    assert job["status"] == "succeeded", job
    assert snapshot(database, api["event_id"])["yuki@example.com"]["last_name"] == "長谷川"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"email,first_name\na@example.com,Ann\n\"b@example.com,Bob\nc@example.com,Cy\n", "CSV_MALFORMED"),
        (b"email,first_name\na@example.com,Ann\n" + b"\x00\x01\x02\x03" * 50, "CSV_NOT_TEXT"),
        (b"PK\x03\x04" + b"\x00" * 64, "CSV_NOT_TEXT"),
        (b"name,phone\nAnn,123\n", "CSV_MISSING_COLUMN"),
        (b"email,first_name\n", "CSV_NO_ROWS"),
    ],
)
def test_a_bad_file_fails_the_job_and_writes_nothing(api, database, data, code):
    job = upload_import(api, api["event_id"], data)
    assert job["status"] == "failed"
    assert job["error"]["code"] == code
    assert job["error"]["message"]
    assert job["counts"]["created"] == 0 and job["errors"] == []
    assert api["call"]("GET", f"{ADMIN}/jobs/{job['job_id']}/errors").json()["data"] == []
    assert snapshot(database, api["event_id"]) == {}


def test_a_bad_file_in_the_body_is_refused_at_once(api, database):
    call = api["call"]
    binary = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, headers={"content-type": "text/csv"})
    assert (binary.status, binary.json()["error"]["code"]) == (422, "CSV_NOT_TEXT")
    no_email = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"first,last\nA,B\n", headers={"content-type": "text/csv"})
    assert (no_email.status, no_email.json()["error"]["code"]) == (422, "CSV_MISSING_COLUMN")
    empty = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"  \n", headers={"content-type": "text/csv"})
    assert (empty.status, empty.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    too_big = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"email\n" + b"a@example.com\n" * 80_000, headers={"content-type": "text/csv"})
    assert (too_big.status, too_big.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    xml = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"<a/>", headers={"content-type": "application/xml"})
    assert (xml.status, xml.json()["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    bad_json = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=b"{", headers={"content-type": "application/json"})
    assert (bad_json.status, bad_json.json()["error"]["code"]) == (400, "INVALID_JSON")
    extra = call("POST", f"{ADMIN}/events/{api['event_id']}/imports", json={"filename": "x.csv", "mode": "replace"})
    assert extra.status == 400 and extra.json()["error"]["details"][0]["field"] == "mode"
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE tenant_id = %s", (api["tenant_id"],)).fetchone()[0] == 0


def test_size_and_row_limits_fail_the_job(api, database, monkeypatch):
    from outreachpass.services.imports import worker

    monkeypatch.setattr(worker, "MAX_ROWS", 3)
    job = upload_import(api, api["event_id"], b"email,first_name\n" + b"".join(b"p%d@example.com,P\n" % i for i in range(4)))
    assert (job["status"], job["error"]["code"]) == ("failed", "FILE_TOO_MANY_ROWS")
    assert "3 rows" in job["error"]["message"]

    monkeypatch.setattr(worker, "MAX_FILE_BYTES", 1024)
    job = upload_import(api, api["event_id"], b"email,first_name\n" + b"a@example.com,Ann\n" * 100)
    assert (job["status"], job["error"]["code"]) == ("failed", "FILE_TOO_LARGE")
    assert "1 KiB" in job["error"]["message"]
    assert snapshot(database, api["event_id"]) == {}


def test_events_jobs_and_roles_are_checked(api, local_stack, tenant_factory):
    call = api["call"]
    unknown = call("POST", f"{ADMIN}/events/{uuid.uuid4()}/imports")
    assert (unknown.status, unknown.json()["error"]["code"]) == (404, "EVENT_NOT_FOUND")
    assert call("DELETE", f"{ADMIN}/events/{api['event_id']}").status == 200
    archived = call("POST", f"{ADMIN}/events/{api['event_id']}/imports")
    assert (archived.status, archived.json()["error"]["code"]) == (422, "EVENT_ARCHIVED")

    event_id = api["new_event"]()
    started = call("POST", f"{ADMIN}/events/{event_id}/imports").json()["data"]
    job_id = started["job"]["job_id"]
    exhibitor = local_stack.token_for(api["tenant_id"], "exhibitor")
    for method in ("GET", "POST"):  # a sponsor's staff starts no jobs, so it reads none
        path = f"{ADMIN}/jobs/{job_id}" if method == "GET" else f"{ADMIN}/events/{event_id}/imports"
        refused = local_stack.request(method, path, token=exhibitor)
        assert (refused.status, refused.json()["error"]["code"]) == (403, "FORBIDDEN"), method
    assert local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=local_stack.token_for(api["tenant_id"], "user")).status == 200

    intruder = local_stack.token_for(tenant_factory(), "admin")
    hidden = local_stack.request("GET", f"{ADMIN}/jobs/{job_id}", token=intruder)
    assert (hidden.status, hidden.json()["error"]["code"]) == (404, "JOB_NOT_FOUND")
    assert local_stack.request("POST", f"{ADMIN}/events/{event_id}/imports", token=intruder).status == 404
    assert call("GET", f"{ADMIN}/jobs/not-a-uuid").status == 400
    assert local_stack.request("GET", f"{ADMIN}/jobs/{job_id}").status == 401


def test_messages_that_name_no_import_are_dropped(api, local_stack, database):
    """A forged or stale message never imports anything: unknown job, another tenant's key,
    a finished job, S3's test event."""
    sqs = local_stack.boto("sqs")
    url = local_stack.resources.queues["imports"].url
    event_id = api["event_id"]
    job = upload_import(api, event_id, b"email,first_name\na@example.com,Ann\n")
    other_tenant = tenant_factory_id(database)
    bodies = [
        {"type": "import", "tenant_id": api["tenant_id"], "job_id": str(uuid.uuid4())},
        {"type": "import", "tenant_id": str(other_tenant), "job_id": job["job_id"]},  # the job is not that tenant's
        {"type": "import", "tenant_id": api["tenant_id"], "job_id": job["job_id"]},  # finished already
        {"Service": "Amazon S3", "Event": "s3:TestEvent"},
        {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "imports/elsewhere.csv"}}}]},
        {"unexpected": True},
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str))
    report = local_stack.run_workers_once()
    assert report.failed == 0
    again = api["call"]("GET", f"{ADMIN}/jobs/{job['job_id']}").json()["data"]
    assert again == job
    assert set(snapshot(database, event_id)) == {"a@example.com"}


def tenant_factory_id(database):
    from tests.fixtures.database import make_tenant

    return make_tenant(database)


def test_an_upload_that_never_comes_fails_the_job_once_its_url_is_long_expired(api, database):
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports").json()["data"]
    job_id = started["job"]["job_id"]
    assert api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]["status"] == "queued"
    with psycopg.connect(database.admin_url, autocommit=True) as conn:  # as if it had been created two hours ago
        conn.execute(
            "UPDATE jobs SET input = jsonb_set(input, '{upload_expires_at}', to_jsonb((now() - interval '2 hours')::text)) WHERE job_id = %s",
            (job_id,),
        )
    expired = api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]
    assert (expired["status"], expired["error"]["code"]) == ("failed", "UPLOAD_EXPIRED")
    assert expired["finished_at"] is not None


@pytest.mark.parametrize(
    "attendee",
    [
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "linkedin_url": "https://www.linkedin.com/in/ada"},
        {"first_name": "Ada", "last_name": None, "email": "ada@example.com", "linkedin_url": None},
        {"first_name": None, "last_name": "Lovelace", "email": "ada@example.com", "linkedin_url": ""},
        {"first_name": "", "last_name": "", "email": "ada@example.com", "linkedin_url": None},
        {"first_name": None, "last_name": None, "email": None, "linkedin_url": None},
        {"first_name": " Zoë ", "last_name": "Ångström", "email": "", "linkedin_url": "https://linkedin.com/in/z"},
    ],
)
def test_sql_card_fields_are_card_fields_from_attendee(admin_conn, attendee):
    """The import derives cards in SQL; the expressions are the twin of the one Python rule."""
    from outreachpass.data.imports import display_name_sql, links_sql

    row = admin_conn.execute(
        f"SELECT {display_name_sql('a')} AS display_name, {links_sql('a')} AS links_json "
        "FROM (SELECT %(first_name)s::text AS first_name, %(last_name)s::text AS last_name, %(email)s::text AS email, "
        "%(linkedin_url)s::text AS linkedin_url) a",
        attendee,
    ).fetchone()
    expected = card_fields_from_attendee(attendee)
    assert (row[0], row[1]) == (expected["display_name"], expected["links_json"])


def test_names_with_control_characters_are_refused_as_the_api_refuses_them(api, database):
    """A quoted cell may hold a line break; a name or label is one line (models.common.one_line)."""
    data = (
        b'email,first_name,last_name,org_name\n'
        b'ok@example.com,Olga,Ok,Acme\n'
        b'lf@example.com,"Ada\nLovelace",X,\n'
        b'esc@example.com,Eve,Esc,"Acme\x1b[31m"\n'
    )
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=data, headers={"content-type": "text/csv"})
    assert started.status == 202, started.text
    job = wait_for_job(api, started.json()["data"]["job"]["job_id"])
    assert job["status"] == "succeeded_with_errors", job
    assert job["counts"]["created"] == 1 and job["counts"]["failed"] == 2
    assert [(e["row"], e["field"], e["reason"]) for e in job["errors"]] == [
        (3, "first_name", "must be one line, without control characters"),
        (4, "org_name", "must be one line, without control characters"),  # rows as a spreadsheet numbers them
    ]
    assert set(snapshot(database, api["event_id"])) == {"ok@example.com"}
    # the same values through the attendee API: the same field refused, the same words
    refused = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/attendees", json={"email": "lf@example.com", "first_name": "Ada\nLovelace"})
    assert refused.status == 400
    assert [(d["field"], d["reason"]) for d in refused.json()["error"]["details"]] == [("first_name", "must be one line, without control characters")]


def _tenant_status(database, tenant_id, status):
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE tenants SET status = %s WHERE tenant_id = %s", (status, tenant_id))


def _job_row(database, job_id):
    with psycopg.connect(database.admin_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT status, error, created, updated, failed FROM jobs WHERE job_id = %s", (job_id,)).fetchone()


def test_a_disabled_tenants_queued_import_fails_and_writes_nothing(api, database):
    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=CSV.encode(), headers={"content-type": "text/csv"})
    assert started.status == 202, started.text
    job_id = started.json()["data"]["job"]["job_id"]
    _tenant_status(database, api["tenant_id"], "disabled")
    api["stack"].run_workers_once()
    job = _job_row(database, job_id)
    assert job["status"] == "failed"
    assert job["error"].startswith("TENANT_DISABLED: ")
    assert (job["created"], job["updated"], job["failed"]) == (0, 0, 0)
    assert snapshot(database, api["event_id"]) == {}
    _tenant_status(database, api["tenant_id"], "active")
    shown = api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]
    assert (shown["status"], shown["error"]["code"]) == ("failed", "TENANT_DISABLED")


def test_a_tenant_disabled_while_its_import_runs_gets_nothing_committed(api, database, monkeypatch):
    from outreachpass.services.imports import worker

    started = api["call"]("POST", f"{ADMIN}/events/{api['event_id']}/imports", body=CSV.encode(), headers={"content-type": "text/csv"})
    job_id = started.json()["data"]["job"]["job_id"]
    read_whole_file = worker.import_file

    def disabled_meanwhile(conn, job, key):
        outcome = read_whole_file(conn, job, key)
        assert outcome.created == len(VALID_EMAILS)  # the rows were written in the import's transaction
        _tenant_status(database, api["tenant_id"], "disabled")
        return outcome

    monkeypatch.setattr(worker, "import_file", disabled_meanwhile)
    done = worker.run_import(uuid.UUID(str(api["tenant_id"])), uuid.UUID(job_id))
    assert done is not None and done["status"] == "failed" and done["error"].startswith("TENANT_DISABLED: ")
    assert snapshot(database, api["event_id"]) == {}
    assert _job_row(database, job_id)["created"] == 0
