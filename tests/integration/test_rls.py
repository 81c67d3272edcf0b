"""Row-level security, seen by the application role: tenant A's transaction reads and writes
A's rows only; with no tenant set it reads and writes nothing; the SECURITY DEFINER
resolvers are the only cross-tenant door and return just a tenant id.

Two tenants get one linked row in every table (seed_tenant_graph); every check runs as
`outreachpass_app`, exactly as the Lambda functions connect, and rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

from tests.fixtures.database import SEEDED_TABLES, make_tenant, seed_tenant_graph

SET_TENANT = "SELECT set_config('app.tenant_id', %s, true)"


@pytest.fixture(scope="module")
def tenants(database) -> dict[str, dict]:
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        a = seed_tenant_graph(admin, make_tenant(database, "Tenant A"))
        b = seed_tenant_graph(admin, make_tenant(database, "Tenant B"))
    return {"a": a, "b": b}


@pytest.fixture
def app(database) -> Iterator[psycopg.Connection]:
    """The app role, in a transaction that is always rolled back."""
    conn = psycopg.connect(database.app_url)
    try:
        assert conn.execute("SELECT current_user").fetchone()[0] == "outreachpass_app"
        yield conn
    finally:
        conn.rollback()
        conn.close()


def as_tenant(conn: psycopg.Connection, tenant_id) -> None:
    conn.execute(SET_TENANT, (str(tenant_id),))


def row_as_json(database, table: str, tenant_id) -> dict:
    with psycopg.connect(database.admin_url) as admin:
        return admin.execute(f"SELECT to_jsonb(t) FROM {table} t WHERE tenant_id = %s LIMIT 1", (tenant_id,)).fetchone()[0]


def rows_per_tenant(database, table: str, tenant_id) -> int:
    with psycopg.connect(database.admin_url) as admin:
        return admin.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_id,)).fetchone()[0]


def all_tenant_tables(database) -> list[str]:
    with psycopg.connect(database.admin_url) as admin:
        return [
            row[0]
            for row in admin.execute(
                """
                SELECT c.relname FROM pg_class c
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1
                """
            )
        ]


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", SEEDED_TABLES)
def test_select_without_where_returns_only_the_current_tenants_rows(app, database, tenants, table):
    a, b = tenants["a"]["tenant_id"], tenants["b"]["tenant_id"]
    as_tenant(app, a)
    seen = [row[0] for row in app.execute(f"SELECT tenant_id FROM {table}")]
    assert seen, f"{table}: the app role should see tenant A's row"
    assert set(seen) == {a}
    assert len(seen) == rows_per_tenant(database, table, a)
    assert rows_per_tenant(database, table, b) >= 1  # B's rows exist, they are just invisible


@pytest.mark.parametrize("table", SEEDED_TABLES)
def test_without_a_tenant_the_app_role_sees_nothing(app, tenants, table):
    assert app.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    app.execute(SET_TENANT, ("",))  # an empty setting counts as unset
    assert app.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_every_tenant_table_hides_other_tenants(app, database, tenants):
    """Catalog-driven: covers tables added by later migrations too."""
    tables = all_tenant_tables(database)
    assert set(SEEDED_TABLES) <= set(tables)
    as_tenant(app, tenants["a"]["tenant_id"])
    for table in tables:
        foreign = app.execute(f"SELECT count(*) FROM {table} WHERE tenant_id <> %s", (tenants["a"]["tenant_id"],))
        assert foreign.fetchone()[0] == 0, table


def test_the_tenant_setting_is_local_to_its_transaction(app, tenants):
    as_tenant(app, tenants["a"]["tenant_id"])
    assert app.execute("SELECT count(*) FROM events").fetchone()[0] >= 1
    app.commit()
    # a pooled connection's next transaction starts with no tenant: fail closed
    assert app.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert app.execute("SELECT app_current_tenant()").fetchone()[0] is None


def test_a_malformed_tenant_id_is_an_error_not_a_match(app, tenants):
    app.execute(SET_TENANT, ("not-a-uuid",))
    with pytest.raises(errors.InvalidTextRepresentation):
        app.execute("SELECT * FROM events").fetchall()


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------

# Copy a row of the table with another tenant_id: jsonb_populate_record rebuilds a complete
# row of the table's type, so this works for any table (ids included: RLS is checked
# before unique constraints).
# Generated columns (e.g. the attendee search keys) cannot be written, so only the others are copied.
def copy_as(database, table: str) -> str:
    with psycopg.connect(database.admin_url) as conn:
        columns = [row[0] for row in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            (table,),
        )]
    listed = ", ".join(f'"{column}"' for column in columns)
    return (
        f"INSERT INTO {table} ({listed}) SELECT {listed} FROM "
        f"jsonb_populate_record(NULL::{table}, %s::jsonb || jsonb_build_object('tenant_id', %s::text))"
    )


@pytest.mark.parametrize("table", SEEDED_TABLES)
def test_inserting_a_row_for_another_tenant_is_refused(app, database, tenants, table):
    a, b = tenants["a"]["tenant_id"], tenants["b"]["tenant_id"]
    row = row_as_json(database, table, a)
    as_tenant(app, a)
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        app.execute(copy_as(database, table), (Jsonb(row), str(b)))


@pytest.mark.parametrize("table", SEEDED_TABLES)
def test_inserting_without_a_tenant_is_refused(app, database, tenants, table):
    a = tenants["a"]["tenant_id"]
    row = row_as_json(database, table, a)
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        app.execute(copy_as(database, table), (Jsonb(row), str(a)))


def test_inserting_for_the_current_tenant_works(app, tenants):
    a = tenants["a"]
    as_tenant(app, a["tenant_id"])
    created = app.execute(
        "INSERT INTO events (tenant_id, brand_id, name, slug) VALUES (%s, %s, 'Meetup', %s) RETURNING tenant_id",
        (a["tenant_id"], a["brand_id"], f"meetup-{uuid.uuid4().hex[:8]}"),
    ).fetchone()
    assert created == (a["tenant_id"],)


@pytest.mark.parametrize("table", [t for t in SEEDED_TABLES if t != "audit_log"])
def test_updating_and_deleting_another_tenants_rows_affects_nothing(app, database, tenants, table):
    a, b = tenants["a"]["tenant_id"], tenants["b"]["tenant_id"]
    as_tenant(app, a)
    touch = f"UPDATE {table} SET updated_at = updated_at WHERE tenant_id = %s"
    assert app.execute(touch, (b,)).rowcount == 0
    assert app.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (b,)).rowcount == 0
    # the same statements do reach the current tenant's rows
    assert app.execute(touch, (a,)).rowcount == rows_per_tenant(database, table, a)
    app.rollback()
    assert rows_per_tenant(database, table, b) >= 1


@pytest.mark.parametrize("table", [t for t in SEEDED_TABLES if t != "audit_log"])
def test_moving_a_row_to_another_tenant_is_refused(app, tenants, table):
    a, b = tenants["a"]["tenant_id"], tenants["b"]["tenant_id"]
    as_tenant(app, a)
    with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
        app.execute(f"UPDATE {table} SET tenant_id = %s WHERE tenant_id = %s", (b, a))


def test_the_audit_log_is_append_only_for_the_app_role(app, tenants):
    as_tenant(app, tenants["a"]["tenant_id"])
    app.execute(
        "INSERT INTO audit_log (tenant_id, action, entity_type) VALUES (%s, 'test.append', 'test')",
        (tenants["a"]["tenant_id"],),
    )
    with pytest.raises(errors.InsufficientPrivilege):
        app.execute("UPDATE audit_log SET action = 'rewritten' WHERE tenant_id = %s", (tenants["a"]["tenant_id"],))
    app.rollback()
    as_tenant(app, tenants["a"]["tenant_id"])
    with pytest.raises(errors.InsufficientPrivilege):
        app.execute("DELETE FROM audit_log WHERE tenant_id = %s", (tenants["a"]["tenant_id"],))


def test_a_reference_to_another_tenants_row_is_refused(app, tenants):
    a, b = tenants["a"], tenants["b"]
    as_tenant(app, a["tenant_id"])
    with pytest.raises(errors.ForeignKeyViolation):
        app.execute(
            "INSERT INTO attendees (tenant_id, event_id, email) VALUES (%s, %s, 'mallory@example.test')",
            (a["tenant_id"], b["event_id"]),
        )


# ---------------------------------------------------------------------------------------
# Resolvers: callable without a tenant, returning only a tenant id
# ---------------------------------------------------------------------------------------


def resolve(conn: psycopg.Connection, function: str, argument):
    return conn.execute(f"SELECT {function}(%s)", (argument,)).fetchone()[0]


def test_card_resolver(app, database, tenants):
    a, b = tenants["a"], tenants["b"]
    assert resolve(app, "app_card_tenant", a["card_id"]) == a["tenant_id"]
    assert resolve(app, "app_card_tenant", b["card_id"]) == b["tenant_id"]
    assert resolve(app, "app_card_tenant", uuid.uuid4()) is None
    # still nothing readable directly: the resolver is the only door
    assert app.execute("SELECT count(*) FROM cards").fetchone()[0] == 0


def test_card_resolver_ignores_deleted_cards_and_disabled_tenants(app, database):
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        deleted = seed_tenant_graph(admin, make_tenant(database))
        admin.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (deleted["card_id"],))
        disabled = seed_tenant_graph(admin, make_tenant(database))
        admin.execute("UPDATE tenants SET status = 'disabled' WHERE tenant_id = %s", (disabled["tenant_id"],))
    assert resolve(app, "app_card_tenant", deleted["card_id"]) is None
    assert resolve(app, "app_card_tenant", disabled["card_id"]) is None
    assert resolve(app, "app_pass_tenant", disabled["serial_number"]) is None
    assert resolve(app, "app_message_tenant", disabled["message_id"]) is None


def test_message_resolver(app, database, tenants):
    a, b = tenants["a"], tenants["b"]
    assert resolve(app, "app_message_tenant", a["message_id"]) == a["tenant_id"]
    assert resolve(app, "app_message_tenant", b["provider_message_id"]) == b["tenant_id"]
    assert resolve(app, "app_message_tenant", "msg-unknown-000") is None
    expired = f"expired-{uuid.uuid4().hex}"
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        admin.execute(
            "INSERT INTO message_contexts (message_id, tenant_id, recipient_email, expires_at) VALUES (%s, %s, 'x@example.test', now() - interval '1 minute')",
            (expired, a["tenant_id"]),
        )
    assert resolve(app, "app_message_tenant", expired) is None


def test_pass_resolver(app, tenants):
    a, b = tenants["a"], tenants["b"]
    assert resolve(app, "app_pass_tenant", a["serial_number"]) == a["tenant_id"]
    assert resolve(app, "app_pass_tenant", b["serial_number"]) == b["tenant_id"]
    assert resolve(app, "app_pass_tenant", "serial-unknown") is None


def test_device_serials_span_tenants_and_honour_the_tag(app, database, tenants):
    a, b = tenants["a"], tenants["b"]
    device = f"device-shared-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database.admin_url, autocommit=True) as admin:
        for t in (a, b):
            admin.execute(
                "INSERT INTO wallet_device_registrations (device_library_id, pass_type_id, serial_number, push_token, tenant_id) VALUES (%s, %s, %s, 'push', %s)",
                (device, t["pass_type_id"], t["serial_number"], t["tenant_id"]),
            )
        admin.execute(
            "UPDATE wallet_passes SET last_updated_at = '2030-01-01' WHERE serial_number = %s", (a["serial_number"],)
        )
        admin.execute(
            "UPDATE wallet_passes SET last_updated_at = '2030-06-01' WHERE serial_number = %s", (b["serial_number"],)
        )
    everything = app.execute(
        "SELECT serial_number FROM app_device_updated_serials(%s, %s)", (device, a["pass_type_id"])
    ).fetchall()
    assert everything == [(a["serial_number"],), (b["serial_number"],)]
    since = app.execute(
        "SELECT serial_number FROM app_device_updated_serials(%s, %s, '2030-03-01')", (device, a["pass_type_id"])
    ).fetchall()
    assert since == [(b["serial_number"],)]
    assert app.execute(
        "SELECT count(*) FROM app_device_updated_serials(%s, 'pass.other')", (device,)
    ).fetchone()[0] == 0


def test_tenant_enumeration_for_platform_jobs(app, tenants):
    listed = {row[0]: row[1] for row in app.execute("SELECT tenant_id, status FROM app_tenant_ids()")}
    assert listed[tenants["a"]["tenant_id"]] == "active"
    assert listed[tenants["b"]["tenant_id"]] == "active"


def test_resolvers_do_not_open_the_tables_to_the_caller(app, tenants):
    """A SECURITY DEFINER call must not leave the caller with the owner's visibility."""
    as_tenant(app, tenants["a"]["tenant_id"])
    assert resolve(app, "app_card_tenant", tenants["b"]["card_id"]) == tenants["b"]["tenant_id"]
    assert app.execute("SELECT count(*) FROM cards WHERE tenant_id = %s", (tenants["b"]["tenant_id"],)).fetchone()[0] == 0
    assert app.execute("SELECT current_user").fetchone()[0] == "outreachpass_app"
