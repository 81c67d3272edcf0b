"""boto3 clients, created on first use and reused for the container's life.

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>), so the same code talks to
moto locally and to AWS in Lambda. Importing this module imports no boto3: functions that
never call AWS never pay for it at cold start.
"""

from __future__ import annotations

import threading
from typing import Any

from outreachpass.config import settings

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            _clients[service] = boto3.session.Session().client(
                service,
                region_name=settings().region,
                config=Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10),
            )
        return _clients[service]


def reset_clients() -> None:
    """Forget the clients (tests and the local stack switch endpoints)."""
    with _lock:
        _clients.clear()
