"""The migration runner and the schema it builds, against a real PostgreSQL.

The catalog checks run over every table in the schema, so a table added by a later
migration (V0100+) that forgets tenant_id, RLS, its policies or its updated_at trigger
fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from outreachpass.db.migrate import ChecksumMismatchError, MigrationError
from outreachpass.db.migrate.cli import main
from outreachpass.db.migrate.files import default_migrations_dir, load_migrations, split_statements
from outreachpass.db.migrate.roles import APP_ROLE, OWNER_ROLE
from outreachpass.db.migrate.runner import apply_migrations, ensure_database, pending_migrations
from tests.fixtures.database import SEEDED_TABLES, make_tenant, seed_tenant_graph, with_connection_params

SEED_TABLES = {
    "tenants", "brands", "users", "events", "attendees", "cards", "qr_codes", "wallet_passes",
    "pass_generation_jobs", "email_events", "card_view_events", "wallet_pass_events",
    "contact_export_events", "feature_flags", "audit_log", "scan_daily", "message_contexts",
}
EXTRA_TABLES = {"jobs", "wallet_device_registrations", "email_suppressions", "exhibitors", "leads", "card_engagement_events"}
INFRASTRUCTURE_TABLES = {"schema_migrations"}
RESOLVERS = (
    "app_card_tenant(uuid)",
    "app_message_tenant(text)",
    "app_sent_message_tenant(text)",
    "app_pass_tenant(text)",
    "app_device_updated_serials(text,text,timestamp with time zone)",
    "app_tenant_ids()",
    "app_purge_expired(timestamp with time zone)",
)

# Every enumerated text column and exactly the values its CHECK allows.
ENUMS = {
    ("tenants", "status"): {"active", "disabled"},
    ("users", "role"): {"admin", "user", "exhibitor"},
    ("users", "status"): {"invited", "active", "disabled"},
    ("events", "status"): {"draft", "active", "archived"},
    ("qr_codes", "format"): {"png", "svg"},
    ("wallet_passes", "platform"): {"apple", "google"},
    ("wallet_passes", "status"): {"pending", "active", "failed", "voided"},
    ("jobs", "kind"): {"import", "passes", "emails", "images"},
    ("jobs", "status"): {"scheduled", "queued", "running", "succeeded", "failed", "cancelled"},
    ("pass_generation_jobs", "platform"): {"apple", "google"},
    ("pass_generation_jobs", "status"): {"queued", "running", "succeeded", "failed"},
    ("email_suppressions", "reason"): {"bounce", "complaint", "unsubscribe", "manual"},
    ("email_events", "event_type"): {
        "sent", "delivered", "delayed", "opened", "clicked", "bounced", "complained", "rejected", "failed",
    },
    ("email_events", "classification"): {"human", "machine"},
    ("card_view_events", "source_type"): {"qr_scan", "direct_link", "email_link", "share"},
    ("card_view_events", "device_type"): {"mobile", "desktop", "tablet", "bot", "unknown"},
    ("wallet_pass_events", "platform"): {"apple", "google"},
    ("wallet_pass_events", "event_type"): {"generated", "downloaded", "added", "removed", "updated", "email_clicked"},
    ("wallet_pass_events", "device_type"): {"mobile", "desktop", "tablet", "bot", "unknown"},
    ("contact_export_events", "export_type"): {"vcard_download", "add_to_contacts", "copy_email", "share"},
    ("contact_export_events", "device_type"): {"mobile", "desktop", "tablet", "bot", "unknown"},
    ("scan_daily", "source_type"): {"qr_scan", "direct_link", "email_link", "share"},
    ("leads", "rating"): {"hot", "warm", "cold"},
    ("card_engagement_events", "event_type"): {"lead_captured", "contact_shared"},
    ("card_engagement_events", "device_type"): {"mobile", "desktop", "tablet", "bot", "unknown"},
}


def public_tables(conn: psycopg.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1"
    )]


def tenant_tables(conn: psycopg.Connection) -> list[str]:
    return [t for t in public_tables(conn) if t not in INFRASTRUCTURE_TABLES]


def copy_migrations(target: Path) -> Path:
    target.mkdir()
    for migration in load_migrations(default_migrations_dir()):
        shutil.copy(migration.path, target / migration.path.name)
    return target


def history(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version").fetchall()


# ---------------------------------------------------------------------------------------
# The runner
# ---------------------------------------------------------------------------------------


def test_fresh_database_gets_every_migration_once(empty_database_url):
    url = empty_database_url()
    migrations = load_migrations(default_migrations_dir())
    assert [m.version for m in migrations][:3] == ["0001", "0002", "0003"]

    assert pending_migrations(url) == [m.version for m in migrations]
    assert apply_migrations(url) == [m.version for m in migrations]
    assert history(url) == [(m.version, m.name, m.checksum) for m in migrations]

    assert apply_migrations(url) == []
    assert pending_migrations(url) == []
    assert len(history(url)) == len(migrations)


def test_concurrent_runners_apply_each_migration_once(empty_database_url):
    url = empty_database_url()
    expected = [m.version for m in load_migrations(default_migrations_dir())]
    results: dict[int, list[str]] = {}
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = apply_migrations(url)
        except BaseException as exc:
            failures.append(exc)

    # Hold the runners' lock so that both are provably inside apply_migrations, polling for
    # it, before either can start: the race is certain, not left to scheduling.
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (int.from_bytes(b"opmigrat", "big", signed=True),))
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        waiting = 0
        for _ in range(600):
            waiting = holder.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'outreachpass-migrate' "
                "AND datname = current_database() AND query LIKE '%%pg_try_advisory_lock%%'"
            ).fetchone()[0]
            if waiting == 2 or failures:
                break
            time.sleep(0.05)
        assert waiting == 2, failures
        holder.execute("SELECT pg_advisory_unlock_all()")
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(results.values(), key=len) == [[], expected]
    assert [row[0] for row in history(url)] == expected


def test_an_edited_applied_migration_stops_the_run(empty_database_url, tmp_path):
    url = empty_database_url()
    directory = copy_migrations(tmp_path / "migrations")
    apply_migrations(url, migrations_dir=directory)
    before = history(url)

    analytics = next(directory.glob("V0002__*.sql"))
    analytics.write_text(analytics.read_text() + "\n-- an innocent-looking edit\n")
    (directory / "V9001__later.sql").write_text("CREATE TABLE later_table (tenant_id uuid);\n")

    with pytest.raises(ChecksumMismatchError, match=r"V0002__analytics"):
        apply_migrations(url, migrations_dir=directory)
    with pytest.raises(ChecksumMismatchError):
        pending_migrations(url, migrations_dir=directory)
    # nothing ran: not even the new, unrelated migration
    assert history(url) == before
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('public.later_table')").fetchone()[0] is None


def test_line_endings_do_not_change_the_checksum(empty_database_url, tmp_path):
    url = empty_database_url()
    directory = copy_migrations(tmp_path / "migrations")
    apply_migrations(url, migrations_dir=directory)
    for path in directory.glob("*.sql"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert apply_migrations(url, migrations_dir=directory) == []


def test_a_failing_migration_rolls_back_entirely_and_can_be_fixed(empty_database_url, tmp_path):
    url = empty_database_url()
    directory = copy_migrations(tmp_path / "migrations")
    broken = directory / "V9001__broken.sql"
    broken.write_text("CREATE TABLE half_done (tenant_id uuid);\nSELECT 1 / 0;\n")

    with pytest.raises(MigrationError, match=r"V9001__broken failed: division by zero"):
        apply_migrations(url, migrations_dir=directory)
    versions = [row[0] for row in history(url)]
    assert "9001" not in versions
    assert versions == ["0001", "0002", "0003"] + [v for v in versions if "0003" < v < "9001"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('public.half_done')").fetchone()[0] is None

    broken.write_text("CREATE TABLE half_done (tenant_id uuid);\n")
    assert apply_migrations(url, migrations_dir=directory) == ["9001"]
    with psycopg.connect(url) as conn:
        owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.half_done'::regclass").fetchone()[0]
    assert owner == OWNER_ROLE  # objects of migrations belong to the owner role, not the admin


def test_no_transaction_migration_runs_statement_by_statement(empty_database_url, tmp_path):
    url = empty_database_url()
    directory = copy_migrations(tmp_path / "migrations")
    (directory / "V9001__concurrent_indexes.sql").write_text(
        "-- outreachpass:no-transaction\n"
        "CREATE INDEX CONCURRENTLY idx_test_one ON cards (display_name);\n"
        "CREATE INDEX CONCURRENTLY idx_test_two ON cards (title); -- two: each needs its own round trip\n"
    )
    (directory / "V9002__after.sql").write_text("CREATE TABLE after_table (tenant_id uuid);\n")
    assert apply_migrations(url, migrations_dir=directory)[-2:] == ["9001", "9002"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('public.idx_test_one'), to_regclass('public.idx_test_two')").fetchone() == (
            "idx_test_one", "idx_test_two",
        )
        owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'after_table'").fetchone()[0]
    assert owner == OWNER_ROLE


def test_split_statements_respects_quotes_comments_and_dollar_quotes():
    script = """
        -- a comment; with a semicolon
        CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;b' $body$;
        /* block; comment */ SELECT 'it''s; fine', "odd;name" FROM t;
        DO $$ BEGIN PERFORM 1; END $$;
        -- trailing comment only
    """
    statements = split_statements(script)
    assert len(statements) == 3
    assert statements[0].endswith("$body$ SELECT 'a;b' $body$;")
    assert statements[1].endswith('"odd;name" FROM t;')
    assert statements[2] == "DO $$ BEGIN PERFORM 1; END $$;"


@pytest.mark.parametrize(
    "filenames",
    [("V1_missing_underscore.sql",), ("V0001__a.sql", "V1__b.sql"), ("v0001__lowercase.sql",)],
)
def test_misnamed_or_duplicate_files_are_refused(tmp_path, filenames):
    for filename in filenames:
        (tmp_path / filename).write_text("SELECT 1;\n")
    (tmp_path / "README.md").write_text("ignored\n")
    with pytest.raises(MigrationError):
        load_migrations(tmp_path)


def test_default_directory_follows_migrations_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("MIGRATIONS_DIR", raising=False)
    repo_dir = default_migrations_dir()
    assert repo_dir.name == "migrations"
    assert (repo_dir / "V0001__core_schema.sql").is_file()
    monkeypatch.setenv("MIGRATIONS_DIR", str(tmp_path))
    assert default_migrations_dir() == tmp_path


def test_ensure_database_creates_once(pg_admin_url):
    name = f"op_ensure_{uuid.uuid4().hex[:10]}"
    try:
        assert ensure_database(pg_admin_url, name) is True
        assert ensure_database(pg_admin_url, name) is False
        with psycopg.connect(with_connection_params(pg_admin_url, dbname=name)) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == name
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_cli_creates_the_database_and_migrates_it(pg_admin_url, database, capsys, monkeypatch):
    name = f"op_cli_{uuid.uuid4().hex[:10]}"
    url = with_connection_params(pg_admin_url, dbname=name)
    # the session's own app password: roles are cluster-wide, and other tests connect with it
    monkeypatch.setenv("OP_TEST_APP_PASSWORD", database.app_password)
    try:
        assert main(["--database-url", url, "--create-database", "--app-password-env", "OP_TEST_APP_PASSWORD"]) == 0
        out = capsys.readouterr().out
        assert "applied: 0001, 0002, 0003" in out
        assert database.app_password not in out
        assert main(["--database-url", url, "--dry-run"]) == 0
        assert "pending: none" in capsys.readouterr().out
        monkeypatch.delenv("OP_TEST_APP_PASSWORD")
        with pytest.raises(SystemExit):
            main(["--database-url", url, "--app-password-env", "OP_TEST_APP_PASSWORD"])
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------
# The schema, from the catalog
# ---------------------------------------------------------------------------------------


def test_every_table_exists(admin_conn):
    tables = set(public_tables(admin_conn))
    assert tables >= SEED_TABLES | EXTRA_TABLES | INFRASTRUCTURE_TABLES
    assert len(SEED_TABLES) == 17


def test_every_table_is_tenant_owned_with_forced_rls(admin_conn):
    rows = admin_conn.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner),
               a.attnotnull
        FROM pg_class c
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        ORDER BY 1
        """
    ).fetchall()
    assert len(rows) >= 21
    for table, rls, forced, owner, tenant_not_null in rows:
        assert owner == OWNER_ROLE, table
        if table in INFRASTRUCTURE_TABLES:
            continue
        assert tenant_not_null is True, f"{table}: needs tenant_id NOT NULL"
        assert (rls, forced) == (True, True), f"{table}: RLS must be enabled and forced"


