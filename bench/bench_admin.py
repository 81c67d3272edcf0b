"""The admin API at scale: attendee search and writes in an event of many attendees, and the
audit log of a busy tenant, through the real handlers in-process (warm container figures).

Setup (not timed): on the shared bench stack (bench.shared_stack), a tenant with a brand and
one event of BENCH_ADMIN_ATTENDEES attendees (default 20,000), each with its card, and an
audit trail of as many entries. Then, per case, warm-up calls and BENCH_ADMIN_ITERATIONS
timed calls (default 200):

- attendees list, first page of 50, no search; a page deep in the list (keyset cursor);
- search by prefix: a common one ("ma", many matches), a rare one, an e-mail prefix, a full
  name ("first last" prefix), and one that matches nothing;
- attendee create (attendee + card + audit, one transaction);
- attendee update (the card follows, vcard_rev bumps, two audit entries);
- audit log, first page, and filtered by entity;
- feature flags replace (every known flag).

The plan of the common-prefix search is reported (whether the prefix indexes are used).

    python -m bench admin
"""

from __future__ import annotations

import json
import os
import re
import statistics
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import Result, add_code_paths, percentile, route_invoker, staff_claims, time_calls

ATTENDEES = int(os.environ.get("BENCH_ADMIN_ATTENDEES", "20000"))
ITERATIONS = int(os.environ.get("BENCH_ADMIN_ITERATIONS", "200"))
WARMUP = 20
ADMIN = "/api/v1/admin"
FIRST_NAMES = ("Mary", "Marco", "Ada", "Grace", "Alan", "Katherine", "Linus", "Barbara", "Edsger", "Margaret", "Donald", "Frances")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Knuth", "Allen", "Martin")


def _populate(admin_url: str) -> dict[str, Any]:
    """A tenant, brand, event, ATTENDEES attendees with cards, and an audit trail (as the owner)."""
    import psycopg

    tenant_id, event_id = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(admin_url, autocommit=True) as conn, conn.transaction():
        conn.execute("INSERT INTO tenants (tenant_id, name) VALUES (%s, 'Bench Admin')", (tenant_id,))
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'BENCH', 'Bench') RETURNING brand_id", (tenant_id,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at) "
            "VALUES (%s, %s, %s, 'Bench Expo', 'bench-expo', '2030-05-01T09:00Z', '2030-05-03T18:00Z')",
            (event_id, tenant_id, brand_id),
        )
        conn.execute(
            """
            INSERT INTO attendees (tenant_id, event_id, email, first_name, last_name, org_name, title, created_at)
            SELECT %(tenant)s, %(event)s,
                   lower(f.name) || '.' || lower(l.name) || '.' || i || '@bench.example.com',
                   f.name, l.name, 'Org ' || (i %% 500), 'Engineer', now() - i * interval '1 second'
            FROM generate_series(1, %(n)s) AS i
            CROSS JOIN LATERAL (SELECT (%(first)s::text[])[1 + (i * 7) %% cardinality(%(first)s::text[])] AS name) f
            CROSS JOIN LATERAL (SELECT (%(last)s::text[])[1 + (i * 13) %% cardinality(%(last)s::text[])] AS name) l
            """,
            {"tenant": tenant_id, "event": event_id, "n": ATTENDEES, "first": list(FIRST_NAMES), "last": list(LAST_NAMES)},
        )
        conn.execute(
            """
            WITH new_cards AS (
                INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, org_name, title, is_personal)
                SELECT tenant_id, event_id, attendee_id, first_name || ' ' || last_name, email, org_name, title, false
                FROM attendees WHERE event_id = %(event)s
                RETURNING card_id, owner_attendee_id
            )
            UPDATE attendees a SET card_id = c.card_id FROM new_cards c WHERE a.attendee_id = c.owner_attendee_id
            """,
            {"event": event_id},
        )
        conn.execute(
            """
            INSERT INTO audit_log (tenant_id, actor_sub, action, entity_type, entity_id, after, occurred_at)
            SELECT %s, 'bench', 'attendee.update', 'attendee', attendee_id::text, jsonb_build_object('title', 'Engineer'),
                   now() - (row_number() OVER ()) * interval '1 second'
            FROM attendees WHERE event_id = %s
            """,
            (tenant_id, event_id),
        )
        conn.execute("ANALYZE attendees; ANALYZE cards; ANALYZE audit_log")
        some = conn.execute(
            "SELECT attendee_id::text, email, first_name, last_name FROM attendees WHERE event_id = %s ORDER BY created_at DESC OFFSET %s LIMIT 1",
            (event_id, ATTENDEES // 2),
        ).fetchone()
    return {"tenant_id": str(tenant_id), "event_id": str(event_id), "attendee_id": some[0], "email": some[1], "first": some[2], "last": some[3]}


def _case(name: str, call: Callable[[], dict[str, Any]], *, target: str = "") -> list[Result]:
    statuses: Counter[int] = Counter()

    def counted() -> None:
        statuses[call()["statusCode"]] += 1

    samples = time_calls(counted, iterations=ITERATIONS, warmup=WARMUP)
    note = "status " + ", ".join(f"{code} x{count}" for code, count in sorted(statuses.items()))
    return [
        Result(f"admin {name}", "p50", round(statistics.median(samples), 3), "ms", target, note),
        Result(f"admin {name}", "p99", round(percentile(samples, 99), 3), "ms"),
    ]


def _search_plan(app_url: str, data: dict[str, Any], q: str) -> str:
    """Which indexes the search uses as the application role (under RLS, as the API runs it)."""
    import psycopg

    with psycopg.connect(app_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (data["tenant_id"],))
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN SELECT attendee_id FROM attendees WHERE tenant_id = %(t)s AND event_id = %(e)s AND "
            "(starts_with(search_email, lower(%(q)s)) OR starts_with(search_name, lower(%(q)s)) OR starts_with(search_last_name, lower(%(q)s))) "
            "ORDER BY created_at DESC, attendee_id DESC LIMIT 51",
            {"t": data["tenant_id"], "e": data["event_id"], "q": q},
            prepare=False,
        ))
    used = sorted(set(re.findall(r"(idx_attendees_\w+)", plan)))
    return f"q={q!r}: " + (", ".join(used) if used else "no index")


