"""SQL of the CSV import: COPY a chunk of rows into a staging table, then set-based steps that
turn it into attendees and cards.

Everything runs in the caller's one transaction (services/imports/importer.py), so an import is
all or nothing: a worker that dies half-way leaves no trace, and the redelivered message does it
again. The staging tables are TEMP ... ON COMMIT DROP: private to the session, gone at commit or
rollback, never WAL-logged, so they need no tenant_id or RLS (the app role creates them with
PostgreSQL's default TEMPORARY privilege on the database). Every real table is still reached with
explicit tenant_id filters under the tenant's RLS.

First `stage` creates the staging tables and `import_known`: the event's attendees (lower(email),
id) as they are before the import, analyzed, so every later lookup is a join between two tables
whose statistics are right (the planner's statistics of attendees never see the rows this
transaction inserts, and a lookup planned on them can turn into a scan per row). Rows inserted by
earlier chunks never need looking up: an e-mail occurs once in a file.

The file goes through in chunks (the caller streams one while the previous one is applied); each
chunk is `clear` -> `copy_rows` -> `apply`, whose named steps are:
1. `refuse_repeated`: a row whose e-mail an earlier row of the file has is refused (import_seen
   holds the file's e-mails so far; the first row of an e-mail is the one imported);
   `mark_existing`: each valid row learns its attendee (event, lower(email)) from import_known;
2. `refuse_nameless`: a new attendee needs a first name (an existing one keeps its own);
3. `update_existing`: the attendees a row changes are locked, updated (a blank cell keeps the
   value: an import never erases data) and their cards follow the fields that changed, with
   vcard_rev bumped by the caller (services.cards.cards_changed); a re-imported file writes and
   locks nothing;
4. `insert_new`: new attendees, each inserted once already pointing at the card inserted in the
   same statement (V0130: the link is checked at the end instead of row by row), in e-mail order
   with ids that ascend in that order (most index entries are appended);
5. `record_errors`: every refused row's problems into job_item_errors.
After step 1 the rows are unique by e-mail within the file, so no step has to merge two rows, and
no row of one chunk can meet a row of another.

`lock_event` serialises imports into one event (two imports never interleave their chunks, so they
cannot deadlock or race to insert the same e-mail).

(A little over 350 lines: every statement here works on the same staging tables, in the order
above; split across modules they would only be harder to read together.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from outreachpass.data.conn import Conn, one

VALUE_COLUMNS = ("email", "first_name", "last_name", "phone", "org_name", "title", "linkedin_url")
OPTIONAL_COLUMNS = VALUE_COLUMNS[1:]  # email is the key
CARD_TEXT_FIELDS = ("display_name", "email", "phone", "org_name", "title")
# The staging row: a valid row has its values; a refused row has its problem (one line per
# problem, position = row * 16 + problem number).
STAGED_COLUMNS = ("row_no", *VALUE_COLUMNS, "position", "field", "column_name", "reason")
NAMELESS_PROBLEM = 15  # the problem number of "first name required", after any the caller found
REPEATED_PROBLEM = 14  # the problem number of "the same e-mail as row N"


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


def prepare_transaction(conn: Conn, *, statement_timeout_s: int, idle_timeout_s: int, work_mem_mb: int = 64) -> None:
    """Settings of one import transaction: statements may take longer than an API request's; a
    session that stops talking (a worker frozen or killed mid-file) loses its transaction and its
    locks instead of holding the job until the server notices the dead connection; a chunk's sorts
    and hashes stay in memory."""
    conn.execute(
        "SELECT set_config('statement_timeout', %s, true), set_config('idle_in_transaction_session_timeout', %s, true), "
        "set_config('work_mem', %s, true)",
        (f"{statement_timeout_s}s", f"{idle_timeout_s}s", f"{work_mem_mb}MB"),
    )


def lock_event(conn: Conn, event_id: UUID, *, wait_s: int) -> None:
    """One import into an event at a time (a transaction-level advisory lock on the event); raises
    psycopg.errors.LockNotAvailable after `wait_s` when another import keeps it."""
    conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{wait_s}s",))
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('attendee-import:' || %s::text, 0))", (event_id,))
    conn.execute("SELECT set_config('lock_timeout', '0', true)")


def stage(conn: Conn, tenant_id: UUID, event_id: UUID) -> int:
    """The staging tables of this transaction (`clear` empties them between chunks) and the
    snapshot of the event's attendees; returns how many the event has."""
    conn.execute(
        """
        CREATE TEMP TABLE import_known ON COMMIT DROP AS
        SELECT search_email AS email, attendee_id FROM attendees WHERE tenant_id = %s AND event_id = %s
        """,
        (tenant_id, event_id),
        prepare=False,
    )
    conn.execute("CREATE UNIQUE INDEX ON import_known (email)", prepare=False)
    conn.execute("ANALYZE import_known", prepare=False)
    known = int(one(conn.execute("SELECT count(*) AS n FROM import_known", prepare=False))["n"])
    conn.execute(
        """
        CREATE TEMP TABLE import_rows (
            row_no          integer NOT NULL,
            email           text,
            first_name      text,
            last_name       text,
            phone           text,
            org_name        text,
            title           text,
            linkedin_url    text,
            position        integer,
            field           text,
            column_name     text,
            reason          text,
            attendee_id     uuid
        ) ON COMMIT DROP
        """
    )
    conn.execute(
        f"""
        CREATE TEMP TABLE import_before ON COMMIT DROP AS
        SELECT attendee_id, card_id, {', '.join(VALUE_COLUMNS)} FROM attendees WHERE false
        """
    )
    conn.execute("CREATE TEMP TABLE import_updated ON COMMIT DROP AS SELECT attendee_id FROM attendees WHERE false")
    # Every e-mail of the file so far, with the row that imports it (the first): the set the
    # repeated-e-mail rule needs lives here, not in the worker's memory.
    conn.execute("CREATE TEMP TABLE import_seen (email text PRIMARY KEY, row_no integer NOT NULL) ON COMMIT DROP")
    return known


