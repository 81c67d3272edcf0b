"""The migration files: ``V<number>__<name>.sql``, found, read (with their checksum) and, for the
files that run outside a transaction, split into statements."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from outreachpass.db.migrate import MigrationError

NO_TRANSACTION_MARKER = "-- outreachpass:no-transaction"

_FILENAME = re.compile(r"^V(?P<version>\d+)__(?P<name>[A-Za-z0-9][A-Za-z0-9_]*)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str  # as written in the file name, e.g. "0001"
    name: str
    path: Path
    sql: str
    checksum: str  # sha256 hex of the file, line endings normalised

    @property
    def number(self) -> int:
        return int(self.version)

    @property
    def label(self) -> str:
        return f"V{self.version}__{self.name}"

    @property
    def transactional(self) -> bool:
        first_line = self.sql.lstrip().split("\n", 1)[0].strip()
        return first_line != NO_TRANSACTION_MARKER


def default_migrations_dir() -> Path:
    """MIGRATIONS_DIR if set; else the repository's migrations/; else outreachpass/migrations/
    packaged beside this library (where the Lambda bundler copies them)."""
    configured = os.environ.get("MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    package = Path(__file__).resolve().parents[2]  # .../outreachpass (this file: outreachpass/db/migrate/files.py)
    candidates = []
    # <repo>/layers/core/python/outreachpass -> <repo>/migrations
    if len(package.parents) > 3:
        candidates.append(package.parents[3] / "migrations")
    # <site>/outreachpass -> <site>/outreachpass/migrations
    candidates.append(package / "migrations")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise MigrationError(
        "no migrations directory found: set MIGRATIONS_DIR (looked in " + ", ".join(str(c) for c in candidates) + ")"
    )


def load_migrations(migrations_dir: Path) -> list[Migration]:
    """Every ``V<n>__<name>.sql`` in the directory, in numeric order. Any other ``.sql`` file is
    an error rather than silently skipped (a misnamed migration would never run)."""
    if not migrations_dir.is_dir():
        raise MigrationError(f"migrations directory does not exist: {migrations_dir}")
    found: dict[int, Migration] = {}
    for path in sorted(migrations_dir.iterdir()):
        if path.suffix != ".sql" or not path.is_file():
            continue
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named V<number>__<name>.sql")
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        migration = Migration(
            version=match["version"],
            name=match["name"],
            path=path,
            sql=raw.decode("utf-8"),
            checksum=hashlib.sha256(raw).hexdigest(),
        )
        if migration.number in found:
            raise MigrationError(f"{path.name}: version {migration.number} is also {found[migration.number].path.name}")
        found[migration.number] = migration
    return [found[number] for number in sorted(found)]


def split_statements(script: str) -> list[str]:
    """Split SQL on top-level semicolons: not inside quotes, dollar quotes or comments."""
    statements: list[str] = []
    start = i = 0
    n = len(script)
    while i < n:
        ch = script[i]
        if script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in ("'", '"'):
            end = i + 1
            while end < n:
                if script[end] == ch:
                    if end + 1 < n and script[end + 1] == ch:  # doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            i = end + 1
        elif ch == "$" and (tag := _DOLLAR_TAG.match(script, i)):
            end = script.find(tag.group(0), tag.end())
            i = n if end < 0 else end + len(tag.group(0))
        elif ch == ";":
            statements.append(script[start : i + 1])
            start = i = i + 1
        else:
            i += 1
    statements.append(script[start:])
    return [s.strip() for s in statements if _has_code(s)]


_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", statement, flags=re.DOTALL)
    return without_comments.strip(" \t\r\n;") != ""
