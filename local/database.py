"""PostgreSQL for the local stack: embedded (pgserver) in the data folder, or DATABASE_URL.

- Embedded: `pgserver` runs PostgreSQL from `<data_dir>/pgdata` over a unix socket; the
  data survives restarts; the server is stopped when the stack stops.
- DATABASE_URL set: that server is used, with that URL as the admin connection.
- Both URLs given (tests): used as they are; nothing is started or migrated.

Migrations are applied with `outreachpass.db.migrate.runner.apply_migrations` (which creates the
owner and application roles); handlers connect as the application role
`outreachpass_app` (the DATABASE_URL they see).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from local.config import MIGRATIONS_DIR, LocalConfig
from local.state import LocalState, generate_password

log = logging.getLogger("local.database")

APP_ROLE = "outreachpass_app"


def with_credentials(url: str, user: str, password: str | None) -> str:
    """The same server and database, another user (URL form, unix sockets included)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit((parts.scheme, f"{userinfo}@{host}", parts.path, parts.query, parts.fragment))


def with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def redact(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}", parts.path, parts.query, parts.fragment))


def _prune_stale_handles(pgdata: Path) -> None:
    """pgserver stops the server when the last process holding it exits, counting the
    pids in `.handle_pids.json`; a process that was killed never removes its pid, and the
    server would then outlive every later stack. Forget pids that are gone."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class DatabaseUrls:
    admin_url: str
    app_url: str
    embedded: bool


class LocalDatabase:
    def __init__(self, config: LocalConfig, state: LocalState):
        self.config = config
        self.state = state
        self._server: Any = None
        self.urls: DatabaseUrls | None = None
        self.applied: list[str] = []

    def start(self) -> DatabaseUrls:
        config = self.config
        if config.database_url and config.app_database_url:
            self.urls = DatabaseUrls(config.database_url, config.app_database_url, embedded=False)
            if config.migrate:
                self._migrate(config.database_url, app_password=None)
            return self.urls

        app_password = self.state.get_or_create("database:app_password", generate_password)
        if config.database_url:
            admin_url = config.database_url
            embedded = False
        else:
            admin_url = self._start_embedded()
            embedded = True
        if config.migrate:
            self._migrate(admin_url, app_password=app_password)
        self.urls = DatabaseUrls(admin_url, with_credentials(admin_url, APP_ROLE, app_password), embedded=embedded)
        return self.urls

    def _start_embedded(self) -> str:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (containers, CI): harmless here.
            warnings.simplefilter("ignore")
            import pgserver

        from outreachpass.db.migrate.runner import ensure_database

        pgdata = self.config.pgdata_dir
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _prune_stale_handles(pgdata)
        logging.getLogger("pgserver").setLevel(logging.WARNING)
        self._server = pgserver.get_server(pgdata, cleanup_mode="stop")
        server_url = self._server.get_uri()
        ensure_database(server_url, self.config.database_name)
        return with_database(server_url, self.config.database_name)

    def _migrate(self, admin_url: str, *, app_password: str | None) -> None:
        from outreachpass.db.migrate.runner import apply_migrations

        self.applied = apply_migrations(admin_url, migrations_dir=MIGRATIONS_DIR, app_password=app_password)
        if self.applied:
            log.info("applied migrations: %s", ", ".join(self.applied))

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            try:
                server.cleanup()  # stops PostgreSQL (cleanup_mode "stop"), keeps the data
            except Exception:
                log.exception("stopping the embedded PostgreSQL failed")
