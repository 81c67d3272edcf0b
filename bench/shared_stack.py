"""One local stack for the benchmarks of a `python -m bench` run, started on first use.

Embedded PostgreSQL in a temporary data folder (migrated, with the demo tenant, brand,
event and attendee cards seeded), moto with the route table's resources, and the local
HTTP gateway on a free loopback port. The process environment is the one the handlers
read (the local env contract), so in-process benchmarks can call handlers directly and
cold-start benchmarks can hand `stack.env` to fresh interpreters. Stopped, and its data
folder removed, when the process exits.

    from bench.shared_stack import shared_stack
    stack = shared_stack()
    stack.api_url, stack.env, stack.demo.attendees[0].card_id
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from bench import add_code_paths

# Logs and EMF metrics of in-process handlers would be printed between the table's lines;
# the cost of creating the Logger/Metrics objects is still paid.
BENCH_ENV = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}

_lock = threading.Lock()
_stack: Any = None
_data_dir: Path | None = None


def shared_stack() -> Any:
    """The started local stack (a local.stack.LocalStack)."""
    global _stack, _data_dir
    with _lock:
        if _stack is None:
            add_code_paths()
            from local.config import LocalConfig
            from local.stack import LocalStack

            _data_dir = Path(tempfile.mkdtemp(prefix="op-bench-"))
            config = LocalConfig(
                data_dir=_data_dir,
                port=0,
                seed=True,
                background_workers=False,
                extra_env=dict(BENCH_ENV),
            )
            try:
                _stack = LocalStack(config).start()
            except BaseException:
                shutil.rmtree(_data_dir, ignore_errors=True)
                _data_dir = None
                raise
            atexit.register(stop_shared_stack)
        else:
            _restore_environment(_stack)
        return _stack


def _restore_environment(stack: Any) -> None:
    """A benchmark that ran before may have pointed the runtime elsewhere (its own database):
    the stack's environment again, and the runtime's cached settings, connections and
    clients forgotten so they are made from it."""
    import importlib
    import os

    os.environ.update(stack.env)
    for module_name, reset in (
        ("outreachpass.config", "reset_settings"),
        ("outreachpass.db.connection", "reset_database"),
        ("outreachpass.integrations.aws", "reset_clients"),
        ("outreachpass.integrations.secrets", "reset_secrets"),
    ):
        try:
            function = getattr(importlib.import_module(module_name), reset, None)
        except ImportError:
            continue
        if callable(function):
            function()


def stop_shared_stack() -> None:
    global _stack, _data_dir
    with _lock:
        if _stack is not None:
            stack, _stack = _stack, None
            stack.stop()
        if _data_dir is not None:
            shutil.rmtree(_data_dir, ignore_errors=True)
            _data_dir = None


def demo_ids(stack: Any) -> dict[str, str]:
    """Ids of the seeded demo data by path-parameter name."""
    demo = stack.demo
    first = demo.attendees[0]
    return {
        "tenant_id": demo.tenant_id,
        "brand_id": demo.brand_id,
        "event_id": demo.event_id,
        "attendee_id": first.attendee_id,
        "card_id": first.card_id,
        "user_id": demo.admin_user_id,
    }
