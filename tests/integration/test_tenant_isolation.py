"""Tenant isolation probe: every route of the table, tried by tenant A with tenant B's ids.

Two tenants, each with data in every table (brand, event and attendee with its card made
through the routes; users, jobs, passes, device registrations, messages, suppressions and
analytics seeded), tenant B's marked with a tag of its own. Then, over HTTP through the
local gateway with a real id token of tenant A's admin, for every Route in
routes.ROUTES (derived: a route added to the table is probed without touching this file):

* JWT routes (with A's admin's token, or A's exhibitor user's on the exhibitor API): B's ids in every path parameter; B's ids as list filters and analytics
  filters (`event_id=`, `card_id=`, ...); writes with a body built from the route's
  OpenAPI request schema whose every `*_id`/`*_ids` field holds B's ids, sent both to B's
  objects and to A's own (A's event, B's attendees in the body). Each answer is < 500,
  refuses (>= 400) whenever a path parameter is B's, and contains none of B's ids (other
  than those the request itself carried), names, emails or tags. After all of them, and
  after the SQS workers have drained what the requests queued, every row of B in every
  tenant-owned table is unchanged, and no mail went to B's addresses.
* Public routes (card ids are global): with B's card, the page shows B's brand and
  nothing of A; analytics recorded for the view belong to B and B's card; A's rows are
  unchanged by every public request. The Apple Wallet web service (routes with a serial)
  refuses A's pass token on B's pass.

A path parameter this file does not know how to fill with B's value fails the test with
the name to add to PATH_IDS.

The same derivation then tries hostile input on every route (issue 12; section at the end):
free-form JSON nested too deep or holding a 5,000-digit number in every free-form field of every
JSON write route (400 naming the field, nothing written, every read of the tenant still
answers); NUL and control characters in every public route's query, path and headers (never a
500, the page still renders, what is recorded is clean); a line break in every one-line text
field (names: 400 naming the field); and the links of an email whose context the retention job
deleted (they still lead to the card, and only there).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql

import routes
from tests.fixtures.database import make_tenant, seed_tenant_graph

ADMIN = routes.ADMIN_PREFIX

# Path parameter name -> key of TenantData.ids that holds that tenant's value.
PATH_IDS = {
    "card_id": "card_id",
    "brand_id": "brand_id",
    "event_id": "event_id",
    "attendee_id": "attendee_id",
    "job_id": "job_id",
    "user_id": "user_id",
    "message_id": "message_id",
    "pixel": "pixel",
    "device_id": "device_library_id",
    "device_library_id": "device_library_id",
    "pass_type_id": "pass_type_id",
    "pass_type": "pass_type_id",
    "serial": "serial_number",
    "serial_number": "serial_number",
    "exhibitor_id": "exhibitor_id",
    "lead_id": "lead_id",
    "badge": "badge",  # a wallet badge's file: static artwork of no tenant (the same for both)
    "email": "suppressed_email",  # DELETE .../suppressions/{email}
}
# Path values every tenant shares (no tenant's data: never a marker of one).
SHARED_IDS = {"badge"}
# Query filters tried on every GET route, each with B's value.
FILTERS = ("event_id", "brand_id", "card_id", "attendee_id", "user_id", "job_id")


@dataclass
class TenantData:
    label: str
    tenant_id: uuid.UUID
    tag: str  # in the tenant's name and in the names of the rows made through the routes
    seed_tag: str  # in the seeded rows' keys and emails
    ids: dict[str, str] = field(default_factory=dict)
    token: str = ""
    exhibitor_token: str = ""  # a user of the tenant's seeded exhibitor (the exhibitor API)

    def token_for(self, route) -> str:
        return self.token if "admin" in route.roles else self.exhibitor_token

    @property
    def markers(self) -> set[str]:
        """Strings that must not appear in another tenant's answers."""
        found = {self.tag, self.seed_tag, str(self.tenant_id)}
        found.update(value for key, value in self.ids.items() if value and len(value) >= 12 and key not in SHARED_IDS)
        return found


def _create(stack, token: str, method: str, path: str, body: dict) -> dict:
    response = stack.request(method, path, token=token, json=body)
    assert response.status == 201, f"{method} {path}: {response.status} {response.text[:300]}"
    return response.json()["data"]


