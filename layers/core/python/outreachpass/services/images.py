"""Avatars and logos: presigned upload, then the image worker checks the file and renders the
sizes the product uses.

Flow. POST /cards/{card_id}/avatar (or /brands/{brand_id}/logo) creates an `images` job and
returns a presigned POST (S3 holds the upload to MAX_IMAGE_BYTES and an image/* content type)
for `images/{tenant_id}/{job_id}/upload` in the uploads bucket. The upload notifies the images
queue (lambdas/routes.py UPLOAD_TRIGGERS); the worker checks the bytes (integrations/imaging:
PNG/JPEG/WebP only, at most MAX_PIXELS, not corrupt), writes the original and every variant to
the assets bucket, then points the card (or the brand's theme) at them and finishes the job.
A refused file fails the job with a clear code (IMAGE_NOT_ALLOWED, IMAGE_TOO_MANY_PIXELS, ...).

Where things live (assets bucket), one folder per upload, so a new picture never collides with
cached copies of the old one:
    avatars/{tenant_id}/{card_id}/{job_id}/avatar.jpg        card page (512 px square)
                                           vcard.jpg         vCard PHOTO (150 px JPEG)
                                           thumbnail.png, thumbnail@2x.png, thumbnail@3x.png
                                                             wallet pass thumbnail (90 pt)
                                           original.{png,jpg,webp}
    logos/{tenant_id}/{brand_id}/{job_id}/logo.png, logo@2x.png, logo@3x.png   (160x50 pt box)
                                          icon.png, icon@2x.png, icon@3x.png   (29 pt square)
                                          google-logo.png (660 px, in the circle Google shows),
                                          google-hero.png (1032x336 px banner)
                                          original.{png,jpg,webp}
The vCard photo is also written to avatars/{tenant_id}/{card_id}/vcard.jpg, where the vCard route
reads it (integrations/public_assets.py). cards.avatar_s3_key holds the avatar.jpg key and
brands.theme_json.logo_s3_key the logo.png key; `variant_key(key, "vcard.jpg")` gives a sibling (the names above are the wallet pass's
own file names, so the pass builder can copy them as they are).

Idempotency: variant keys are fixed per job, so a redelivered message rewrites the same
objects; the database step locks the job and is a no-op once the job is finished.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypedDict
from uuid import UUID

from outreachpass.data import brands as brands_data
from outreachpass.data import cards as cards_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound
from outreachpass.integrations import imaging, storage
from outreachpass.integrations.imaging import ImageRejected
from outreachpass.observability import correlation_id, logger
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.cards import card_changed
from outreachpass.services.job_runs import claim, fail, finished, requester
from outreachpass.services.jobs import upload_expires_at
from outreachpass.services.wallet.hooks import on_brand_changed

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 MP: any phone photo; more is refused before decoding
MIN_SIDE = 32
UPLOAD_EXPIRES_S = 15 * 60
ALLOWED_CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp")
KIND = "images"
UPLOAD_BUCKET = "uploads"
ASSETS_BUCKET = "assets"
CACHE_FOREVER = "public, max-age=31536000, immutable"  # keys are per upload: content never changes

_KEY = re.compile(r"^images/(?P<tenant>[0-9a-f-]{36})/(?P<job>[0-9a-f-]{36})/upload$")


@dataclass(frozen=True)
class Variant:
    name: str  # file name in the folder
    render: Callable[[Any], bytes]
    content_type: str


AVATAR_VARIANTS: tuple[Variant, ...] = (
    Variant("avatar.jpg", lambda im: imaging.square(im, 512, fmt="JPEG", quality=85), "image/jpeg"),
    Variant("vcard.jpg", lambda im: imaging.square(im, 150, fmt="JPEG", quality=80), "image/jpeg"),
    Variant("thumbnail.png", lambda im: imaging.square(im, 90, fmt="PNG"), "image/png"),
    Variant("thumbnail@2x.png", lambda im: imaging.square(im, 180, fmt="PNG"), "image/png"),
    Variant("thumbnail@3x.png", lambda im: imaging.square(im, 270, fmt="PNG"), "image/png"),
)
LOGO_VARIANTS: tuple[Variant, ...] = (
    Variant("logo.png", lambda im: imaging.contain(im, 160, 50), "image/png"),
    Variant("logo@2x.png", lambda im: imaging.contain(im, 320, 100), "image/png"),
    Variant("logo@3x.png", lambda im: imaging.contain(im, 480, 150), "image/png"),
    Variant("icon.png", lambda im: imaging.padded_square(im, 29), "image/png"),
    Variant("icon@2x.png", lambda im: imaging.padded_square(im, 58), "image/png"),
    Variant("icon@3x.png", lambda im: imaging.padded_square(im, 87), "image/png"),
    # Google Wallet (services/wallet/google.py): the class's logo, shown in a circle (so inside
    # it), and its hero banner.
    Variant("google-logo.png", lambda im: imaging.banner(im, 660, 660, margin=110), "image/png"),
    Variant("google-hero.png", lambda im: imaging.banner(im, 1032, 336, margin=48), "image/png"),
)
class Target(TypedDict):
    variants: tuple[Variant, ...]
    prefix: str  # the assets bucket folder
    main: str  # the variant the card or brand points at
    owner: str  # the job input naming the card or brand


TARGETS: dict[str, Target] = {
    "avatar": {"variants": AVATAR_VARIANTS, "prefix": "avatars", "main": "avatar.jpg", "owner": "card_id"},
    "logo": {"variants": LOGO_VARIANTS, "prefix": "logos", "main": "logo.png", "owner": "brand_id"},
}


def upload_key(tenant_id: UUID, job_id: UUID) -> str:
    return f"images/{tenant_id}/{job_id}/upload"


def parse_key(key: str) -> tuple[UUID, UUID] | None:
    return storage.tenant_and_job(_KEY, key)


def folder(target: str, tenant_id: UUID, owner_id: UUID, job_id: UUID) -> str:
    return f"{TARGETS[target]['prefix']}/{tenant_id}/{owner_id}/{job_id}"


def variant_key(main_key: str, name: str) -> str:
    """A sibling of a stored avatar/logo key: variant_key(card["avatar_s3_key"], "vcard.jpg")."""
    return f"{main_key.rsplit('/', 1)[0]}/{name}"


# --- starting an upload (the API) ----------------------------------------------------------------


def start_avatar_upload(principal: Principal, card_id: UUID, content_type: str | None) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        if cards_data.get(conn, principal.tenant_id, card_id) is None:
            raise NotFound("card", card_id)
        job = _insert_job(conn, principal, {"target": "avatar", "card_id": str(card_id)}, event_id=None)
    return _presigned(principal.tenant_id, job, content_type)


def start_logo_upload(principal: Principal, brand_id: UUID, content_type: str | None) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        if brands_data.get(conn, principal.tenant_id, brand_id) is None:
            raise NotFound("brand", brand_id)
        job = _insert_job(conn, principal, {"target": "logo", "brand_id": str(brand_id)}, event_id=None)
    return _presigned(principal.tenant_id, job, content_type)


def _insert_job(conn: Conn, principal: Principal, job_input: dict[str, Any], *, event_id: UUID | None) -> dict[str, Any]:
    return jobs_data.insert(
        conn,
        principal.tenant_id,
        kind=KIND,
        event_id=event_id,
        job_input={
            **job_input,
            "upload_expires_at": upload_expires_at(UPLOAD_EXPIRES_S),
            "requested_by": {"sub": principal.subject, "role": principal.role},
            "correlation_id": correlation_id(),
        },
        created_by=users_data.user_id_for_subject(conn, principal.tenant_id, principal.subject),
        total=1,
    )


def _presigned(tenant_id: UUID, job: dict[str, Any], content_type: str | None) -> dict[str, Any]:
    upload = storage.presign_post(
        UPLOAD_BUCKET,
        upload_key(tenant_id, job["job_id"]),
        max_bytes=MAX_IMAGE_BYTES,
        content_type=content_type,
        content_type_prefix=None if content_type else "image/",
        expires_s=UPLOAD_EXPIRES_S,
    )
    logger().info("image upload job created", extra={"job_id": str(job["job_id"]), "target": job["input"]["target"]})
    return {
        "job": job,
        "upload": asdict(upload),
        "limits": {"max_bytes": MAX_IMAGE_BYTES, "max_pixels": MAX_PIXELS, "min_side": MIN_SIDE, "content_types": list(ALLOWED_CONTENT_TYPES)},
    }


# --- the worker ----------------------------------------------------------------------------------


def run_image_job(tenant_id: UUID, job_id: UUID, *, final_attempt: bool = False) -> dict[str, Any] | None:
    """Check and render the job's upload, then point the card or brand at it. Returns the job as it
    ends, None for a message naming no image job. Raises to have the message retried."""
    log = logger()
    log.append_keys(tenant_id=str(tenant_id), job_id=str(job_id))
    with tenant_tx(tenant_id) as conn:
        job = claim(conn, tenant_id, job_id, KIND)
        if job is None or finished(job):
            return job
        jobs_data.mark_running(conn, tenant_id, job_id)
    job_input = job["input"] or {}
    target = job_input.get("target")
    if target not in TARGETS:
        log.error("image job with an unknown target", extra={"target": target})
        return fail(tenant_id, job_id, "IMAGE_JOB_INVALID", "The job does not say what the image is for", failed_items=1)
    owner_id = UUID(job_input[TARGETS[target]["owner"]])
    log.append_keys(target=target, owner_id=str(owner_id), request_correlation_id=job_input.get("correlation_id"))
    try:
        main_key = render_and_store(tenant_id, job_id, target, owner_id)
    except ImageRejected as exc:
        log.info("image refused", extra={"code": exc.code, "reason": exc.message})
        return fail(tenant_id, job_id, exc.code, exc.message, failed_items=1)
    except Exception:
        if final_attempt:
            log.exception("image job failed on its last attempt")
            fail(tenant_id, job_id, "IMAGE_FAILED", f"The image could not be processed; quote {correlation_id()} when reporting it",
                 failed_items=1)
        raise

    with tenant_tx(tenant_id) as conn:
        job = claim(conn, tenant_id, job_id, KIND)
        if job is None or finished(job):
            return job
        principal = requester(tenant_id, job, worker="image-worker")
        if target == "avatar":
            found = _set_avatar(conn, principal, owner_id, main_key)
        else:
            found = _set_logo(conn, principal, owner_id, main_key)
        if not found:
            thing = "card" if target == "avatar" else "brand"
            jobs_data.add_progress(conn, tenant_id, job_id, failed=1)
            return jobs_data.finish(conn, tenant_id, job_id, status="failed", error=f"{thing.upper()}_NOT_FOUND: The {thing} was deleted before its image was ready")
        jobs_data.add_progress(conn, tenant_id, job_id, succeeded=1)
        job = jobs_data.finish(conn, tenant_id, job_id, status="succeeded")
    log.info("image stored", extra={"key": main_key})
    return job


def render_and_store(tenant_id: UUID, job_id: UUID, target: str, owner_id: UUID) -> str:
    """Read the upload, check it, write the original and the variants; returns the main key."""
    try:
        data = storage.get_bytes(UPLOAD_BUCKET, upload_key(tenant_id, job_id), max_bytes=MAX_IMAGE_BYTES)
    except storage.ObjectTooLarge as exc:
        raise ImageRejected("IMAGE_TOO_LARGE", f"The file is {exc.size:,} bytes; the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MiB") from None
    except storage.ObjectNotFound:
        raise ImageRejected("UPLOAD_MISSING", "The uploaded file is gone: upload it again") from None
    rendered = render(data, target)
    base = folder(target, tenant_id, owner_id, job_id)
    for name, (content, content_type) in rendered.items():
        storage.put_bytes(ASSETS_BUCKET, f"{base}/{name}", content, content_type=content_type, cache_control=CACHE_FOREVER)
    if target == "avatar":
        # The vCard route reads the card's photo at a fixed key (public_assets.VCARD_PHOTO_KEY).
        from outreachpass.integrations import public_assets

        content, content_type = rendered["vcard.jpg"]
        storage.put_bytes(ASSETS_BUCKET, public_assets.vcard_photo_key(tenant_id, owner_id), content, content_type=content_type)
    return f"{base}/{TARGETS[target]['main']}"


def render(data: bytes, target: str) -> dict[str, tuple[bytes, str]]:
    """File name -> (bytes, content type) for the original and every variant of `target`."""
    checked = imaging.open_checked(data, allowed=tuple(imaging.FORMATS), max_pixels=MAX_PIXELS, min_side=MIN_SIDE)
    rendered = {f"original.{checked.extension}": (data, checked.content_type)}
    for variant in TARGETS[target]["variants"]:
        rendered[variant.name] = (variant.render(checked.image), variant.content_type)
    return rendered


def _set_avatar(conn: Conn, principal: Principal, card_id: UUID, key: str) -> bool:
    before = cards_data.get(conn, principal.tenant_id, card_id, for_update=True)
    if before is None:
        return False
    if before["avatar_s3_key"] != key:
        cards_data.update(conn, principal.tenant_id, card_id, {"avatar_s3_key": key})
        after = card_changed(conn, principal.tenant_id, before)  # the vCard PHOTO and pass thumbnail change
        record_change(conn, principal, action="card.avatar", entity_type="card", entity_id=card_id, before=before, after=after)
    return True


def _set_logo(conn: Conn, principal: Principal, brand_id: UUID, key: str) -> bool:
    before = brands_data.get(conn, principal.tenant_id, brand_id, for_update=True)
    if before is None:
        return False
    theme = dict(before["theme_json"] or {})
    if theme.get("logo_s3_key") != key:
        theme["logo_s3_key"] = key
        after = held(brands_data.update(conn, principal.tenant_id, brand_id, {"theme_json": theme}))
        record_change(conn, principal, action="brand.logo", entity_type="brand", entity_id=brand_id, before=before, after=after)
        on_brand_changed(conn, principal.tenant_id, before, after)  # the passes wearing the brand show the new logo
    return True