def test_every_tenant_table_has_both_policies(admin_conn):
    policies: dict[str, dict[str, tuple]] = {}
    for table, name, roles, cmd, qual, check in admin_conn.execute(
        "SELECT tablename, policyname, roles::text[], cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
    ):
        policies.setdefault(table, {})[name] = (roles, cmd, qual, check)
    for table in tenant_tables(admin_conn):
        assert set(policies.get(table, {})) == {"tenant_isolation", "owner_all"}, table
        roles, cmd, qual, check = policies[table]["tenant_isolation"]
        assert roles == [APP_ROLE] and cmd == "ALL", table
        assert qual == check == "(tenant_id = app_current_tenant())", table
        roles, cmd, qual, check = policies[table]["owner_all"]
        assert roles == [OWNER_ROLE] and qual == "true", table


def test_every_table_has_timestamps_and_the_updated_at_trigger(admin_conn):
    triggers = {
        row[0]
        for row in admin_conn.execute(
            """
            SELECT tgrelid::regclass::text FROM pg_trigger
            WHERE tgname = 'set_updated_at' AND tgfoid = 'app_set_updated_at()'::regprocedure AND NOT tgisinternal
            """
        )
    }
    for table in tenant_tables(admin_conn):
        columns = dict(
            admin_conn.execute(
                """
                SELECT a.attname, format('%%s %%s %%s', format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                         pg_get_expr(d.adbin, d.adrelid))
                FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE a.attrelid = %s::regclass AND a.attname IN ('created_at', 'updated_at')
                """,
                (f"public.{table}",),
            ).fetchall()
        )
        assert columns == {
            "created_at": "timestamp with time zone t now()",
            "updated_at": "timestamp with time zone t now()",
        }, table
        assert table in triggers, f"{table}: no set_updated_at trigger"