def make_tenant_data(stack, database, label: str) -> TenantData:
    tag = f"{label.lower()}{uuid.uuid4().hex[:10]}"
    tenant_id = make_tenant(database, f"{label} Corp {tag}")
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        graph = seed_tenant_graph(conn, tenant_id)
    data = TenantData(label=label, tenant_id=tenant_id, tag=tag, seed_tag=graph["tag"])
    data.ids = {key: str(value) for key, value in graph.items() if key not in ("tag", "tenant_id")}
    data.ids["pixel"] = f"{graph['message_id']}.gif"
    data.ids["badge"] = "apple-de.svg"
    data.token = stack.token_for(tenant_id, "admin", f"admin-{tag}@example.test")
    booth = f"booth-{tag}@example.test"
    data.exhibitor_token = stack.token_for(tenant_id, "exhibitor", booth)
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET exhibitor_id = %s WHERE tenant_id = %s AND email = %s", (graph["exhibitor_id"], tenant_id, booth))
    brand = _create(stack, data.token, "POST", f"{ADMIN}/brands", {"brand_key": f"K{tag}".upper()[:20], "display_name": f"{label} Brand {tag}"})
    event = _create(
        stack, data.token, "POST", f"{ADMIN}/events",
        {"name": f"{label} Summit {tag}", "slug": f"summit-{tag}", "starts_at": "2031-03-01T09:00:00Z",
         "ends_at": "2031-03-02T18:00:00Z", "timezone": "UTC", "brand_id": brand["brand_id"]},
    )
    attendee = _create(
        stack, data.token, "POST", f"{ADMIN}/events/{event['event_id']}/attendees",
        {"email": f"grace-{tag}@example.com", "first_name": "Grace", "last_name": f"Hopper {tag}"},
    )
    data.ids.update(
        brand_id=brand["brand_id"],
        event_id=event["event_id"],
        attendee_id=attendee["attendee_id"],
        card_id=attendee.get("card_id") or data.ids["card_id"],
        seeded_brand_id=str(graph["brand_id"]),
        seeded_event_id=str(graph["event_id"]),
        seeded_attendee_id=str(graph["attendee_id"]),
        seeded_card_id=str(graph["card_id"]),
    )
    return data


# --- snapshots ------------------------------------------------------------------------------


