"""A disabled tenant's queued work stops: e-mail and pass jobs queued through the real routes, the
tenant disabled the way operators do it (services.tenants.set_tenant_status), the workers run
(local_stack.run_workers_once): nothing is sent or written, each job ends `failed` with code
TENANT_DISABLED, and no message is retried into a DLQ."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.email_helpers import FakeSes, captured_for, job_row, make_world, sends_of_job, unique_email
from tests.integration.wallet_support import make_card, pass_rows, wallet_events

ADMIN = "/api/v1/admin"


def set_tenant_status(local_stack, database, tenant_id, status):
    from outreachpass.integrations.cognito import UserDirectory
    from outreachpass.services.tenants import set_tenant_status as apply

    directory = UserDirectory(local_stack.boto("cognito-idp"), local_stack.user_pool_id)
    with psycopg.connect(database.admin_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        return apply(conn, directory, tenant_id, status)


def job_error(database, job_id) -> tuple[str, str | None]:
    row = job_row(database, job_id)
    return row["status"], (row["error"] or "").split(":", 1)[0] or None


def test_queued_email_and_pass_jobs_of_a_disabled_tenant_stop(local_stack, call_route, claims_for, tenant_factory, database):
    card = make_card(call_route, claims_for, tenant_factory)
    with psycopg.connect(database.admin_url) as conn:
        email = conn.execute("SELECT email FROM cards WHERE card_id = %s", (card.card_id,)).fetchone()[0]
    emails = call_route("POST", f"{ADMIN}/events/{card.event_id}/emails", claims=card.admin, json_body={"audience": "all"})
    passes = call_route("POST", f"{ADMIN}/events/{card.event_id}/passes", claims=card.admin, json_body={})
    assert (emails.status, passes.status) == (202, 202), (emails, passes)

    set_tenant_status(local_stack, database, card.tenant_id, "disabled")
    report = local_stack.run_workers_once()
    assert report.failed == 0  # ended, not retried towards the DLQ

    assert captured_for(local_stack, email) == []  # nothing sent
    assert sends_of_job(database, emails.json["data"]["job"]["job_id"]) == []
    assert job_error(database, emails.json["data"]["job"]["job_id"]) == ("failed", "TENANT_DISABLED")

    assert pass_rows(database, card.card_id) == {}  # nothing written: no pass, no S3 copy, no Google object
    assert wallet_events(database, card.card_id) == []
    assert [o for o in local_stack.wallet.google.objects if o.endswith(card.card_id)] == []
    pass_job = job_row(database, passes.json["data"]["job"]["job_id"])
    assert (pass_job["status"], pass_job["error"].split(":", 1)[0]) == ("failed", "TENANT_DISABLED")
    assert (pass_job["succeeded"], pass_job["failed"], pass_job["total"]) == (0, 2, 2)  # both items, and why
    with psycopg.connect(database.admin_url) as conn:
        items = conn.execute("SELECT status, error FROM pass_generation_jobs WHERE job_id = %s", (pass_job["job_id"],)).fetchall()
    assert items and all(status == "failed" and error.startswith("TENANT_DISABLED") for status, error in items)

    # Enabled again, the stopped jobs stay stopped (and say why); new work runs.
    set_tenant_status(local_stack, database, card.tenant_id, "active")
    assert local_stack.run_workers_once().failed == 0
    assert job_error(database, emails.json["data"]["job"]["job_id"]) == ("failed", "TENANT_DISABLED")
    again = call_route("POST", f"{ADMIN}/events/{card.event_id}/emails", claims=card.admin, json_body={"audience": "all"})
    local_stack.run_workers_once()
    assert job_error(database, again.json["data"]["job"]["job_id"]) == ("succeeded", None)
    assert len(captured_for(local_stack, email)) == 1


class DisablingSes(FakeSes):
    """Accepts the first message, then the tenant is disabled (as if an operator did it meanwhile)."""

    def __init__(self, disable):
        super().__init__()
        self.disable = disable

    def send_email(self, **request):
        answer = super().send_email(**request)
        if len(self.calls) == 1:
            self.disable()
        return answer


def test_a_tenant_disabled_during_a_send_stops_before_the_next_message(
    local_stack, call_route, claims_for, tenant_factory, database, monkeypatch
):
    from outreachpass.integrations.email import ses

    tenant_id = tenant_factory()
    world = make_world(database, tenant_id, [{"email": unique_email(name), "first_name": name} for name in ("ada", "grace", "alan")])
    fake = DisablingSes(lambda: set_tenant_status(local_stack, database, tenant_id, "disabled"))
    monkeypatch.setattr(ses, "ses_client", lambda: fake)

    response = call_route("POST", f"{ADMIN}/events/{world.event_id}/emails", claims=claims_for(tenant_id, "admin"), json_body={"audience": "all"})
    assert response.status == 202, response
    assert local_stack.run_workers_once().failed == 0

    assert len(fake.calls) == 1  # the first went out, nobody after it
    sends = sends_of_job(database, response.json["data"]["job"]["job_id"])
    assert [s["status"] for s in sends] == ["sent"]
    row = job_row(database, response.json["data"]["job"]["job_id"])
    assert (row["status"], row["error"].split(":", 1)[0], row["succeeded"]) == ("failed", "TENANT_DISABLED", 1)


@pytest.mark.parametrize("kind", ["emails", "passes"])
def test_an_active_tenant_is_not_stopped(local_stack, call_route, claims_for, tenant_factory, database, kind):
    card = make_card(call_route, claims_for, tenant_factory)
    started = call_route("POST", f"{ADMIN}/events/{card.event_id}/{kind}", claims=card.admin, json_body={})
    assert started.status == 202, started
    local_stack.run_workers_once()
    assert job_error(database, started.json["data"]["job"]["job_id"]) == ("succeeded", None)