def test_every_timestamp_is_timestamptz(admin_conn):
    naive = admin_conn.execute(
        """
        SELECT table_name || '.' || column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'
        """
    ).fetchall()
    assert naive == []


@pytest.mark.parametrize(("table", "column"), sorted(ENUMS))
def test_enumerated_columns_have_exact_checks(admin_conn, table, column):
    definitions = [
        row[0]
        for row in admin_conn.execute(
            """
            SELECT pg_get_constraintdef(con.oid) FROM pg_constraint con
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
            WHERE con.contype = 'c' AND con.conrelid = %s::regclass AND a.attname = %s
            """,
            (f"public.{table}", column),
        )
    ]
    allowed = [set(re.findall(r"'([^']*)'::text", d)) for d in definitions]
    assert ENUMS[(table, column)] in allowed, definitions


def test_roles_cannot_defeat_rls(admin_conn):
    app = admin_conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcanlogin, rolinherit FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
    ).fetchone()
    assert app == (False, False, True, False)
    owner = admin_conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s", (OWNER_ROLE,)
    ).fetchone()
    assert owner == (False, False, False)
    assert admin_conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (APP_ROLE, OWNER_ROLE)).fetchone()[0] is False
    # the app role owns nothing in the database
    owned = admin_conn.execute(
        """
        SELECT count(*) FROM pg_class WHERE relowner = %(r)s::regrole
        UNION ALL SELECT count(*) FROM pg_proc WHERE proowner = %(r)s::regrole
        UNION ALL SELECT count(*) FROM pg_namespace WHERE nspowner = %(r)s::regrole
        """,
        {"r": APP_ROLE},
    ).fetchall()
    assert owned == [(0,), (0,), (0,)]