def tenant_tables(conn) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
           WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1"""
    ).fetchall()
    return [row[0] for row in rows]


def snapshot(database, tenant_id: uuid.UUID) -> dict[str, list[str]]:
    """Every row of the tenant in every tenant-owned table, as sorted JSON texts."""
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        found = {}
        for table in tenant_tables(conn):
            query = sql.SQL("SELECT to_jsonb(t)::text FROM {} t WHERE tenant_id = %s").format(sql.Identifier(table))
            found[table] = sorted(row[0] for row in conn.execute(query, (tenant_id,)))
        return found


def diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    changes = {}
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        if old != new:
            changes[table] = {"gone_or_changed": sorted(old - new)[:3], "new_or_changed": sorted(new - old)[:3]}
    return changes


# --- request bodies from the OpenAPI document ---------------------------------------------


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(part, document)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def example(schema: dict, document: dict, ids: dict[str, str], hint: str = "") -> Any:
    """A plausible instance of `schema`: required properties plus every id-like one, the ids
    taken from `ids` by field name (attendee_ids -> [ids["attendee_id"]])."""
    schema = _resolve(schema, document)
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [_resolve(o, document) for o in schema[key]]
            usable = [o for o in options if o.get("type") != "null"] or options
            return example(usable[0], document, ids, hint)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            name: example(sub, document, ids, name)
            for name, sub in schema.get("properties", {}).items()
            if name in required or name.endswith(("_id", "_ids"))
        }
    if kind == "array":
        singular = hint[:-1] if hint.endswith("s") else hint
        return [example(schema.get("items", {}), document, ids, singular) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if hint in ids:
        return ids[hint]
    fmt = schema.get("format")
    if fmt == "uuid" or hint.endswith("_id"):
        return str(uuid.uuid4())
    if fmt == "email" or "email" in hint:
        return f"probe-{uuid.uuid4().hex[:6]}@example.com"
    if fmt == "date-time":
        return "2031-03-02T18:00:00Z" if "end" in hint else "2031-03-01T09:00:00Z"
    if fmt == "date":
        return "2031-03-02" if ("end" in hint or hint == "to") else "2031-03-01"
    if fmt in ("uri", "url") or hint.endswith("url"):
        return "https://example.test/probe"
    if hint in ("timezone", "tz"):
        return "UTC"
    text = f"probe-{uuid.uuid4().hex[:8]}"
    return text[: schema["maxLength"]] if schema.get("maxLength") else text.ljust(schema.get("minLength", 0), "x")


def expected_refusal(document: dict, route) -> int:
    """400 for a JSON body the route cannot take; 415 where the route reads another media type (a CSV)."""
    operation = document["paths"][route.path][route.method.lower()]
    content = (operation.get("requestBody") or {}).get("content") or {}
    return 415 if content and "application/json" not in content else 400


def request_schema(document: dict, route) -> dict | None:
    operation = document["paths"][route.path][route.method.lower()]
    content = (operation.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    return media.get("schema") if media else None


# --- probing --------------------------------------------------------------------------------


def fill_path(route, ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).rstrip("+")
        if name not in PATH_IDS:
            pytest.fail(f"{route.route_key}: path parameter '{name}' is new: add which id of a tenant it takes to PATH_IDS")
        return ids[PATH_IDS[name]]

    return re.sub(r"\{([^}]+)\}", value, route.path)


@dataclass
class Probe:
    route: Any
    path: str
    body: Any
    targets_other: bool  # a path parameter is B's

    def describe(self) -> str:
        return f"{self.route.method} {self.path} body={json.dumps(self.body)[:200] if self.body is not None else None}"


def probes_for(route, a: TenantData, b: TenantData, document: dict) -> list[Probe]:
    has_params = "{" in route.path
    schema = request_schema(document, route) if route.method in ("POST", "PUT", "PATCH") else None
    body_b = example(schema, document, b.ids) if schema else ({} if route.method in ("POST", "PUT", "PATCH") else None)
    found = []
    if has_params:
        found.append(Probe(route, fill_path(route, b.ids), body_b, targets_other=True))
        if body_b is not None:  # A's own object, B's ids in the body
            found.append(Probe(route, fill_path(route, a.ids), body_b, targets_other=False))
    else:
        found.append(Probe(route, route.path, body_b, targets_other=False))
    if route.method == "GET":
        base = found[0].path
        found.append(Probe(route, base + "?" + "&".join(f"{name}={b.ids[name]}" for name in FILTERS), None, has_params))
        found += [Probe(route, f"{base}?{name}={b.ids[name]}", None, has_params) for name in ("event_id", "card_id")]
    return found


def send(stack, token: str | None, probe: Probe):
    return stack.request(probe.route.method, probe.path, token=token, json=probe.body if probe.body is not None else None)


def leaked(response, markers: set[str], probe: Probe) -> list[str]:
    carried = probe.path + json.dumps(probe.body)
    text = (response.body.decode("utf-8", "replace") + " " + response.headers.get("location", "")).lower()
    return sorted(m for m in markers if m not in carried and m.lower() in text)


@pytest.fixture
def two_tenants(local_stack, database):
    a = make_tenant_data(local_stack, database, "Alpha")
    b = make_tenant_data(local_stack, database, "Bravo")
    return a, b


@pytest.fixture
def document(local_stack):
    response = local_stack.request("GET", "/openapi.json")
    assert response.status == 200
    return response.json()


def test_tenant_a_gets_nothing_of_tenant_b_through_any_jwt_route(local_stack, database, two_tenants, document):
    a, b = two_tenants
    jwt_routes = [r for r in routes.ROUTES if not r.is_public]
    assert jwt_routes
    before = snapshot(database, b.tenant_id)
    mails_before = len(local_stack.sent_emails())
    problems = []
    tried = 0
    for route in jwt_routes:
        for probe in probes_for(route, a, b, document):
            response = send(local_stack, a.token_for(route), probe)
            tried += 1
            if response.status >= 500:
                problems.append(f"{probe.describe()} -> {response.status} {response.text[:200]}")
            if response.status in (401, 403):
                problems.append(f"{probe.describe()} -> {response.status}: the probe's caller was refused, it tested nothing")
            if probe.targets_other and response.status < 400:
                problems.append(f"{probe.describe()} -> {response.status}: acted on tenant B's object")
            found = leaked(response, b.markers, probe)
            if found:
                problems.append(f"{probe.describe()} -> {response.status} shows tenant B's {found}: {response.text[:300]}")
    local_stack.run_workers_once()  # what the requests queued runs too (imports, emails, images)
    after = snapshot(database, b.tenant_id)
    assert not problems, "\n".join(problems)
    assert diff(before, after) == {}, "tenant B's rows changed"
    new_mail = json.dumps(local_stack.sent_emails()[mails_before:]).lower()
    assert b.tag not in new_mail and b.seed_tag not in new_mail
    assert tried >= 2 * len(jwt_routes)


def test_public_routes_show_and_count_tenant_b_only_for_b_s_card(local_stack, database, two_tenants, document):
    a, b = two_tenants
    public = [r for r in routes.ROUTES if r.is_public]
    before_a = snapshot(database, a.tenant_id)
    problems = []
    for route in public:
        for probe in probes_for(route, b, b, document):  # B's ids everywhere, no token
            response = send(local_stack, None, probe)
            if response.status >= 500:
                problems.append(f"{probe.describe()} -> {response.status} {response.text[:200]}")
            found = leaked(response, a.markers, probe)
            if found:
                problems.append(f"{probe.describe()} -> {response.status} shows tenant A's {found}")
    assert not problems, "\n".join(problems)
    assert diff(before_a, snapshot(database, a.tenant_id)) == {}, "a public request on B's card changed tenant A's rows"


@pytest.mark.skipif(not any(r.route_key == "GET /c/{card_id}" for r in routes.ROUTES), reason="no card page route yet")
def test_b_s_card_page_shows_b_s_brand_and_counts_the_view_for_b(local_stack, database, two_tenants):
    a, b = two_tenants

    def views(tenant_id):
        with psycopg.connect(database.admin_url) as conn:
            return conn.execute("SELECT count(*) FROM card_view_events WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]

    a_views, b_views = views(a.tenant_id), views(b.tenant_id)
    page = local_stack.request("GET", f"/c/{b.ids['card_id']}?src=qr", headers={"user-agent": "Mozilla/5.0 (iPhone) isolation"})
    assert page.status == 200, page.text[:300]
    assert f"Bravo Brand {b.tag}" in page.text
    assert a.tag not in page.text and "Alpha Brand" not in page.text
    assert views(b.tenant_id) == b_views + 1
    assert views(a.tenant_id) == a_views
    with psycopg.connect(database.admin_url) as conn:
        card_tenant = conn.execute(
            "SELECT tenant_id FROM card_view_events WHERE card_id = %s ORDER BY 1 LIMIT 1", (b.ids["card_id"],)
        ).fetchone()[0]
    assert card_tenant == b.tenant_id


def test_the_probe_notices_a_leak_and_an_unknown_parameter(two_tenants):
    """The checks above can fail: a body with B's tag is a leak; an unknown path parameter stops the probe."""
    from local.stack import LocalResponse

    _a, b = two_tenants
    route = routes.Route("GET", "/api/v1/admin/things/{thing_id}", "handlers.none", roles=routes.ADMIN)
    probe = Probe(route, "/api/v1/admin/events", None, targets_other=False)
    response = LocalResponse(200, {"content-type": "application/json"}, json.dumps({"data": {"name": f"x {b.tag}"}}).encode())
    assert leaked(response, b.markers, probe) == [b.tag]
    echoed = Probe(route, f"/api/v1/admin/events/{b.ids['event_id']}", None, targets_other=True)
    not_found = LocalResponse(404, {}, json.dumps({"error": {"message": f"Event {b.ids['event_id']} not found"}}).encode())
    assert leaked(not_found, b.markers, echoed) == []  # echoing the request's own id is no leak
    with pytest.raises(pytest.fail.Exception, match="thing_id"):
        fill_path(route, b.ids)


