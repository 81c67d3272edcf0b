"""The jobs API through the local HTTP server: the list (filters, paging, roles, tenants), every
item error of a job page by page, and the one answer of the three job-starting routes."""

from __future__ import annotations

import uuid

import pytest

ADMIN = "/api/v1/admin"


@pytest.fixture
def api(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    assert call("POST", f"{ADMIN}/brands", json={"brand_key": "MAIN", "display_name": "Main"}).status == 201

    def new_event():
        body = {"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"}
        response = call("POST", f"{ADMIN}/events", json=body)
        assert response.status == 201, response.text
        return response.json()["data"]["event_id"]

    return {"tenant_id": tenant_id, "call": call, "new_event": new_event, "stack": local_stack}


def csv_import(api, event_id: str, text: str) -> str:
    started = api["call"]("POST", f"{ADMIN}/events/{event_id}/imports", body=text.encode(), headers={"content-type": "text/csv"})
    assert started.status == 202, started.text
    return started.json()["data"]["job"]["job_id"]


def test_the_three_job_starting_routes_answer_202_with_one_shape(api):
    event_id = api["new_event"]()
    call = api["call"]
    created = call("POST", f"{ADMIN}/events/{event_id}/attendees", json={"email": "ada@example.com", "first_name": "Ada"})
    assert created.status == 201, created.text
    answers = {
        "import (upload)": call("POST", f"{ADMIN}/events/{event_id}/imports", json={"filename": "a.csv"}),
        "import (body)": call("POST", f"{ADMIN}/events/{event_id}/imports", body=b"email,first_name\ngrace@example.com,Grace\n",
                              headers={"content-type": "text/csv"}),
        "passes": call("POST", f"{ADMIN}/events/{event_id}/passes", json={"platforms": ["apple"]}),
        "emails": call("POST", f"{ADMIN}/events/{event_id}/emails", json={"audience": "all"}),
    }
    for name, response in answers.items():
        assert response.status == 202, (name, response.text)
        data = response.json()["data"]
        assert set(data) == {"job", "upload"}, name
        job = data["job"]
        assert response.headers["location"] == f"{ADMIN}/jobs/{job['job_id']}", name
        assert set(job) >= {"job_id", "kind", "status", "event_id", "counts", "errors", "warnings", "error", "input", "created_at"}, name
        assert job["event_id"] == event_id, name
        # the same job as GET /jobs/{job_id} shows it
        assert api["call"]("GET", f"{ADMIN}/jobs/{job['job_id']}").json()["data"]["kind"] == job["kind"], name
    assert answers["import (upload)"].json()["data"]["upload"]["method"] == "PUT"
    for name in ("import (body)", "passes", "emails"):
        assert answers[name].json()["data"]["upload"] is None, name
    assert [answers[n].json()["data"]["job"]["kind"] for n in answers] == ["import", "import", "passes", "emails"]


def test_the_jobs_list_filters_by_event_and_kind_and_pages(api):
    first, second = api["new_event"](), api["new_event"]()
    imports_first = [csv_import(api, first, f"email,first_name\np{i}@example.com,P\n") for i in range(3)]
    import_second = csv_import(api, second, "email,first_name\nq@example.com,Q\n")
    emails_second = api["call"]("POST", f"{ADMIN}/events/{second}/emails", json={"audience": "all"}).json()["data"]["job"]["job_id"]
    api["stack"].run_workers_once()

    every = api["call"]("GET", f"{ADMIN}/jobs?limit=200")
    assert every.status == 200, every.text
    listed = every.json()["data"]
    assert [job["job_id"] for job in listed] == [emails_second, import_second, *reversed(imports_first)]  # newest first
    assert all("errors" not in job for job in listed)  # the list leaves the item errors to GET /jobs/{job_id}
    assert {job["status"] for job in listed if job["kind"] == "import"} == {"succeeded"}

    of_first = api["call"]("GET", f"{ADMIN}/jobs?event_id={first}").json()["data"]
    assert [job["job_id"] for job in of_first] == list(reversed(imports_first))
    emails = api["call"]("GET", f"{ADMIN}/jobs?event_id={second}&kind=emails").json()["data"]
    assert [job["job_id"] for job in emails] == [emails_second]
    assert api["call"]("GET", f"{ADMIN}/jobs?kind=passes").json()["data"] == []

    pages, cursor = [], None
    while True:
        response = api["call"]("GET", f"{ADMIN}/jobs?event_id={first}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status == 200, response.text
        pages.append([job["job_id"] for job in response.json()["data"]])
        cursor = response.json()["meta"]["next_cursor"]
        if cursor is None:
            break
    assert pages == [list(reversed(imports_first))[:2], list(reversed(imports_first))[2:]]

    bad = api["call"]("GET", f"{ADMIN}/jobs?kind=reports")
    assert (bad.status, bad.json()["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert bad.json()["error"]["details"][0]["field"] == "kind"
    assert api["call"]("GET", f"{ADMIN}/jobs?cursor=nonsense").json()["error"]["details"][0]["field"] == "cursor"


def test_the_jobs_list_is_the_callers_tenant_only_and_not_an_exhibitors(api, local_stack, tenant_factory):
    event_id = api["new_event"]()
    job_id = csv_import(api, event_id, "email,first_name\na@example.com,A\n")

    intruder = local_stack.token_for(tenant_factory(), "admin")
    theirs = local_stack.request("GET", f"{ADMIN}/jobs", token=intruder)
    assert theirs.status == 200 and theirs.json()["data"] == []
    by_event = local_stack.request("GET", f"{ADMIN}/jobs?event_id={event_id}", token=intruder)
    assert by_event.status == 200 and by_event.json()["data"] == []  # another tenant's event: nothing
    hidden = local_stack.request("GET", f"{ADMIN}/jobs/{job_id}/errors", token=intruder)
    assert (hidden.status, hidden.json()["error"]["code"]) == (404, "JOB_NOT_FOUND")

    # exhibitor users see their exhibitor's event and leads, no jobs (as GET /jobs/{job_id})
    exhibitor = local_stack.token_for(api["tenant_id"], "exhibitor")
    for path in (f"{ADMIN}/jobs", f"{ADMIN}/jobs/{job_id}/errors"):
        refused = local_stack.request("GET", path, token=exhibitor)
        assert (refused.status, refused.json()["error"]["code"]) == (403, "FORBIDDEN")
    user = local_stack.token_for(api["tenant_id"], "user")
    assert [job["job_id"] for job in local_stack.request("GET", f"{ADMIN}/jobs", token=user).json()["data"]] == [job_id]
    assert local_stack.request("GET", f"{ADMIN}/jobs").status == 401


def test_every_refused_row_pages_out_of_the_errors_route(api, monkeypatch):
    """More refused rows than a job keeps inline: the job keeps the first thousand, the errors
    route has every one, in row order, page by page."""
    from outreachpass.data import jobs as jobs_data

    monkeypatch.setattr(jobs_data, "MAX_STORED_ERRORS", 5)
    monkeypatch.setattr("outreachpass.services.imports.importer.MAX_STORED_ERRORS", 5)
    event_id = api["new_event"]()
    rows = ["email,first_name,phone"] + [f"bad-{i},Bad,x" for i in range(8)] + ["ok@example.com,Ok,"]
    job_id = csv_import(api, event_id, "\n".join(rows) + "\n")
    api["stack"].run_workers_once()
    job = api["call"]("GET", f"{ADMIN}/jobs/{job_id}").json()["data"]
    assert job["status"] == "succeeded_with_errors"
    assert job["counts"] == {"total": 9, "created": 1, "updated": 0, "skipped": 0, "succeeded": 1, "failed": 8, "suppressed": 0}
    assert len(job["errors"]) == 5  # the inline ones

    collected, cursor = [], None
    while True:
        page = api["call"]("GET", f"{ADMIN}/jobs/{job_id}/errors?limit=6" + (f"&cursor={cursor}" if cursor else ""))
        assert page.status == 200, page.text
        collected += page.json()["data"]
        cursor = page.json()["meta"]["next_cursor"]
        if cursor is None:
            break
    assert len(collected) == 16  # two problems a row: the e-mail and the phone
    assert [(e["row"], e["field"]) for e in collected[:4]] == [(2, "email"), (2, "phone"), (3, "email"), (3, "phone")]
    assert collected[1] == {"row": 2, "field": "phone", "column": "phone",
                            "reason": "not a phone number: 'x' (digits, spaces and + ( ) . / - only)"}
    assert [e["row"] for e in collected] == sorted(e["row"] for e in collected)
    assert collected[:5] == [{k: v for k, v in e.items()} for e in job["errors"]]


def test_an_email_jobs_item_errors_come_from_the_job(api, database):
    event_id = api["new_event"]()
    call = api["call"]
    assert call("POST", f"{ADMIN}/events/{event_id}/attendees", json={"first_name": "No", "last_name": "Mail"}).status == 201
    job_id = call("POST", f"{ADMIN}/events/{event_id}/emails", json={"audience": "all"}).json()["data"]["job"]["job_id"]
    api["stack"].run_workers_once()
    errors = call("GET", f"{ADMIN}/jobs/{job_id}/errors").json()
    assert [e["reason"] for e in errors["data"]] == ["no email address"]
    assert errors["meta"]["next_cursor"] is None
