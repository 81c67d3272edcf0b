"""SQL of the CSV import: COPY into a staging table, then set-based upserts of attendees and cards.

Everything runs in the caller's one transaction (services/imports.py), so an import is all or
nothing: a worker that dies half-way leaves no trace, and the redelivered message does it again.

The staging tables are TEMP ... ON COMMIT DROP: private to the session, gone at commit or
rollback, never WAL-logged, so they need no tenant_id or RLS (the app role creates them with
PostgreSQL's default TEMPORARY privilege on the database). Every real table is still reached
with explicit tenant_id filters under the tenant's RLS.

The flow (`stage` -> `copy_rows` -> `apply`):
1. import_rows: the valid rows as COPY'd, with their spreadsheet row numbers;
2. import_merged: one row per e-mail; for each column the value of the LAST row that filled it
   (rows applied in file order, a blank cell keeping what earlier rows or the attendee had);
3. import_existing: the event's attendees with those e-mails; the e-mails the file would not
   change leave the merge (a re-import writes and locks nothing); import_before: the ones that
   will change, locked, as they were, so the cards can follow exactly the fields that changed;
4. attendees upsert ON CONFLICT (event_id, lower(email)): new e-mails insert; existing ones take
   the file's non-blank values, and are only written when something actually changes;
5. cards for the attendees that have none (the new ones, inserted already pointing at the card
   id, V0130): the card fields come from the SQL twin of
   services.cards.card_fields_from_attendee (tests hold the two equal);
6. cards of changed attendees follow the attendee fields that changed (the rule of
   services.cards.follow_attendee); the caller calls card_changed for each of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data.jobs import COLUMNS as JOB_COLUMNS

VALUE_COLUMNS = ("email", "first_name", "last_name", "phone", "org_name", "title", "linkedin_url")
OPTIONAL_COLUMNS = VALUE_COLUMNS[1:]  # email is the key
CARD_TEXT_FIELDS = ("display_name", "email", "phone", "org_name", "title")


def display_name_sql(alias: str) -> str:
    """SQL twin of card_fields_from_attendee's display_name for the attendee columns of `alias`:
    "first last" (the parts that are set), else the e-mail, else "Attendee"."""
    return (
        f"coalesce(nullif(concat_ws(' ', nullif({alias}.first_name, ''), nullif({alias}.last_name, '')), ''), "
        f"nullif({alias}.email, ''), 'Attendee')"
    )


def linkedin_sql(alias: str) -> str:
    """The card's "linkedin" link for `alias` (NULL when the attendee has none)."""
    return f"nullif({alias}.linkedin_url, '')"


def links_sql(alias: str) -> str:
    """SQL twin of card_fields_from_attendee's links_json."""
    return f"CASE WHEN {linkedin_sql(alias)} IS NULL THEN '{{}}'::jsonb ELSE jsonb_build_object('linkedin', {alias}.linkedin_url) END"


def lock_job(conn: psycopg.Connection, tenant_id: UUID, job_id: UUID) -> dict[str, Any] | None:
    """The job row, locked for this transaction; raises psycopg.errors.LockNotAvailable at once
    when another transaction (another delivery of the same job) holds it."""
    return conn.execute(
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE tenant_id = %s AND job_id = %s FOR UPDATE NOWAIT", (tenant_id, job_id)
    ).fetchone()


def prepare_transaction(conn: psycopg.Connection, *, statement_timeout_s: int, idle_timeout_s: int, work_mem_mb: int = 64) -> None:
    """Settings of one import transaction: statements may take longer than an API request's; a
    session that stops talking (a worker frozen or killed mid-file) loses its transaction and its
    locks instead of holding the job until the server notices the dead connection; the sorts and
    hashes of 200,000 rows stay in memory."""
    conn.execute(
        "SELECT set_config('statement_timeout', %s, true), set_config('idle_in_transaction_session_timeout', %s, true), "
        "set_config('work_mem', %s, true)",
        (f"{statement_timeout_s}s", f"{idle_timeout_s}s", f"{work_mem_mb}MB"),
    )


def stage(conn: psycopg.Connection) -> None:
    conn.execute(
        """
        CREATE TEMP TABLE import_rows (
            row_no       integer NOT NULL,
            email        text NOT NULL,
            first_name   text,
            last_name    text,
            phone        text,
            org_name     text,
            title        text,
            linkedin_url text
        ) ON COMMIT DROP
        """
    )