WALLET_PASS_ROUTES = [r for r in routes.ROUTES if r.is_public and "{serial" in r.path]


@pytest.mark.skipif(not WALLET_PASS_ROUTES, reason="no Apple Wallet web service route yet")
def test_a_pass_token_of_tenant_a_opens_nothing_of_tenant_b(local_stack, database, two_tenants, document):
    """The Apple Wallet web service authenticates with the pass's own token: A's pass token on
    B's serial (and B's device and pass type) is refused, and changes nothing of B's."""
    a, b = two_tenants
    with psycopg.connect(database.admin_url) as conn:
        a_token = conn.execute("SELECT authentication_token FROM wallet_passes WHERE pass_id = %s", (a.ids["pass_id"],)).fetchone()[0]
    before = snapshot(database, b.tenant_id)
    problems = []
    for route in WALLET_PASS_ROUTES:
        for probe in probes_for(route, b, b, document)[:1]:
            body = {"pushToken": uuid.uuid4().hex * 2} if route.method == "POST" else None  # 64 hex digits, as APNs
            response = local_stack.request(route.method, probe.path, json=body, headers={"authorization": f"ApplePass {a_token}"})
            if response.status != 401:
                problems.append(f"{route.method} {probe.path} with tenant A's pass token -> {response.status} {response.text[:200]}")
            found = leaked(response, b.markers, probe)
            if found:
                problems.append(f"{route.method} {probe.path} -> shows tenant B's {found}")
    assert not problems, "\n".join(problems)
    assert diff(before, snapshot(database, b.tenant_id)) == {}