def test_app_role_password_is_stored_as_scram(admin_conn):
    verifier = admin_conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (APP_ROLE,)).fetchone()[0]
    assert verifier.startswith("SCRAM-SHA-256$")


def test_app_role_privileges_are_plain_dml(admin_conn):
    for table in tenant_tables(admin_conn):
        privileges = {
            privilege: admin_conn.execute(
                "SELECT has_table_privilege(%s, %s, %s)", (APP_ROLE, f"public.{table}", privilege)
            ).fetchone()[0]
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
        }
        expected_update_delete = table != "audit_log"  # the audit trail is append-only
        assert privileges == {
            "SELECT": True, "INSERT": True, "UPDATE": expected_update_delete, "DELETE": expected_update_delete,
            "TRUNCATE": False, "REFERENCES": False, "TRIGGER": False,
        }, table
    history_privileges = admin_conn.execute(
        "SELECT has_table_privilege(%s, 'public.schema_migrations', 'SELECT'), "
        "has_table_privilege(%s, 'public.schema_migrations', 'INSERT,UPDATE,DELETE')",
        (APP_ROLE, APP_ROLE),
    ).fetchone()
    assert history_privileges == (True, False)
    assert admin_conn.execute(
        "SELECT has_schema_privilege(%s, 'public', 'CREATE')", (APP_ROLE,)
    ).fetchone()[0] is False


