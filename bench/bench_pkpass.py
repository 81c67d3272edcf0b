"""Apple .pkpass signing throughput on one core, images cached (a warm Lambda container).

What a download or a web-service fetch costs after the database read: pass.json, the SHA-1
manifest, the detached PKCS#7 signature (RSA-2048, SHA-256, with the WWDR intermediate) and the
zip, through the service's own builder (services.wallet.apple.build_apple_pass: brand colours,
images from the per-container cache). Signed with the local development credentials
(local.wallet_credentials, generated in a temporary folder), single-threaded.

    python -m bench pkpass          (BENCH_PKPASS_SECONDS=3)
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench import Result, add_code_paths, percentile

SECONDS = float(os.environ.get("BENCH_PKPASS_SECONDS", "3"))
TARGET = 200.0  # .pkpass per second on one core


def _fixture():
    add_code_paths()
    from local.wallet_credentials import ensure_credentials, secret_values
    from outreachpass.integrations.wallet.credentials import parse_apple_pass_credentials

    with tempfile.TemporaryDirectory(prefix="bench-wallet-") as folder:
        creds = parse_apple_pass_credentials(secret_values(ensure_credentials(Path(folder)))["apple_pass"])
    tenant_id = uuid.uuid4()
    card = {
        "card_id": uuid.uuid4(), "tenant_id": tenant_id, "event_id": uuid.uuid4(), "display_name": "Ada Lovelace",
        "email": "ada@example.com", "phone": "+44 20 7946 0001", "org_name": "Analytical Engines Ltd",
        "title": "Chief Mathematician", "event_name": "Demo Summit", "brand_id": uuid.uuid4(), "brand_name": "Demo Events Co.",
        "tenant_name": "Demo", "theme_json": {"primary_color": "#0b3d91", "accent_color": "#fbbf24"}, "vcard_rev": 3, "deleted_at": None,
    }
    pass_row = {
        "serial_number": uuid.uuid4().hex, "authentication_token": "t" * 43, "status": "active",
        "last_updated_at": datetime.now(UTC),
    }
    return creds, card, pass_row


def _rate(fn, seconds: float) -> tuple[int, float, list[float]]:
    for _ in range(20):  # warm-up: imports, image cache, OpenSSL
        fn()
    samples: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    return len(samples), elapsed, samples


def run() -> list[Result]:
    os.environ.setdefault("PUBLIC_BASE_URL", "https://cards.example.com")
    creds, card, pass_row = _fixture()
    from outreachpass.integrations.wallet.signing import sign_manifest
    from outreachpass.services.wallet.apple import build_apple_pass

    size = len(build_apple_pass(card, pass_row, creds))
    count, elapsed, samples = _rate(lambda: build_apple_pass(card, pass_row, creds), SECONDS)
    per_second = count / elapsed

    manifest = b'{"pass.json":"0000000000000000000000000000000000000000"}'
    sign_count, sign_elapsed, _ = _rate(
        lambda: sign_manifest(manifest, certificate=creds.certificate, private_key=creds.private_key, intermediate=creds.wwdr_certificate),
        max(1.0, SECONDS / 3),
    )
    return [
        Result("pkpass", "passes_per_second", round(per_second, 1), "pkpass/s", f">= {TARGET:g}",
               f"one core, images cached, {size} bytes each"),
        Result("pkpass", "p50", round(statistics.median(samples), 3), "ms"),
        Result("pkpass", "p99", round(percentile(samples, 99), 3), "ms"),
        Result("pkpass", "signatures_per_second", round(sign_count / sign_elapsed, 1), "sig/s", "", "PKCS#7 alone (RSA-2048, SHA-256)"),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)