def run() -> list[Result]:
    add_code_paths()
    from bench.shared_stack import shared_stack

    stack = shared_stack()
    admin_url = stack.db_urls.admin_url
    data = _populate(admin_url)
    claims = staff_claims(admin_url, data["tenant_id"])
    invoke = route_invoker(claims)
    event_id, attendee_id = data["event_id"], data["attendee_id"]
    list_template = f"{ADMIN}/events/{{event_id}}/attendees"
    list_path = f"{ADMIN}/events/{event_id}/attendees"

    def lister(query: str) -> Callable[[], dict[str, Any]]:
        return lambda: invoke("GET", list_template, list_path, query=query, params={"event_id": event_id})

    # A cursor half-way down the list.
    cursor, deep = None, None
    for _ in range(ATTENDEES // 2 // 200):
        page = json.loads(invoke("GET", list_template, list_path, query="limit=200" + (f"&cursor={cursor}" if cursor else ""), params={"event_id": event_id})["body"])
        cursor = page["meta"]["next_cursor"]
        deep = cursor
    results: list[Result] = []
    results += _case(f"attendees list ({ATTENDEES:,} in the event)", lister("limit=50"), target="< 50 ms")
    if deep:
        results += _case("attendees list, page half-way down", lister(f"limit=50&cursor={deep}"))
    results += _case("search 'ma' (common prefix)", lister("q=ma"), target="< 50 ms")
    results += _case(f"search '{data['last'][:4].lower()}' (last name)", lister(f"q={data['last'][:4].lower()}"))
    results += _case("search e-mail prefix", lister(f"q={data['email'][:-20]}"))
    results += _case("search full name", lister(f"q={data['first'].lower()}%20{data['last'][:3].lower()}"))
    results += _case("search, no match", lister("q=zzzz"))
    for q in ("ma", "zzzz"):
        results.append(Result("admin search plan", "indexes", 0, "", note=_search_plan(stack.db_urls.app_url, data, q)))

    counter = iter(range(10**9))
    results += _case(
        "attendee create (+ card + audit)",
        lambda: invoke("POST", list_template, list_path, params={"event_id": event_id},
                       body={"first_name": "New", "last_name": "Person", "email": f"new.{next(counter)}.{uuid.uuid4().hex[:6]}@bench.example.com"}),
        target="< 50 ms",
    )
    titles = iter(f"Title {i}" for i in range(10**9))
    results += _case(
        "attendee update (card follows, vcard_rev)",
        lambda: invoke("PATCH", f"{ADMIN}/attendees/{{attendee_id}}", f"{ADMIN}/attendees/{attendee_id}", params={"attendee_id": attendee_id},
                       body={"title": next(titles)}),
        target="< 50 ms",
    )
    results += _case("audit log, first page", lambda: invoke("GET", f"{ADMIN}/audit-log", f"{ADMIN}/audit-log", query="limit=50"))
    results += _case(
        "audit log, one entity",
        lambda: invoke("GET", f"{ADMIN}/audit-log", f"{ADMIN}/audit-log", query=f"entity_type=attendee&entity_id={attendee_id}"),
    )
    from outreachpass.models.feature_flags import FLAGS

    flags = iter(range(10**9))
    results += _case(
        f"feature flags replace (all {len(FLAGS)})",
        lambda: invoke("PUT", f"{ADMIN}/feature-flags", f"{ADMIN}/feature-flags",
                       body={key: {"enabled": (i + next(flags)) % 2 == 0} for i, key in enumerate(FLAGS)}),
    )
    return results


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(run())
