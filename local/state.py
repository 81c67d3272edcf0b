"""Values generated once and kept across restarts (the demo admin's password, the
database application role's password, generated secret values), in `<data_dir>/state.json`.

The data folder is git-ignored; the file is written with owner-only permissions.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from collections.abc import Callable
from pathlib import Path


def generate_password(length: int = 20) -> str:
    """A password Cognito's default policy accepts: upper, lower, digit and symbol."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(length - 4))
    return (
        body
        + secrets.choice(string.ascii_uppercase)
        + secrets.choice(string.ascii_lowercase)
        + secrets.choice(string.digits)
        + secrets.choice("!#%+-=?@^_")
    )


class LocalState:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged file: start over rather than refuse to start.
            return {}

    def get_or_create(self, key: str, factory: Callable[[], str]) -> str:
        with self._lock:
            data = self._load()
            if key not in data:
                data[key] = factory()
                self._write(data)
            return data[key]

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, self.path)
