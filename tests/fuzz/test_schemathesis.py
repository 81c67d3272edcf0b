"""Fuzzing every operation of the API with schemathesis, over HTTP against the local stack.

The OpenAPI document is the one the handlers generate (local.openapi.build_document, the
one `make dev` serves at /openapi.json: a test below holds them equal), so every route of
the table is an operation here without listing it. Each operation gets schemathesis'
examples, coverage and fuzzing phases (positive and negative data, a deterministic seed,
at most MAX_EXAMPLES generated cases), sent with a real Cognito id token of an admin of a
tenant that has data. Half of the generated cases have their path parameters replaced by
ids that exist in that tenant (each operation its own brand, event, attendee and card), so
reads, updates and deletes reach real rows, not only 404s.

Checks on every response: no 5xx (not_a_server_error), the status code is one the
document lists for the operation (status_code_conformance), and the body matches the
documented schema of that status (response_schema_conformance).

    pytest tests/fuzz -q            (FUZZ_MAX_EXAMPLES=30 by default)
"""

from __future__ import annotations

import os
import threading
import uuid

import psycopg
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from local.openapi import build_document
from tests.fixtures.database import make_tenant, seed_tenant_graph

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "30"))
SEED = 20261125
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ADMIN = "/api/v1/admin"

DOCUMENT = build_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.seed = SEED
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.update(request_timeout=30)


class FuzzTenant:
    """A tenant with a row in every table (seeded), and for each operation its own brand, event
    and attendee with its card made through the routes: a DELETE fuzzed with real ids does not
    leave the operations after it with nothing but 404s."""

    def __init__(self, stack, tenant_id: uuid.UUID, seeded: dict[str, str]):
        self.stack = stack
        self.tenant_id = tenant_id
        self.seeded = seeded
        self._tokens: dict[str, str] = {}
        self._per_operation: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def token(self) -> str:
        """An admin id token of the current user pool (the pool is re-created if moto was reset)."""
        self.stack.ensure_provisioned()
        pool = self.stack.user_pool_id
        with self._lock:
            if pool not in self._tokens:
                self._tokens = {pool: self.stack.token_for(self.tenant_id, "admin", f"fuzz-{self.tenant_id}@example.test")}
            return self._tokens[pool]

    def ids_for(self, operation: str) -> dict[str, str]:
        if operation not in self._per_operation:
            ids = dict(self.seeded)
            n = len(self._per_operation)
            call = lambda method, path, body: self.stack.request(method, path, token=self.token(), json=body)  # noqa: E731
            brand = call("POST", f"{ADMIN}/brands", {"brand_key": f"FUZZ{n}", "display_name": f"Fuzz {n}"})
            if brand.status == 201:
                ids["brand_id"] = brand.json()["data"]["brand_id"]
            event = call("POST", f"{ADMIN}/events", {"name": f"Fuzz Expo {n}", "slug": f"fuzz-{n}-{uuid.uuid4().hex[:6]}",
                                                     "starts_at": "2031-01-01T09:00:00Z", "ends_at": "2031-01-02T18:00:00Z",
                                                     "timezone": "UTC", "brand_id": ids["brand_id"]})
            if event.status == 201:
                ids["event_id"] = event.json()["data"]["event_id"]
                attendee = call("POST", f"{ADMIN}/events/{ids['event_id']}/attendees",
                                {"email": f"fuzz.{n}@example.com", "first_name": "Fuzz", "last_name": f"Attendee {n}"})
                if attendee.status == 201:
                    data = attendee.json()["data"]
                    ids["attendee_id"] = data["attendee_id"]
                    ids["card_id"] = data.get("card_id") or ids["card_id"]
            self._per_operation[operation] = ids
        return self._per_operation[operation]


@pytest.fixture(scope="module")
def fuzz_tenant(local_stack, database):
    tenant_id = make_tenant(database, f"Fuzz {uuid.uuid4().hex[:6]}")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        graph = seed_tenant_graph(conn, tenant_id)
    seeded = {key: str(value) for key, value in graph.items() if key.endswith("_id")}
    seeded.update(serial=str(graph["serial_number"]), serial_number=str(graph["serial_number"]),
                  device_id=str(graph["device_library_id"]), pixel=f"{graph['message_id']}.gif")
    return FuzzTenant(local_stack, tenant_id, seeded)


@pytest.fixture(scope="module")
def http_session():
    with requests.Session() as session:
        yield session


def test_the_served_document_is_the_one_fuzzed(local_stack):
    served = local_stack.request("GET", "/openapi.json")
    assert served.status == 200
    assert served.json() == DOCUMENT
    assert set(DOCUMENT["paths"]), "no operations to fuzz"


@schema.parametrize()
@schema.given(use_real_ids=st.booleans())
def test_api(case, use_real_ids, local_stack, fuzz_tenant, http_session):
    if use_real_ids and case.path_parameters:
        ids = fuzz_tenant.ids_for(case.operation.label)
        for name in case.path_parameters:
            if ids.get(name):
                case.path_parameters[name] = ids[name]
    case.call_and_validate(
        base_url=local_stack.api_url,
        session=http_session,
        headers={"Authorization": f"Bearer {fuzz_tenant.token()}"},
        checks=CHECKS,
    )
