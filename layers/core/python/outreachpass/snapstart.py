"""Lambda SnapStart runtime hooks: warm-ups that run once before the snapshot, and what runs after a restore.

With SnapStart on (the `snapstart` deployment setting, docs/deploying.md), Lambda runs a
function's init once when a version is published, calls the `before_snapshot` hooks, and
snapshots the process; new environments resume from that snapshot. Whatever the warm-ups
build (a jinja2 environment with its templates compiled, the ua-parser resolver, imported
libraries) is then already there on every cold start.

The hooks go through the runtime's `snapshot_restore_py`, which exists only in the Lambda
Python runtime: elsewhere (tests, the local stack, benchmarks) registering is a no-op and
the warm-ups never run. In Lambda without SnapStart they are registered but never called,
so importing a handler stays as cheap as before.

Rules for a warm-up (they run before the snapshot, and the snapshot is shared by every
environment restored from it):
  * no connections: no database, no AWS client, no HTTP; those are made on first use, after
    the restore (a socket in a snapshot is dead when it resumes);
  * no secrets: never fetch a secret or credentials into the snapshot;
  * no random state: anything random generated now would be the same in every restored
    environment. `secrets`, `uuid.uuid4` and `os.urandom` read the kernel at each call and
    stay unique; the `random` module's generator is re-seeded after each restore here.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

Hook = Callable[[], Any]

_registered: list[tuple[str, Hook]] = []  # what was handed to the runtime (introspection, tests)
_lock = threading.Lock()


def _runtime() -> Any:
    try:
        import snapshot_restore_py  # only in the Lambda Python runtime
    except ImportError:
        return None
    return snapshot_restore_py


def _register(kind: str, hook: Hook) -> bool:
    runtime = _runtime()
    if runtime is None:
        return False
    with _lock:
        if any(known is hook for _, known in _registered):
            return True  # a hook runs once, however many modules register it
        if not _registered:
            # The first hook of the process: restored environments must not share `random`'s state.
            runtime.register_after_restore(reseed_random)
            _registered.append(("after_restore", reseed_random))
        getattr(runtime, f"register_{kind}")(hook)
        _registered.append((kind, hook))
    return True


def before_snapshot(hook: Hook) -> Hook:
    """Run `hook` before Lambda takes the snapshot (SnapStart); a no-op outside the Lambda runtime.
    Usable as a decorator; returns the hook unchanged."""
    _register("before_snapshot", hook)
    return hook


def after_restore(hook: Hook) -> Hook:
    """Run `hook` each time an environment resumes from the snapshot; a no-op outside the Lambda runtime."""
    _register("after_restore", hook)
    return hook


def registered() -> tuple[tuple[str, Hook], ...]:
    return tuple(_registered)


def reseed_random() -> None:
    random.seed()  # from os.urandom: each restored environment gets its own sequence


# --- warm-ups (registered by the handler modules whose first request pays for these) ----------


def warm_user_agents() -> None:
    """Build the ua-parser resolver (compiles the uap-core regexes: ~100 ms on a first call)."""
    from outreachpass.integrations import useragent

    useragent.warm_up()


def warm_card_page() -> None:
    """The card page's first request: the jinja2 environment with its templates compiled, every
    language's catalogue and locale data (Babel), and the user-agent resolver the view is
    classified with."""
    from outreachpass.integrations import locales, pages

    environment = pages.environment()
    for template in ("card.html", "404.html"):
        environment.get_template(template)  # compiled and kept (auto_reload off)
    locales.warm_up()
    warm_user_agents()


def warm_apple_wallet() -> None:
    """A pass download's first request, short of anything secret or remote: cryptography (X.509,
    PEM keys, PKCS#7), the pass and signing modules, the default pass images, the secret reader's
    modules (nothing is fetched) and the user-agent resolver."""
    import http.client  # noqa: F401  (how outreachpass.integrations.secrets asks the secrets extension)

    import cryptography.x509  # noqa: F401
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: F401
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: F401
    from cryptography.hazmat.primitives.serialization import pkcs7  # noqa: F401
    from cryptography.x509.oid import NameOID  # noqa: F401

    from outreachpass.integrations import secrets  # noqa: F401
    from outreachpass.integrations.wallet import apple_pass, credentials, images, signing  # noqa: F401

    images.default_images(False)
    images.default_images(True)
    warm_user_agents()


def warm_qr_codes() -> None:
    """A QR image's first request: qrcode, its SVG factory and Pillow's PNG writer, exercised on a
    fixed URL (nothing random, nothing kept but the imported code), and boto3 imported for the S3 copy
    the first render stores (no session, no client: those are made after the restore)."""
    import boto3  # noqa: F401

    from outreachpass.integrations import qr

    qr.render_png("https://example.invalid/c/warm-up")
    qr.render_svg("https://example.invalid/c/warm-up")


def warm_google_wallet() -> None:
    """A Google Wallet link's first request, short of anything secret or remote: google-auth (service
    account credentials, RS256 signing, the requests transport), requests, the secret reader's modules
    (nothing is fetched) and the user-agent resolver."""
    import http.client  # noqa: F401  (how outreachpass.integrations.secrets asks the secrets extension)

    import google.auth.crypt
    import google.auth.jwt  # noqa: F401
    import requests  # noqa: F401
    from google.auth.transport.requests import AuthorizedSession, Request  # noqa: F401
    from google.oauth2 import service_account  # noqa: F401

    from outreachpass.integrations import secrets  # noqa: F401
    from outreachpass.integrations.wallet import google_wallet  # noqa: F401

    warm_user_agents()