def test_resolvers_are_security_definer_with_a_fixed_search_path(admin_conn):
    for signature in RESOLVERS:
        secdef, config, owner, public_can_execute, app_can_execute = admin_conn.execute(
            """
            SELECT p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner),
                   EXISTS (SELECT 1 FROM aclexplode(p.proacl) WHERE grantee = 0 AND privilege_type = 'EXECUTE'),
                   has_function_privilege(%s, p.oid, 'EXECUTE')
            FROM pg_proc p WHERE p.oid = %s::regprocedure
            """,
            (APP_ROLE, f"public.{signature}"),
        ).fetchone()
        assert (secdef, owner) == (True, OWNER_ROLE), signature
        assert config == ["search_path=public, pg_temp"], signature
        assert public_can_execute is False, signature
        assert app_can_execute is True, signature
    assert admin_conn.execute(
        "SELECT has_function_privilege(%s, 'public.app_secure_tenant_table(regclass)', 'EXECUTE')", (APP_ROLE,)
    ).fetchone()[0] is False


# ---------------------------------------------------------------------------------------
# Constraints doing their job (as admin: RLS is tested in test_rls.py)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def graph(database, admin_conn):
    tenant_id = make_tenant(database)
    return seed_tenant_graph(admin_conn, tenant_id)


def test_slug_is_unique_per_tenant_by_a_named_constraint(database, admin_conn, graph):
    insert = "INSERT INTO events (tenant_id, name, slug) VALUES (%s, 'Again', %s)"
    with pytest.raises(errors.UniqueViolation) as caught:
        admin_conn.execute(insert, (graph["tenant_id"], f"expo-{graph['tag']}"))
    assert caught.value.diag.constraint_name == "events_tenant_slug_key"
    admin_conn.execute(insert, (make_tenant(database), f"expo-{graph['tag']}"))  # another tenant: fine


def test_event_must_end_after_it_starts(admin_conn, graph):
    with pytest.raises(errors.CheckViolation) as caught:
        admin_conn.execute(
            "INSERT INTO events (tenant_id, name, slug, starts_at, ends_at) VALUES (%s, 'X', 'x', '2030-01-02', '2030-01-01')",
            (graph["tenant_id"],),
        )
    assert caught.value.diag.constraint_name == "events_ends_after_starts_check"