@contextmanager
def copy_rows(conn: psycopg.Connection) -> Iterator[Any]:
    """`with copy_rows(conn) as write: write((row_no, email, first_name, ...))` streams rows into
    import_rows with COPY. An exception inside the block aborts the COPY (and the transaction)."""
    with conn.cursor() as cursor, cursor.copy(
        f"COPY import_rows (row_no, {', '.join(VALUE_COLUMNS)}) FROM STDIN"
    ) as copy:
        yield copy.write_row


@dataclass
class ApplyResult:
    nameless_rows: list[int] = field(default_factory=list)  # rows refused: a new attendee needs a first name
    nameless: int = 0  # how many such rows (nameless_rows keeps the first `error_limit`)
    created: int = 0  # attendees inserted (each with a new card)
    updated: int = 0  # existing attendees whose values changed
    unchanged: int = 0  # existing attendees the file left as they were
    duplicates: int = 0  # rows merged into an earlier row with the same e-mail
    changed_card_ids: list[UUID] = field(default_factory=list)


def apply(
    conn: psycopg.Connection, tenant_id: UUID, event_id: UUID, *, repeated_emails: Collection[str] = (), error_limit: int = 1000
) -> ApplyResult:
    """Merge import_rows into the event's attendees and cards; see the module doc.

    Plans do not depend on statistics of rows written in this transaction: attendees are matched
    on search_email (V0100's stored lower(email): a plain column, so the comparison is leakproof
    and can use its index under RLS), and after the upsert every step joins on primary keys of
    rows the upsert returned.

    repeated_emails: the e-mails that occur in more than one row (the caller saw them stream
    by); only their rows go through the merge aggregate, every other row is taken as it is."""
    params = {"tenant_id": tenant_id, "event_id": event_id}
    merged_columns = ",\n".join(
        f"(array_agg({c} ORDER BY row_no DESC) FILTER (WHERE {c} IS NOT NULL))[1] AS {c}" for c in OPTIONAL_COLUMNS
    )
    # Ids for new rows, ascending in the order they are inserted (e-mail order), which halves the
    # cost of the inserts: B-tree entries land next to each other instead of all over the index.
    # Attendees get time-ordered ids (UUIDv7 layout: this millisecond, a counter in e-mail order,
    # 48 random bits; attendee ids are never public). Cards keep fully random ids (they are public
    # URLs): as many random UUIDs as rows, sorted, handed out in e-mail order.
    conn.execute(
        f"""
        CREATE TEMP TABLE import_merged ON COMMIT DROP AS
        WITH every AS (
            SELECT email, 1 AS row_count, {', '.join(OPTIONAL_COLUMNS)}
            FROM import_rows
            WHERE NOT (email = ANY(%(repeated)s))
            UNION ALL
            SELECT email, count(*)::integer, {merged_columns}
            FROM import_rows
            WHERE email = ANY(%(repeated)s)
            GROUP BY email
        ), numbered AS (
            SELECT e.*, row_number() OVER (ORDER BY e.email) AS n FROM every e
        ), card_ids AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM (SELECT gen_random_uuid() AS id FROM numbered) r
        )
        SELECT {', '.join(('email', 'row_count', *OPTIONAL_COLUMNS))},
               (substr(t.ms, 1, 8) || '-' || substr(t.ms, 9, 4) || '-7' || lpad(to_hex((numbered.n >> 12) & 4095), 3, '0')
                || '-8' || lpad(to_hex(numbered.n & 4095), 3, '0') || '-'
                || lpad(to_hex((random() * 281474976710655)::bigint), 12, '0'))::uuid AS new_attendee_id,
               card_ids.id AS new_card_id
        FROM numbered
        JOIN card_ids ON card_ids.n = numbered.n
        CROSS JOIN (SELECT lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') AS ms) t
        """,
        {"repeated": list(repeated_emails)},
        prepare=False,
    )

    # The event's attendees with the file's e-mails, as they are now (not locked).
    conn.execute(
        f"""
        CREATE TEMP TABLE import_existing ON COMMIT DROP AS
        SELECT a.attendee_id, a.card_id, a.search_email AS key, {', '.join('a.' + c for c in OPTIONAL_COLUMNS)}
        FROM attendees a
        JOIN import_merged m ON a.search_email = m.email
        WHERE a.tenant_id = %(tenant_id)s AND a.event_id = %(event_id)s
        """,
        params,
        prepare=False,
    )
    conn.execute("ANALYZE import_existing", prepare=False)

    # A new attendee needs a first name (POST /attendees requires one); an existing one keeps its
    # own, so a file that only updates, say, phone numbers needs no name column. The rows of such
    # an e-mail are refused and leave the import.
    nameless = conn.execute(
        """
        WITH dropped AS (
            DELETE FROM import_merged m
            WHERE m.first_name IS NULL AND NOT EXISTS (SELECT 1 FROM import_existing e WHERE e.key = m.email)
            RETURNING m.email
        )
        SELECT coalesce(array_agg(r.row_no ORDER BY r.row_no), '{}') AS rows, count(*)::integer AS n
        FROM import_rows r JOIN dropped d ON d.email = r.email
        """,
        prepare=False,
    ).fetchone()
    merged = conn.execute(
        "SELECT count(*)::integer AS n, coalesce(sum(row_count - 1), 0)::integer AS duplicates FROM import_merged",
        prepare=False,
    ).fetchone()

    # What would change nothing leaves now: re-importing a file writes (and locks) no row.
    same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM coalesce(m.{c}, e.{c})" for c in OPTIONAL_COLUMNS)
    conn.execute(
        f"DELETE FROM import_merged m USING import_existing e WHERE e.key = m.email AND e.card_id IS NOT NULL AND {same}",
        prepare=False,
    )

    # The attendees that will change, locked in e-mail order (the order the upsert takes them in
    # too, so two imports into one event cannot deadlock), as they are once locked: the "before"
    # their cards follow from.
    conn.execute(
        f"""
        CREATE TEMP TABLE import_before ON COMMIT DROP AS
        SELECT a.attendee_id, a.card_id, {', '.join('a.' + c for c in VALUE_COLUMNS)}
        FROM attendees a
        WHERE false
        """,
        prepare=False,
    )
    conn.execute(
        f"""
        INSERT INTO import_before
        SELECT a.attendee_id, a.card_id, {', '.join('a.' + c for c in VALUE_COLUMNS)}
        FROM import_existing e
        JOIN import_merged m ON m.email = e.key
        JOIN attendees a ON a.tenant_id = %(tenant_id)s AND a.attendee_id = e.attendee_id
        ORDER BY e.key
        FOR UPDATE OF a
        """,
        params,
        prepare=False,
    )

    # Upsert. A blank cell keeps the attendee's value (coalesce); the row is only written when a
    # value changes, so re-importing a file touches nothing. What it wrote comes back into
    # import_upserted (values included: the new cards need no second look at attendees). A new
    # attendee is written once, already pointing at the card inserted next (V0130: the link is
    # checked at the end of this function instead of row by row); an existing one keeps its card.
    conn.execute("SET CONSTRAINTS attendees_card_fkey DEFERRED", prepare=False)
    new_values = ", ".join(f"coalesce(EXCLUDED.{c}, a.{c})" for c in OPTIONAL_COLUMNS)
    old_values = ", ".join(f"a.{c}" for c in OPTIONAL_COLUMNS)
    assignments = ", ".join(f"{c} = coalesce(EXCLUDED.{c}, a.{c})" for c in OPTIONAL_COLUMNS)
    conn.execute(
        f"""
        CREATE TEMP TABLE import_upserted ON COMMIT DROP AS
        WITH upserted AS (
            INSERT INTO attendees AS a (attendee_id, tenant_id, event_id, card_id, {', '.join(VALUE_COLUMNS)})
            SELECT m.new_attendee_id, %(tenant_id)s, %(event_id)s, m.new_card_id, {', '.join('m.' + c for c in VALUE_COLUMNS)}
            FROM import_merged m
            ORDER BY m.email
            ON CONFLICT (event_id, lower(email)) WHERE email IS NOT NULL
            DO UPDATE SET {assignments}
            WHERE ({old_values}) IS DISTINCT FROM ({new_values})
            RETURNING a.attendee_id, a.card_id, (a.xmax = 0) AS inserted, {', '.join('a.' + c for c in VALUE_COLUMNS)}
        )
        SELECT * FROM upserted
        """,
        params,
        prepare=False,
    )
    counts = conn.execute(
        """
        SELECT count(*) FILTER (WHERE inserted)::integer AS created, count(*) FILTER (WHERE NOT inserted)::integer AS updated
        FROM import_upserted
        """,
        prepare=False,
    ).fetchone()

    # The card of each new attendee, under the id the attendee already holds.
    conn.execute(
        f"""
        INSERT INTO cards (card_id, tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json)
        SELECT u.card_id, %(tenant_id)s, %(event_id)s, u.attendee_id, {display_name_sql('u')}, u.email, u.phone, u.org_name,
               u.title, {links_sql('u')}
        FROM import_upserted u
        WHERE u.inserted
        ORDER BY u.card_id
        """,
        params,
        prepare=False,
    )
    # An existing attendee of the file that has lost its card gets a new one (rare: a few rows).
    conn.execute(
        f"""
        WITH needing AS (
            SELECT a.attendee_id, {', '.join('a.' + c for c in VALUE_COLUMNS)}
            FROM import_before b
            JOIN attendees a ON a.tenant_id = %(tenant_id)s AND a.attendee_id = b.attendee_id
            WHERE b.card_id IS NULL AND a.card_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.owner_attendee_id = a.attendee_id AND c.deleted_at IS NULL)
        ), made AS (
            INSERT INTO cards (tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json)
            SELECT %(tenant_id)s, %(event_id)s, n.attendee_id, {display_name_sql('n')}, n.email, n.phone, n.org_name,
                   n.title, {links_sql('n')}
            FROM needing n
            RETURNING card_id, owner_attendee_id
        )
        UPDATE attendees a SET card_id = made.card_id
        FROM made
        WHERE a.tenant_id = %(tenant_id)s AND a.attendee_id = made.owner_attendee_id
        """,
        params,
        prepare=False,
    )
    conn.execute("SET CONSTRAINTS attendees_card_fkey IMMEDIATE", prepare=False)  # every new link checked here

    changed_cards: list[UUID] = []
    if counts["updated"]:
        changed_cards = _follow_changed_attendees(conn, tenant_id)

    return ApplyResult(
        nameless_rows=list(nameless["rows"][:error_limit]),
        nameless=nameless["n"],
        created=counts["created"],
        updated=counts["updated"],
        unchanged=merged["n"] - counts["created"] - counts["updated"],
        duplicates=merged["duplicates"],
        changed_card_ids=changed_cards,
    )


