"""One PostgreSQL connection per container, and the tenant-scoped transaction every request runs in.

Row-level security does the isolation: each transaction sets `app.tenant_id` with a
parameterized `set_config(..., true)` (local to the transaction), and the policies compare
every row with it. Without a tenant the application role sees nothing, so forgetting to set
one fails closed. Queries still filter on tenant_id explicitly (defence in depth, and it
lets the planner use the tenant indexes).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from uuid import UUID

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads

from outreachpass.config import Settings, settings
from outreachpass.errors import ServiceUnavailable
from outreachpass.jsonutil import loads_stored
from outreachpass.lazy import lazy
from outreachpass.principal import TenantDisabled, request_caller

log = logging.getLogger(__name__)

# Errors that mean "the database is not there right now", answered as 503.
_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)


def conninfo_from(config: Settings) -> str:
    """The application role's connection string: DATABASE_URL, or the proxy host plus the secret."""
    if config.database_url:
        return config.database_url
    if not (config.db_host and config.db_secret_arn):
        raise RuntimeError("no database configured: set DATABASE_URL, or DB_HOST and DB_SECRET_ARN")
    # Through the secrets extension where the function has it: no AWS SDK on a database function's path.
    from outreachpass.integrations.secrets import SecretUnavailable, secret_json

    try:
        secret = secret_json(config.db_secret_arn, max_age_s=300)
    except (SecretUnavailable, ValueError) as exc:
        log.warning("reading the database secret failed: %s", exc)
        raise ServiceUnavailable("The database is unavailable, please retry shortly") from None
    return psycopg.conninfo.make_conninfo(
        host=config.db_host,
        port=config.db_port,
        dbname=config.db_name,
        user=secret["username"],
        password=secret["password"],
        sslmode="require",
    )


class Database:
    """Connections opened lazily and reused: in Lambda one per container; the threaded local
    server borrows from the same idle list, so neither pays a connect per request."""

    def __init__(self, conninfo: str | None = None, *, config: Settings | None = None, max_idle: int = 8):
        self._conninfo = conninfo
        self._config = config
        self._max_idle = max_idle
        self._idle: list[psycopg.Connection[DictRow]] = []
        self._lock = threading.Lock()

    def _open(self) -> psycopg.Connection[DictRow]:
        config = self._config or settings()
        conninfo = self._conninfo or conninfo_from(config)
        try:
            conn = psycopg.connect(
                conninfo,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=config.db_connect_timeout_s,
                options=f"-c statement_timeout={config.db_statement_timeout_ms}",
                application_name=config.service_name,
            )
        except _UNAVAILABLE as exc:
            log.warning("database connection failed: %s", type(exc).__name__)
            raise ServiceUnavailable("The database is unavailable, please retry shortly") from exc
        set_json_loads(loads_stored, conn)  # a stored value Python cannot parse must not fail the query
        return conn

    def _checkout(self) -> psycopg.Connection[DictRow]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not (conn.closed or conn.broken):
                    return conn
        return self._open()

    def _checkin(self, conn: psycopg.Connection[DictRow]) -> None:
        if conn.closed or conn.broken:
            return
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def transaction(self, tenant_id: UUID | str | None, *, active_tenant: bool = False) -> Iterator[psycopg.Connection[DictRow]]:
        """A transaction with `app.tenant_id` set (or unset, for the SECURITY DEFINER resolvers).
        active_tenant: refuse (TenantDisabled) when the tenant is not active, checked in the
        same round trip that sets it (for a tenant's queued work)."""
        conn = self._checkout()
        try:
            with conn.transaction():
                if tenant_id is not None:
                    _begin(conn, tenant_id, active_tenant=active_tenant)
                yield conn
        except _UNAVAILABLE as exc:
            conn.close()
            log.warning("database unavailable mid-request: %s", type(exc).__name__)
            raise ServiceUnavailable("The database is unavailable, please retry shortly") from exc
        finally:
            self._checkin(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _begin(conn: psycopg.Connection[DictRow], tenant_id: UUID | str, *, active_tenant: bool) -> None:
    """Sets the transaction's tenant. In an authenticated request of that tenant, the same
    round trip reads the caller's current state, and a caller the database refuses (unknown,
    disabled, disabled tenant, stored role not allowed) stops here, before any other statement.
    For a tenant's queued work (active_tenant), the same round trip reads the tenant's status."""
    caller = request_caller()
    if caller is not None and str(caller.principal.tenant_id) == str(tenant_id):
        row = conn.execute(
            "SELECT * FROM app_begin_request(%s, %s)", (str(tenant_id), caller.principal.subject)
        ).fetchone()
        caller.accept(row)
        return
    if active_tenant:
        require_active_tenant(conn, tenant_id)
        return
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))


def require_active_tenant(conn: psycopg.Connection[DictRow], tenant_id: UUID | str) -> None:
    """Sets the transaction's tenant and raises TenantDisabled unless it is active. Work that runs
    long in one transaction (an import) calls it again before its last writes, so a tenant
    disabled meanwhile gets nothing of it committed."""
    row = conn.execute("SELECT app_begin_tenant_work(%s) AS status", (str(tenant_id),)).fetchone()
    if row is None or row["status"] != "active":
        raise TenantDisabled("The organisation is disabled; its queued work stops")


@lazy
def database() -> Database:
    """The container's connections (one Database per process)."""
    return Database()


def reset_database() -> None:
    """Drop the container's connection (tests and the local stack switch databases)."""
    if database.built():
        database().close()
    database.reset()


def tenant_tx(tenant_id: UUID | str, *, active_tenant: bool = False) -> AbstractContextManager[psycopg.Connection[DictRow]]:
    """The usual entry point: `with tenant_tx(principal.tenant_id) as conn: ...`.

    active_tenant=True for a tenant's queued work (email, pass and import jobs): raises
    TenantDisabled when the tenant is disabled, so the job can end `failed` with that code."""
    if not tenant_id:
        raise ValueError("tenant_tx needs a tenant id")
    return database().transaction(tenant_id, active_tenant=active_tenant)


def system_tx() -> AbstractContextManager[psycopg.Connection[DictRow]]:
    """A transaction without a tenant: only the SECURITY DEFINER resolvers see anything in it."""
    return database().transaction(None)