# --- hostile input on every route (issue 12) --------------------------------------------------
#
# The same derivation, with input meant to break a tenant rather than cross one: free-form JSON
# nested too deep or holding numbers no parser takes, on every JSON write route; NUL and other
# control characters in every public route's query, path and headers; line breaks in every
# one-line text field (names); and the links of an email whose message context is long gone.
# A route added to the table (or a field added to a model) is probed without touching this file.

DEEP_BODY = "[" * 100 + "]" * 100  # deeper than api.body.MAX_PARSE_DEPTH
BIG_NUMBER = "9" * 5000  # Python refuses to parse integers of 4,300+ digits
BIG_MARKER = "__probe_big_number__"
HOSTILE_HEADERS = {
    "user-agent": "Mozilla/5.0 (iPhone)\x00\x01probe",
    "referer": "https://mail.google.com/\x00probe",
    "accept-language": "en\x00",
    "x-forwarded-for": "\x00",
    "cookie": "op_sid=\x00probe",
}
HOSTILE_QUERY = "src=%00&l=card%00&u=%00&s=%00&passesUpdatedSince=%00&x=%0d%0a%00"
LINE_BREAK_NAME = "Probe\r\nBcc: evil@example.com"


def write_routes(*, public: bool | None = None) -> list:
    found = [r for r in routes.ROUTES if r.method in ("POST", "PUT", "PATCH")]
    if public is not None:
        found = [r for r in found if r.is_public == public]
    return found


def admin_may_call(route) -> bool:
    return route.is_public or "admin" in (route.roles or ())


def free_form_paths(schema: dict, document: dict, path: tuple = ()) -> list[tuple[tuple, bool]]:
    """(path, object_only) of every free-form JSON position in a request schema: a value of no
    declared type, or an object without declared properties."""
    schema = _resolve(schema, document)
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [_resolve(o, document) for o in schema[key] if _resolve(o, document).get("type") != "null"]
            return [found for option in options[:1] for found in free_form_paths(option, document, path)]
    kind = schema.get("type")
    if kind is None and not any(k in schema for k in ("enum", "const", "properties", "items")):
        return [(path, False)] if path else []
    if kind == "object":
        properties = schema.get("properties") or {}
        typed_values = schema.get("patternProperties") or {}
        additional = schema.get("additionalProperties")
        if not properties and not typed_values and additional in (None, True, {}):
            return [(path, True)] if path else []
        # Declared keys and any other key besides (event settings): the object itself is free-form.
        found = [(path, True)] if path and additional in (True, {}) else []
        for name, sub in properties.items():
            found += free_form_paths(sub, document, (*path, name))
        for sub in list(typed_values.values())[:1]:
            found += free_form_paths(sub, document, (*path, "probe_key"))
        if isinstance(additional, dict) and additional:
            found += free_form_paths(additional, document, (*path, "probe_key"))
        return found
    return []