def clear(conn: Conn) -> None:
    conn.execute("TRUNCATE import_rows, import_before, import_updated")


@contextmanager
def copy_rows(conn: Conn) -> Iterator[Any]:
    """`with copy_rows(conn) as write: write(row)` streams STAGED_COLUMNS tuples into import_rows
    with COPY. An exception inside the block aborts the COPY (and the transaction)."""
    with conn.cursor() as cursor, cursor.copy(f"COPY import_rows ({', '.join(STAGED_COLUMNS)}) FROM STDIN") as copy:
        yield copy.write_row


@dataclass
class ChunkResult:
    repeated_rows: list[tuple[int, int]] = field(default_factory=list)  # (row, the earlier row with its e-mail): refused
    created: int = 0  # attendees inserted (each with a new card)
    updated: int = 0  # existing attendees whose values changed
    unchanged: int = 0  # existing attendees the rows left as they were
    nameless_rows: list[int] = field(default_factory=list)  # rows refused: a new attendee needs a first name
    changed_card_ids: list[UUID] = field(default_factory=list)  # cards whose content changed (vcard_rev to bump)


def apply(
    conn: Conn,
    tenant_id: UUID,
    event_id: UUID,
    job_id: UUID | None,
    *,
    nameless: tuple[str | None, str],
    repeated: tuple[str | None, str],
    known: int,
    id_base: tuple[int, int],
) -> ChunkResult:
    """The staged chunk into the event's attendees and cards; see the module doc. `nameless` is
    the (column, reason) a row without a first name for a new attendee is refused with, `repeated`
    the (column, reason with %s for the earlier row) a repeated e-mail is; `known` is what `stage`
    returned (0: a first import, nothing to look up); `id_base` as insert_new."""
    params = {"tenant_id": tenant_id, "event_id": event_id}
    repeated_rows = refuse_repeated(conn, *repeated)
    # The steps below filter on these two (their null fractions): without statistics the planner
    # guesses a handful of rows and joins 25,000 by 25,000 in a nested loop.
    conn.execute("ANALYZE import_rows (reason, attendee_id)", prepare=False)
    existing = mark_existing(conn) if known else 0
    if existing:
        conn.execute("ANALYZE import_rows (attendee_id)", prepare=False)  # now set on some rows
    result = ChunkResult(repeated_rows=repeated_rows, nameless_rows=refuse_nameless(conn, *nameless))
    if existing:
        result.updated, result.changed_card_ids = update_existing(conn, params)
        result.unchanged = existing - result.updated
    result.created = insert_new(conn, params, id_base=id_base)
    if job_id is not None:
        record_errors(conn, tenant_id, job_id)
    return result