def test_enumerated_value_outside_the_set_is_rejected(admin_conn, graph):
    with pytest.raises(errors.CheckViolation) as caught:
        admin_conn.execute("UPDATE users SET role = 'owner' WHERE user_id = %s", (graph["user_id"],))
    assert caught.value.diag.constraint_name == "users_role_check"


def test_attendee_email_is_unique_per_event_ignoring_case_and_upserts(admin_conn, graph):
    email = f"ADA-{graph['tag']}@EXAMPLE.test"
    with pytest.raises(errors.UniqueViolation):
        admin_conn.execute(
            "INSERT INTO attendees (tenant_id, event_id, email) VALUES (%s, %s, %s)",
            (graph["tenant_id"], graph["event_id"], email),
        )
    row = admin_conn.execute(
        """
        INSERT INTO attendees (tenant_id, event_id, email, title) VALUES (%s, %s, %s, 'CTO')
        ON CONFLICT (event_id, lower(email)) WHERE email IS NOT NULL DO UPDATE SET title = EXCLUDED.title
        RETURNING attendee_id, title
        """,
        (graph["tenant_id"], graph["event_id"], email),
    ).fetchone()
    assert row == (graph["attendee_id"], "CTO")
    # attendees without an e-mail address do not collide
    for _ in range(2):
        admin_conn.execute(
            "INSERT INTO attendees (tenant_id, event_id, first_name) VALUES (%s, %s, 'Anon')",
            (graph["tenant_id"], graph["event_id"]),
        )


def test_references_cannot_cross_tenants(database, admin_conn, graph):
    other = seed_tenant_graph(admin_conn, make_tenant(database))
    with pytest.raises(errors.ForeignKeyViolation) as caught:
        admin_conn.execute(
            "INSERT INTO attendees (tenant_id, event_id, email) VALUES (%s, %s, 'x@example.test')",
            (graph["tenant_id"], other["event_id"]),
        )
    assert caught.value.diag.constraint_name == "attendees_event_fkey"
    with pytest.raises(errors.ForeignKeyViolation):
        admin_conn.execute(
            "INSERT INTO card_view_events (tenant_id, card_id) VALUES (%s, %s)", (graph["tenant_id"], other["card_id"])
        )


def test_updated_at_moves_on_change_only(admin_conn, graph):
    admin_conn.execute("SET session_replication_role = replica")  # triggers off, to backdate the row
    admin_conn.execute(
        "UPDATE cards SET created_at = '2001-01-01', updated_at = '2001-01-01' WHERE card_id = %s", (graph["card_id"],)
    )
    admin_conn.execute("RESET session_replication_role")

    admin_conn.execute("UPDATE cards SET title = title WHERE card_id = %s", (graph["card_id"],))
    unchanged = admin_conn.execute("SELECT updated_at::date FROM cards WHERE card_id = %s", (graph["card_id"],)).fetchone()[0]
    assert str(unchanged) == "2001-01-01"

    with admin_conn.transaction():
        admin_conn.execute("UPDATE cards SET title = 'Countess' WHERE card_id = %s", (graph["card_id"],))
        changed = admin_conn.execute(
            "SELECT updated_at = now(), created_at::date FROM cards WHERE card_id = %s", (graph["card_id"],)
        ).fetchone()
    assert changed[0] is True
    assert str(changed[1]) == "2001-01-01"


def test_scan_daily_rollup_upserts_with_null_dimensions(admin_conn, graph):
    upsert = """
        INSERT INTO scan_daily (tenant_id, day, metric, source_type, event_id, card_id, count)
        VALUES (%s, '2030-05-02', 'card_views', NULL, %s, NULL, %s)
        ON CONFLICT ON CONSTRAINT scan_daily_rollup_key DO UPDATE SET count = EXCLUDED.count
        RETURNING scan_daily_id
    """
    first = admin_conn.execute(upsert, (graph["tenant_id"], graph["event_id"], 5)).fetchone()[0]
    second = admin_conn.execute(upsert, (graph["tenant_id"], graph["event_id"], 7)).fetchone()[0]
    assert first == second
    counts = admin_conn.execute(
        "SELECT count FROM scan_daily WHERE tenant_id = %s AND day = '2030-05-02'", (graph["tenant_id"],)
    ).fetchall()
    assert counts == [(7,)]


