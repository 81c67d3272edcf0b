"""The images of an Apple pass: the brand's icon and logo at 1x/2x/3x, or the default set.

Default images ship with the code (outreachpass/assets/wallet, drawn by
scripts/generate_wallet_assets.py): a contact-card glyph, with a white logo for dark pass
backgrounds and `logo-dark` for light ones. Brand images are the image worker's output in
the assets bucket, under the folder of the brand's `logo_s3_key`
(`logos/{tenant_id}/{brand_id}/`): `logo.png`, `logo@2x.png`, `logo@3x.png` and, when the
brand has one, `icon.png`, `icon@2x.png`, `icon@3x.png`. A missing brand image falls back to
the default one of the same name, so a pass always has the full set.

What is read is cached per container (bounded, for CACHE_TTL_S), so a warm function signs
without touching S3 for images it has seen, and a new logo shows within minutes.
"""

from __future__ import annotations

import posixpath
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from outreachpass.observability import logger

ASSETS = Path(__file__).resolve().parent.parent.parent / "assets" / "wallet"
SCALES = ("", "@2x", "@3x")
ICON_NAMES = tuple(f"icon{s}.png" for s in SCALES)
LOGO_NAMES = tuple(f"logo{s}.png" for s in SCALES)
MAX_IMAGE_BYTES = 512 * 1024
_MAX_CACHED = 256
CACHE_TTL_S = 600
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (bucket, key) -> bytes, or None for "not there" (cached too, so a brand without an icon
# does not cost a lookup per pass).
_cache: OrderedDict[tuple[str, str], tuple[float, bytes | None]] = OrderedDict()
_lock = threading.Lock()

Fetch = Callable[[str, str], bytes | None]


@lru_cache(maxsize=2)
def default_images(dark_logo: bool = False) -> dict[str, bytes]:
    images = {name: (ASSETS / name).read_bytes() for name in ICON_NAMES}
    for scale in SCALES:
        source = f"logo-dark{scale}.png" if dark_logo else f"logo{scale}.png"
        images[f"logo{scale}.png"] = (ASSETS / source).read_bytes()
    return images


def _s3_fetch(bucket: str, key: str) -> bytes | None:
    from botocore.exceptions import ClientError

    from outreachpass.integrations.aws import client

    try:
        response = client("s3").get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound", "AccessDenied"):
            return None
        raise
    if int(response.get("ContentLength") or 0) > MAX_IMAGE_BYTES:
        logger().warning("brand image too large for a pass: using the default", extra={"key": key})
        return None
    data: bytes = response["Body"].read()
    return data


def _cached_fetch(bucket: str, key: str, fetch: Fetch) -> bytes | None:
    now = time.monotonic()
    with _lock:
        entry = _cache.get((bucket, key))
        if entry is not None and entry[0] > now:
            _cache.move_to_end((bucket, key))
            return entry[1]
    try:
        data = fetch(bucket, key)
    except Exception:
        # S3 trouble must not stop a pass: the default image is used, and not cached, so the
        # next pass tries again.
        logger().warning("brand image could not be read: using the default", extra={"key": key}, exc_info=True)
        return None
    if data is not None and not data.startswith(PNG_SIGNATURE):
        logger().warning("brand image is not a PNG: using the default", extra={"key": key})
        data = None
    with _lock:
        _cache[(bucket, key)] = (now + CACHE_TTL_S, data)
        _cache.move_to_end((bucket, key))
        while len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    return data


def pass_images(
    *, bucket: str | None, logo_s3_key: str | None, dark_logo: bool, fetch: Fetch | None = None
) -> dict[str, bytes]:
    """The full image set of a pass: the brand's where it has them, the defaults otherwise."""
    images = dict(default_images(dark_logo))
    if not bucket or not logo_s3_key:
        return images
    folder = posixpath.dirname(logo_s3_key)
    for name in (*LOGO_NAMES, *ICON_NAMES):
        data = _cached_fetch(bucket, posixpath.join(folder, name) if folder else name, fetch or _s3_fetch)
        if data is not None:
            images[name] = data
    return images


def clear_cache() -> None:
    with _lock:
        _cache.clear()