def refuse_repeated(conn: Conn, column: str | None, reason: str) -> list[tuple[int, int]]:
    """A valid row whose e-mail an earlier row of the file has (in this chunk or an earlier one)
    is refused: the first row of an e-mail is the one imported. Returns (row, first row)."""
    conn.execute(
        """
        INSERT INTO import_seen (email, row_no)
        SELECT email, row_no FROM import_rows WHERE reason IS NULL ORDER BY row_no
        ON CONFLICT (email) DO NOTHING
        """,
        prepare=False,
    )
    # The first row of the e-mail, looked up where it is needed: one index probe per row whatever
    # the statistics say, no join. (Joined back to import_rows by row_no, as it was, the first
    # chunk, not yet analyzed, was planned as a nested loop of 25,000 x 250 rows: 0.9 s.)
    first = "(SELECT s.row_no FROM import_seen s WHERE s.email = r.email)"
    rows = conn.execute(
        f"""
        UPDATE import_rows r
        SET position = r.row_no * 16 + %(problem)s, field = 'email', column_name = %(column)s, reason = format(%(reason)s, {first})
        WHERE r.reason IS NULL AND {first} <> r.row_no
        RETURNING r.row_no, {first} AS first
        """,
        {"problem": REPEATED_PROBLEM, "column": column, "reason": reason},
        prepare=False,
    ).fetchall()
    return sorted((row["row_no"], row["first"]) for row in rows)


def mark_existing(conn: Conn) -> int:
    """Each valid staged row gets the id of the event's attendee with its e-mail; returns how many."""
    return conn.execute(
        """
        UPDATE import_rows r SET attendee_id = k.attendee_id
        FROM import_known k
        WHERE k.email = r.email AND r.reason IS NULL
        """,
        prepare=False,
    ).rowcount


def refuse_nameless(conn: Conn, column: str | None, reason: str) -> list[int]:
    """A valid row for a new attendee without a first name is refused (POST /attendees requires
    one); an existing attendee keeps its own, so a file of e-mails and phone numbers updates phones."""
    rows = conn.execute(
        """
        UPDATE import_rows
        SET position = row_no * 16 + %(problem)s, field = 'first_name', column_name = %(column)s, reason = %(reason)s
        WHERE reason IS NULL AND attendee_id IS NULL AND first_name IS NULL
        RETURNING row_no
        """,
        {"problem": NAMELESS_PROBLEM, "column": column, "reason": reason},
        prepare=False,
    ).fetchall()
    return sorted(row["row_no"] for row in rows)


def update_existing(conn: Conn, params: dict[str, Any]) -> tuple[int, list[UUID]]:
    """Existing attendees take the rows' non-blank values where they differ: locked in id order,
    as they were once locked (the "before" the cards follow from), then updated. An attendee that
    has lost its card gets a new one. Returns (attendees updated, cards whose content changed)."""
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM coalesce(r.{c}, a.{c})" for c in OPTIONAL_COLUMNS)
    conn.execute(
        f"""
        INSERT INTO import_before
        SELECT a.attendee_id, a.card_id, {', '.join('a.' + c for c in VALUE_COLUMNS)}
        FROM import_rows r
        JOIN attendees a ON a.tenant_id = %(tenant_id)s AND a.attendee_id = r.attendee_id
        WHERE r.reason IS NULL AND r.attendee_id IS NOT NULL AND ({differs} OR a.card_id IS NULL)
        ORDER BY a.attendee_id
        FOR UPDATE OF a
        """,
        params,
        prepare=False,
    )
    assignments = ", ".join(f"{c} = coalesce(r.{c}, a.{c})" for c in OPTIONAL_COLUMNS)
    updated = conn.execute(
        f"""
        WITH updated AS (
            UPDATE attendees a SET {assignments}
            FROM import_rows r
            WHERE a.tenant_id = %(tenant_id)s AND a.attendee_id = r.attendee_id AND r.reason IS NULL
              AND a.attendee_id IN (SELECT attendee_id FROM import_before) AND ({differs})
            RETURNING a.attendee_id
        )
        INSERT INTO import_updated SELECT attendee_id FROM updated
        """,
        params,
        prepare=False,
    ).rowcount
    changed = follow_changed_attendees(conn, params["tenant_id"]) if updated else []
    _replace_lost_cards(conn, params)
    return updated, changed