def test_deleting_a_tenant_removes_all_its_rows(database, admin_conn, graph):
    keep = seed_tenant_graph(admin_conn, make_tenant(database))
    admin_conn.execute("DELETE FROM tenants WHERE tenant_id = %s", (graph["tenant_id"],))
    for table in tenant_tables(admin_conn):
        left, kept = admin_conn.execute(
            f"SELECT count(*) FILTER (WHERE tenant_id = %s), count(*) FILTER (WHERE tenant_id = %s) FROM {table}",
            (graph["tenant_id"], keep["tenant_id"]),
        ).fetchone()
        assert left == 0, table
        if table in SEEDED_TABLES:
            assert kept >= 1, table


def test_purge_applies_the_retention_rules(database, admin_conn, graph):
    tenant_id = graph["tenant_id"]
    jobs = {}
    for label, status, age_days in (
        ("succeeded_old", "succeeded", 8), ("succeeded_recent", "succeeded", 6),
        ("failed_old", "failed", 31), ("failed_recent", "failed", 29), ("running_old", "running", 90),
    ):
        jobs[label] = admin_conn.execute(
            """INSERT INTO jobs (tenant_id, kind, status, started_at, finished_at)
               VALUES (%s, 'emails', %s, now() - make_interval(days => %s + 1),
                       CASE WHEN %s IN ('succeeded', 'failed') THEN now() - make_interval(days => %s) END)
               RETURNING job_id""",
            (tenant_id, status, age_days, status, age_days),
        ).fetchone()[0]
    admin_conn.execute(
        "INSERT INTO message_contexts (message_id, tenant_id, recipient_email, expires_at) VALUES (%s, %s, 'a@example.test', now() - interval '1 second')",
        (f"expired-{graph['tag']}", tenant_id),
    )
    admin_conn.execute(
        "INSERT INTO audit_log (tenant_id, action, entity_type, occurred_at) VALUES (%s, 'old', 'event', now() - interval '2 years 1 day')",
        (tenant_id,),
    )

    with psycopg.connect(database.app_url) as app:  # the scheduled job connects as the app role
        deleted = dict(app.execute("SELECT * FROM app_purge_expired()").fetchall())
    assert deleted["jobs"] >= 2 and deleted["message_contexts"] >= 1 and deleted["audit_log"] >= 1

    remaining = {
        row[0] for row in admin_conn.execute("SELECT job_id FROM jobs WHERE job_id = ANY(%s)", (list(jobs.values()),))
    }
    assert remaining == {jobs["succeeded_recent"], jobs["failed_recent"], jobs["running_old"]}
    assert admin_conn.execute(
        "SELECT count(*) FROM message_contexts WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()[0] == 1  # the seeded, unexpired one
    assert admin_conn.execute(
        "SELECT array_agg(action) FROM audit_log WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()[0] == ["event.create"]


# ---------------------------------------------------------------------------------------
# The CloudFormation custom resource (Secrets Manager faked by moto, the database real)
# ---------------------------------------------------------------------------------------


def scram_matches(verifier: str, password: str) -> bool:
    """Whether a PostgreSQL SCRAM-SHA-256 verifier was made from this password (RFC 5802)."""
    import base64
    import hashlib
    import hmac

    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$", 1)
    iterations, salt = iterations_salt.split(":", 1)
    stored_key, _server_key = keys.split(":", 1)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key


@pytest.fixture
def aws(local_stack):
    """Secrets Manager on the local stack's moto server (not moto.mock_aws, which would reset the
    process-wide moto state every other end-to-end test shares)."""
    return local_stack.boto("secretsmanager")


@pytest.fixture
def custom_resource_env(aws, monkeypatch, pg_admin_url, database):
    """The environment the stack gives the function, pointing at a database that does not exist yet."""
    from psycopg.conninfo import conninfo_to_dict

    server = conninfo_to_dict(pg_admin_url)
    name = f"op_cr_{uuid.uuid4().hex[:10]}"
    master = aws.create_secret(
        Name=f"outreachpass/test/master-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps({
            "username": server.get("user", "postgres"), "password": server.get("password", ""),
            "host": "db.invalid", "port": 5432, "dbname": "postgres", "engine": "postgres",
        }),
    )["ARN"]
    app = aws.create_secret(
        Name=f"outreachpass/test/app-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps({"username": APP_ROLE, "password": database.app_password}),
    )["ARN"]
    monkeypatch.setenv("MASTER_SECRET_ARN", master)
    monkeypatch.setenv("DB_SECRET_ARN", app)
    monkeypatch.setenv("DB_HOST", str(server.get("host", "localhost")))  # overrides the secret's host
    monkeypatch.setenv("DB_PORT", str(server.get("port", 5432)))
    monkeypatch.setenv("DB_NAME", name)
    monkeypatch.setenv("DB_SSLMODE", "prefer")
    yield {"dbname": name, "url": with_connection_params(pg_admin_url, dbname=name), "app_secret": app}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cfn_event(request_type: str, **extra) -> dict:
    event = {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:provider",
        "ResourceType": "Custom::OutreachPassMigrations",
        "LogicalResourceId": "Migrations",
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/OutreachPass-test-Data/1",
        "RequestId": str(uuid.uuid4()),
        "ResourceProperties": {"MigrationsHash": "abc"},
    }
    event.update(extra)
    return event