def _follow_changed_attendees(conn: psycopg.Connection, tenant_id: UUID) -> list[UUID]:
    """Cards of the changed attendees take the derived fields whose source changed (what was edited
    on a card directly stays otherwise); the "linkedin" link is replaced, other links stay. Returns
    the cards whose content changed."""
    derived_new = _derived("a")
    derived_old = _derived("b")
    targets = ",\n".join(
        f"CASE WHEN {derived_old[f]} IS DISTINCT FROM {derived_new[f]} THEN {derived_new[f]} ELSE c.{f} END AS t_{f}"
        for f in CARD_TEXT_FIELDS
    )
    rows = conn.execute(
        f"""
        WITH target AS (
            SELECT c.card_id,
                   {targets},
                   CASE WHEN {derived_old['linkedin']} IS DISTINCT FROM {derived_new['linkedin']}
                        THEN (c.links_json - 'linkedin')
                             || CASE WHEN {derived_new['linkedin']} IS NULL THEN '{{}}'::jsonb
                                     ELSE jsonb_build_object('linkedin', {derived_new['linkedin']}) END
                        ELSE c.links_json END AS t_links_json
            FROM import_upserted a
            JOIN attendees x ON x.tenant_id = %(tenant_id)s AND x.attendee_id = a.attendee_id
            JOIN cards c ON c.tenant_id = %(tenant_id)s AND c.card_id = x.card_id AND c.deleted_at IS NULL
            LEFT JOIN import_before b ON b.attendee_id = a.attendee_id
            WHERE NOT a.inserted
        )
        UPDATE cards c
        SET display_name = t.t_display_name, email = t.t_email, phone = t.t_phone, org_name = t.t_org_name,
            title = t.t_title, links_json = t.t_links_json
        FROM target t
        WHERE c.tenant_id = %(tenant_id)s AND c.card_id = t.card_id
          AND (c.display_name, c.email, c.phone, c.org_name, c.title, c.links_json)
              IS DISTINCT FROM (t.t_display_name, t.t_email, t.t_phone, t.t_org_name, t.t_title, t.t_links_json)
        RETURNING c.card_id
        """,
        {"tenant_id": tenant_id},
        prepare=False,
    ).fetchall()
    return [row["card_id"] for row in rows]


def _derived(alias: str) -> dict[str, str]:
    return {
        "display_name": display_name_sql(alias),
        "email": f"{alias}.email",
        "phone": f"{alias}.phone",
        "org_name": f"{alias}.org_name",
        "title": f"{alias}.title",
        "linkedin": linkedin_sql(alias),
    }