def one_line_paths(schema: dict, document: dict, path: tuple = ()) -> list[tuple]:
    """Every string field of a request schema that must be one line (sanitize.SINGLE_LINE)."""
    from outreachpass.sanitize import SINGLE_LINE

    schema = _resolve(schema, document)
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return [p for o in schema[key] for p in one_line_paths(o, document, path)]
    if schema.get("type") == "string" and schema.get("pattern") == SINGLE_LINE:
        return [path]
    found = []
    for name, sub in (schema.get("properties") or {}).items():
        found += one_line_paths(sub, document, (*path, name))
    return found


def body_with(schema: dict, document: dict, ids: dict[str, str], path: tuple, value: Any) -> Any:
    """A valid-looking body (example()) with `value` at `path` (containers made on the way)."""
    body = example(schema, document, ids) if schema else {}
    if not isinstance(body, dict):
        body = {}
    target = body
    for part in path[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {"enabled": True} if part == "probe_key" else {}
            target[part] = child
        target = child
    target[path[-1]] = value
    return body


def raw_json(body: Any) -> bytes:
    return json.dumps(body).replace(f'"{BIG_MARKER}"', BIG_NUMBER).encode()


def nested(levels: int) -> dict:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def assert_refused_naming(response, field: str, problems: list[str], what: str) -> None:
    if response.status != 400:
        problems.append(f"{what} -> {response.status} {response.text[:200]}")
        return
    error = response.json().get("error") or {}
    fields = [d.get("field") for d in error.get("details") or []]
    if error.get("code") != "VALIDATION_ERROR" or field not in fields:
        problems.append(f"{what} -> 400 not naming {field}: {response.text[:300]}")


@pytest.fixture
def prober(local_stack, database):
    return make_tenant_data(local_stack, database, "Probe")


def test_over_deep_json_and_huge_numbers_are_refused_on_every_json_write_route(local_stack, database, prober, document):
    a = prober
    before = snapshot(database, a.tenant_id)
    problems: list[str] = []
    tried = 0
    for route in write_routes():
        path = fill_path(route, a.ids)
        token = None if route.is_public else a.token
        # A body nested deeper than the parser goes: a 400 (or the route's own refusal), never a 500.
        response = local_stack.request(route.method, path, token=token, body=DEEP_BODY.encode(), headers={"content-type": "application/json"})
        tried += 1
        if response.status >= 500 or response.status < 400:
            problems.append(f"{route.route_key} deep body -> {response.status} {response.text[:200]}")
        elif admin_may_call(route) and not route.is_public and response.status != expected_refusal(document, route):
            problems.append(f"{route.route_key} deep body -> {response.status}, not {expected_refusal(document, route)}")
        schema = request_schema(document, route) if admin_may_call(route) and not route.is_public else None
        for field_path, object_only in free_form_paths(schema, document) if schema else []:
            field = ".".join(field_path)
            for label, value in (("20 levels deep", nested(20)), ("300 levels deep", nested(300)),
                                 ("a 5000-digit number", {"n": BIG_MARKER} if object_only else BIG_MARKER)):
                body = body_with(schema, document, a.ids, field_path, value)
                response = local_stack.request(route.method, path, token=token, body=raw_json(body), headers={"content-type": "application/json"})
                tried += 1
                # Past the parser's depth, the field named is the top-level one that holds it.
                named = field_path[0] if label == "300 levels deep" else field
                assert_refused_naming(response, named, problems, f"{route.route_key} {field}: {label}")
    local_stack.run_workers_once()
    assert not problems, "\n".join(problems)
    assert diff(before, snapshot(database, a.tenant_id)) == {}, "a refused request wrote something"
    # event settings (create, update) were reached, 3 values each (flag values are typed since trust-b: not free-form)
    assert tried >= len(write_routes()) + 6
    for route in [r for r in routes.ROUTES if r.method == "GET" and not r.is_public]:
        response = local_stack.request("GET", fill_path(route, a.ids), token=a.token)
        assert response.status < 500, f"{route.route_key} after the probe -> {response.status} {response.text[:200]}"


def test_line_breaks_are_refused_in_every_one_line_field(local_stack, database, prober, document):
    a = prober
    before = snapshot(database, a.tenant_id)
    problems: list[str] = []
    fields = 0
    for route in write_routes(public=False):
        schema = request_schema(document, route)
        if not schema or not admin_may_call(route):
            continue
        for field_path in one_line_paths(schema, document):
            fields += 1
            body = body_with(schema, document, a.ids, field_path, LINE_BREAK_NAME)
            response = local_stack.request(route.method, fill_path(route, a.ids), token=a.token, json=body)
            assert_refused_naming(response, ".".join(field_path), problems, f"{route.route_key} {'.'.join(field_path)}")
    assert not problems, "\n".join(problems)
    assert fields >= 10  # names of events, brands, attendees, cards, users; titles; subjects
    assert diff(before, snapshot(database, a.tenant_id)) == {}


def test_nul_and_control_characters_in_every_public_route(local_stack, database, prober, document):
    a = prober
    problems = []
    for route in [r for r in routes.ROUTES if r.is_public]:
        path = fill_path(route, a.ids)
        body = {"pushToken": uuid.uuid4().hex * 2} if "registrations" in route.path else (
            {"card_id": a.ids["card_id"], "type": "share"} if route.path == "/api/track/events" else (
                {"logs": ["probe\x00log"]} if route.method == "POST" else None))
        for target in (f"{path}?{HOSTILE_QUERY}", f"{path}%00", path):
            response = local_stack.request(route.method, target, json=body, headers=HOSTILE_HEADERS)
            if response.status >= 500:
                problems.append(f"{route.method} {target} with NUL in headers -> {response.status} {response.text[:200]}")
    page = local_stack.request("GET", f"/c/{a.ids['card_id']}?{HOSTILE_QUERY}", headers=HOSTILE_HEADERS)
    assert page.status == 200 and f"Hopper {a.tag}" in page.text  # the page still renders
    assert not problems, "\n".join(problems)
    with psycopg.connect(database.admin_url) as conn:
        recorded = conn.execute(
            """SELECT count(*) FROM card_view_events WHERE tenant_id = %s AND user_agent = 'Mozilla/5.0 (iPhone) probe'""",
            (a.tenant_id,)).fetchone()[0]
    assert recorded >= 2  # recorded, cleaned


def test_the_links_of_an_old_email_still_lead_to_the_card_and_nowhere_else(local_stack, database, prober):
    """Tenant A's card email, sent through the route and the worker, its context expired and
    deleted by the retention job: every link still leads to A's card; B's message ids and any
    other link id still lead nowhere."""
    import time as _time
    from urllib.parse import urlsplit

    from outreachpass.services.retention import run_retention
    from tests.integration.email_helpers import html_links, parse_mime

    a = prober
    started = local_stack.request("POST", f"{ADMIN}/events/{a.ids['event_id']}/emails", token=a.token, json={"audience": "all"})
    assert started.status == 202, started.text
    local_stack.run_workers_once()
    mails = [m for m in local_stack.sent_emails() if f"grace-{a.tag}@example.com" in str(m["destinations"])]
    assert mails, "the probe's card email was not sent"
    message = parse_mime(mails[-1]["raw"])
    links = [link for link in html_links(message) if "/api/track/email/click/" in link]  # not the unsubscribe link
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        conn.execute("UPDATE message_contexts SET created_at = now() - interval '30 days', expires_at = now() - interval '23 days' "
                     "WHERE tenant_id = %s", (a.tenant_id,))
    run_retention(deadline=_time.monotonic() + 120, tenant_ids=[a.tenant_id])
    with psycopg.connect(database.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM message_contexts WHERE tenant_id = %s", (a.tenant_id,)).fetchone()[0] == 0
    card = f"/c/{a.ids['card_id']}"
    for link in links:
        response = local_stack.request("GET", link)
        assert response.status == 302, (link, response.status, response.text[:200])
        assert urlsplit(response.headers["location"]).path.startswith(card), (link, response.headers["location"])
    message_id = message["X-OutreachPass-Message-Id"]
    for query in ("l=nope", "u=https%3A%2F%2Fevil.example%2F&s=AAAAAAAAAAAAAAAAAAAAAA", ""):
        refused = local_stack.request("GET", f"/api/track/email/click/{message_id}?{query}")
        assert refused.status == 400 and "location" not in refused.headers, query
