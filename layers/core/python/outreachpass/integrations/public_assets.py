"""The assets bucket as the public card routes see it: where a browser fetches an avatar or a
logo from, where the vCard photo and the QR images live, and the few S3 calls they need.

One place decides how a browser reaches an asset (the card page's <img>, og:image):
  * ASSETS_BASE_URL set (a CloudFront distribution with the assets bucket as origin, or any
    CDN): `{ASSETS_BASE_URL}/{key}`, no AWS call, cacheable;
  * otherwise a presigned GET of the object (S3 in AWS, moto locally), valid for
    PRESIGN_TTL_S. The page is `no-store`, so a fresh URL is minted per view.
Only keys under the tenant's own prefixes are ever turned into URLs (a theme or a card
cannot point the page at another tenant's objects).

S3 itself is reached through integrations/storage.py (SigV4 presigning, size-capped reads).
"""

from __future__ import annotations

from uuid import UUID

from outreachpass.config import settings
from outreachpass.integrations import storage
from outreachpass.observability import logger

ASSETS = "assets"
PRESIGN_TTL_S = 3600
MAX_VCARD_PHOTO_BYTES = 256 * 1024

# Key conventions of the assets bucket (shared with the image worker and the QR cache).
AVATAR_PREFIX = "avatars/{tenant_id}/"
LOGO_PREFIX = "logos/{tenant_id}/"
# The small JPEG (~150 px) the vCard embeds as PHOTO, derived from the uploaded avatar by the
# image worker. The vCard has a PHOTO only when this object exists and is a JPEG.
VCARD_PHOTO_KEY = "avatars/{tenant_id}/{card_id}/vcard.jpg"
QR_KEY = "qr/{tenant_id}/{card_id}.{fmt}"


def assets_base_url() -> str | None:
    return settings().assets_base_url


def vcard_photo_key(tenant_id: UUID, card_id: UUID) -> str:
    return VCARD_PHOTO_KEY.format(tenant_id=tenant_id, card_id=card_id)


def qr_key(tenant_id: UUID, card_id: UUID, fmt: str) -> str:
    return QR_KEY.format(tenant_id=tenant_id, card_id=card_id, fmt=fmt)


def _owned(key: str, tenant_id: UUID) -> bool:
    if ".." in key or key.startswith("/"):
        return False
    return key.startswith(AVATAR_PREFIX.format(tenant_id=tenant_id)) or key.startswith(LOGO_PREFIX.format(tenant_id=tenant_id))


def browser_url(key: str | None, tenant_id: UUID) -> str | None:
    """A URL a browser can load the asset from, or None (no key, or a key outside the tenant's
    avatar/logo prefixes, which is logged and ignored)."""
    if not key:
        return None
    if not _owned(key, tenant_id):
        logger().warning("asset key outside the tenant's prefixes ignored", extra={"tenant_id": str(tenant_id)})
        return None
    base = assets_base_url()
    if base:
        from urllib.parse import quote

        return f"{base}/{quote(key)}"
    try:
        return storage.presign_get(ASSETS, key, expires_s=PRESIGN_TTL_S)
    except Exception as exc:  # a missing image must not take the card page down
        logger().warning("could not presign an asset URL", extra={"error": type(exc).__name__})
        return None


def get_object(key: str, *, max_bytes: int) -> bytes | None:
    """The object's bytes; None when it does not exist or is larger than max_bytes."""
    try:
        return storage.get_bytes(ASSETS, key, max_bytes=max_bytes)
    except (storage.ObjectNotFound, storage.ObjectTooLarge):
        return None


def put_object(key: str, data: bytes, *, content_type: str, cache_control: str) -> None:
    storage.put_bytes(ASSETS, key, data, content_type=content_type, cache_control=cache_control)


def vcard_photo(tenant_id: UUID, card_id: UUID) -> bytes | None:
    """The card's small JPEG for the vCard, or None (none derived yet, too big, not a JPEG, or S3
    unavailable: the vCard is still served, without a photo)."""
    try:
        data = get_object(vcard_photo_key(tenant_id, card_id), max_bytes=MAX_VCARD_PHOTO_BYTES)
    except Exception as exc:
        logger().warning("vCard photo unavailable", extra={"error": type(exc).__name__})
        return None
    if not data or len(data) > MAX_VCARD_PHOTO_BYTES or not data.startswith(b"\xff\xd8\xff"):
        return None
    return data