def test_custom_resource_creates_migrates_and_sets_the_app_password(custom_resource_env, pg_admin_url, database):
    from handlers.jobs.migrate import PHYSICAL_RESOURCE_ID, handler

    expected = [m.version for m in load_migrations(default_migrations_dir())]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"ALTER ROLE {APP_ROLE} PASSWORD NULL")
    try:
        created = handler(cfn_event("Create"), None)
        assert created == {"PhysicalResourceId": PHYSICAL_RESOURCE_ID, "Data": {"applied": ",".join(expected)}}
        assert [row[0] for row in history(custom_resource_env["url"])] == expected
        with psycopg.connect(pg_admin_url) as admin:
            verifier = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (APP_ROLE,)).fetchone()[0]
        assert scram_matches(verifier, database.app_password)
        assert not scram_matches(verifier, database.app_password + "x")

        updated = handler(cfn_event("Update", PhysicalResourceId=PHYSICAL_RESOURCE_ID), None)
        assert updated == {"PhysicalResourceId": PHYSICAL_RESOURCE_ID, "Data": {"applied": ""}}
    finally:  # roles are cluster-wide: leave the shared app role as the session set it up
        apply_migrations(database.admin_url, app_password=database.app_password)


def test_custom_resource_delete_leaves_the_database_alone(custom_resource_env, pg_admin_url):
    from handlers.jobs.migrate import PHYSICAL_RESOURCE_ID, handler

    deleted = handler(cfn_event("Delete", PhysicalResourceId=PHYSICAL_RESOURCE_ID), None)
    assert deleted["PhysicalResourceId"] == PHYSICAL_RESOURCE_ID
    with psycopg.connect(pg_admin_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (custom_resource_env["dbname"],)).fetchone()
    assert exists is None  # Delete neither created nor touched anything


def test_custom_resource_refuses_a_secret_for_another_role(custom_resource_env, aws, pg_admin_url):
    from handlers.jobs.migrate import handler

    aws.put_secret_value(
        SecretId=custom_resource_env["app_secret"], SecretString=json.dumps({"username": "postgres", "password": "x"})
    )
    with pytest.raises(ValueError, match="outreachpass_app"):
        handler(cfn_event("Create"), None)
    with psycopg.connect(pg_admin_url) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (custom_resource_env["dbname"],)).fetchone()
    assert exists is None