def follow_changed_attendees(conn: Conn, tenant_id: UUID) -> list[UUID]:
    """Cards of the updated attendees take the derived fields whose source changed (what was
    edited on a card directly stays otherwise); the "linkedin" link is replaced, other links stay.
    The rule of services.cards.follow_attendee, set-based. Returns the cards whose content changed."""
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
            FROM import_updated u
            JOIN attendees a ON a.tenant_id = %(tenant_id)s AND a.attendee_id = u.attendee_id
            JOIN import_before b ON b.attendee_id = u.attendee_id
            JOIN cards c ON c.tenant_id = %(tenant_id)s AND c.card_id = a.card_id AND c.deleted_at IS NULL
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


def _replace_lost_cards(conn: Conn, params: dict[str, Any]) -> None:
    """An existing attendee of the file that has lost its card gets a new one (rare: a few rows)."""
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


def insert_new(conn: Conn, params: dict[str, Any], *, id_base: tuple[int, int]) -> int:
    """The rows of new attendees: each attendee and its card, in one statement; returns how many.

    Everything is written in e-mail order, and the ids are made to ascend in that order, so most
    index entries are appended rather than written all over (half the cost of the inserts, and
    far fewer pages to log): attendee ids are time-ordered (UUIDv7 layout: `id_base` = (this
    import's millisecond, how many new rows earlier chunks had), a counter in e-mail order, 40
    random bits; attendee ids are never public); card ids are fully random (they are public URLs):
    as many random UUIDs as rows, sorted, handed out in e-mail order."""
    conn.execute("SET CONSTRAINTS attendees_card_fkey DEFERRED", prepare=False)
    millisecond, offset = id_base
    return conn.execute(
        f"""
        WITH fresh AS (
            SELECT r.*, %(offset)s + row_number() OVER (ORDER BY r.email) AS n
            FROM import_rows r
            WHERE r.reason IS NULL AND r.attendee_id IS NULL
        ), card_ids AS (
            SELECT id, %(offset)s + row_number() OVER (ORDER BY id) AS n FROM (SELECT gen_random_uuid() AS id FROM fresh) g
        ), new_attendees AS (
            INSERT INTO attendees (attendee_id, tenant_id, event_id, card_id, {', '.join(VALUE_COLUMNS)})
            SELECT (%(millisecond)s || '7' || lpad(to_hex((f.n >> 20) & 4095), 3, '0') || 'a' || lpad(to_hex(f.n & 1048575), 5, '0')
                    || lpad(to_hex((random() * 1099511627775)::bigint), 10, '0'))::uuid,
                   %(tenant_id)s, %(event_id)s, c.id, {', '.join('f.' + c for c in VALUE_COLUMNS)}
            FROM fresh f JOIN card_ids c ON c.n = f.n
            ORDER BY f.email
            RETURNING attendee_id, card_id, {', '.join(VALUE_COLUMNS)}
        )
        INSERT INTO cards (card_id, tenant_id, event_id, owner_attendee_id, display_name, email, phone, org_name, title, links_json)
        SELECT n.card_id, %(tenant_id)s, %(event_id)s, n.attendee_id, {display_name_sql('n')}, n.email, n.phone, n.org_name,
               n.title, {links_sql('n')}
        FROM new_attendees n
        ORDER BY n.card_id
        """,
        {**params, "millisecond": f"{millisecond & 0xFFFF_FFFF_FFFF:012x}", "offset": offset},
        prepare=False,
    ).rowcount


def check_card_links(conn: Conn) -> None:
    """Every attendee -> card link written since insert_new deferred it, checked now (once per
    transaction, after the last chunk: a missing card fails the import here, before commit)."""
    conn.execute("SET CONSTRAINTS attendees_card_fkey IMMEDIATE", prepare=False)


def record_errors(conn: Conn, tenant_id: UUID, job_id: UUID) -> None:
    """The chunk's refused rows, one error per problem, into job_item_errors."""
    conn.execute(
        """
        INSERT INTO job_item_errors (tenant_id, job_id, position, row_number, field, column_name, reason)
        SELECT %s, %s, position, row_no, field, column_name, reason
        FROM import_rows WHERE reason IS NOT NULL
        """,
        (tenant_id, job_id),
        prepare=False,
    )


def _derived(alias: str) -> dict[str, str]:
    return {
        "display_name": display_name_sql(alias),
        "email": f"{alias}.email",
        "phone": f"{alias}.phone",
        "org_name": f"{alias}.org_name",
        "title": f"{alias}.title",
        "linkedin": linkedin_sql(alias),
    }
