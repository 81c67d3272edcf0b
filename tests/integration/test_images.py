"""Avatars and logos through the local HTTP server: presigned POST to moto S3, the S3
notification on the images queue, the image worker (Pillow), the card / brand, the job."""

from __future__ import annotations

import io
import struct
import urllib.request
import uuid
import zlib

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from outreachpass.services import images
from outreachpass.services.images import variant_key

ADMIN = "/api/v1/admin"


def image_bytes(fmt: str, size=(640, 480), mode="RGB", color=(200, 30, 60), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny, well-formed PNG whose header declares width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def post_form(url: str, fields: dict, content: bytes, content_type: str) -> int:
    """A multipart/form-data POST as a browser sends it (fields first, the file last)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        url, data=b"".join(parts), method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


@pytest.fixture
def api(local_stack, tenant_factory):
    tenant_id = tenant_factory()
    token = local_stack.token_for(tenant_id, "admin")

    def call(method, path, **kwargs):
        return local_stack.request(method, path, token=token, **kwargs)

    brand = call("POST", f"{ADMIN}/brands", json={"brand_key": "MAIN", "display_name": "Main"}).json()["data"]
    event = call("POST", f"{ADMIN}/events", json={"name": "Expo", "slug": f"expo-{uuid.uuid4().hex[:8]}", "starts_at": "2030-05-01T09:00:00Z", "ends_at": "2030-05-02T18:00:00Z"}).json()["data"]
    attendee = call("POST", f"{ADMIN}/events/{event['event_id']}/attendees", json={"email": "ada@example.com", "first_name": "Ada"})
    assert attendee.status == 201, attendee.text
    return {"tenant_id": tenant_id, "call": call, "stack": local_stack, "brand_id": brand["brand_id"], "card_id": attendee.json()["data"]["card_id"]}


def upload(api, path: str, content: bytes, content_type: str, body: dict | None = None) -> dict:
    started = api["call"]("POST", path, json=body) if body else api["call"]("POST", path)
    assert started.status == 202, started.text
    data = started.json()["data"]
    assert data["upload"]["method"] == "POST"
    assert data["upload"]["key"] == f"images/{api['tenant_id']}/{data['job']['job_id']}/upload"
    assert data["limits"]["max_bytes"] == images.MAX_IMAGE_BYTES  # 10 MiB unless a test lowers it
    assert post_form(data["upload"]["url"], data["upload"]["fields"], content, content_type) in (200, 201, 204)
    for _ in range(10):
        job = api["call"]("GET", f"{ADMIN}/jobs/{data['job']['job_id']}").json()["data"]
        if job["status"] in ("succeeded", "failed"):
            return job
        api["stack"].run_workers_once()
    raise AssertionError(f"job did not finish: {job}")


def stored(api, key: str) -> Image.Image:
    s3 = api["stack"].boto("s3")
    body = s3.get_object(Bucket=api["stack"].resources.buckets["assets"], Key=key)["Body"].read()
    return Image.open(io.BytesIO(body))


def card_row(database, card_id) -> dict:
    with psycopg.connect(database.admin_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM cards WHERE card_id = %s", (card_id,)).fetchone()


@pytest.mark.parametrize(("fmt", "content_type", "extension"), [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")])
def test_avatar_upload_renders_every_size_and_updates_the_card(api, database, fmt, content_type, extension):
    before = card_row(database, api["card_id"])
    job = upload(api, f"{ADMIN}/cards/{api['card_id']}/avatar", image_bytes(fmt, (1200, 800)), content_type)
    assert job["status"] == "succeeded", job
    assert (job["kind"], job["counts"]["total"], job["counts"]["succeeded"]) == ("images", 1, 1)

    card = card_row(database, api["card_id"])
    key = card["avatar_s3_key"]
    assert key == f"avatars/{api['tenant_id']}/{api['card_id']}/{job['job_id']}/avatar.jpg"
    assert card["vcard_rev"] == before["vcard_rev"] + 1
    expected = {"avatar.jpg": ("JPEG", 512), "vcard.jpg": ("JPEG", 150), "thumbnail.png": ("PNG", 90), "thumbnail@2x.png": ("PNG", 180), "thumbnail@3x.png": ("PNG", 270)}
    for name, (image_format, side) in expected.items():
        image = stored(api, variant_key(key, name))
        assert (image.format, image.size) == (image_format, (side, side)), name
    original = stored(api, variant_key(key, f"original.{extension}"))
    assert (original.format, original.size) == (fmt, (1200, 800))

    # The vCard route finds the photo where it looks for it, and embeds it.
    assert stored(api, f"avatars/{api['tenant_id']}/{api['card_id']}/vcard.jpg").size == (150, 150)
    vcard = api["stack"].request("GET", f"/c/{api['card_id']}/vcard")
    assert vcard.status == 200, vcard.text
    assert "PHOTO;ENCODING=b;TYPE=JPEG:" in vcard.text.replace("\r\n ", "")

    with psycopg.connect(database.admin_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE entity_id = %s ORDER BY audit_id", (api["card_id"],))]
    assert actions[-1] == "card.avatar"


def test_logo_upload_renders_logo_and_icon_sizes(api, database):
    job = upload(api, f"{ADMIN}/brands/{api['brand_id']}/logo", image_bytes("PNG", (1000, 250), mode="RGBA", color=(0, 0, 255, 128)), "image/png", body={"content_type": "image/png"})
    assert job["status"] == "succeeded", job
    brand = api["call"]("GET", f"{ADMIN}/brands/{api['brand_id']}").json()["data"]
    key = brand["theme"]["logo_s3_key"]
    assert key == f"logos/{api['tenant_id']}/{api['brand_id']}/{job['job_id']}/logo.png"
    assert brand["theme"]["primary_color"]  # the rest of the theme is kept
    sizes = {"logo.png": (160, 40), "logo@2x.png": (320, 80), "logo@3x.png": (480, 120), "icon.png": (29, 29), "icon@2x.png": (58, 58), "icon@3x.png": (87, 87)}
    for name, size in sizes.items():
        image = stored(api, variant_key(key, name))
        assert (image.format, image.size, image.mode) == ("PNG", size, "RGBA"), name


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"this is not an image, just text pretending to be one\n" * 20, "image/png", "IMAGE_NOT_ALLOWED"),
        (image_bytes("GIF", (64, 64), mode="P", color=1), "image/gif", "IMAGE_NOT_ALLOWED"),
        (image_bytes("BMP", (64, 64)), "image/bmp", "IMAGE_NOT_ALLOWED"),
        (bomb_png(), "image/png", "IMAGE_TOO_MANY_PIXELS"),
        (bomb_png(8000, 6000), "image/png", "IMAGE_TOO_MANY_PIXELS"),  # 48 MP: over our 40 MP, under Pillow's own guard
        (image_bytes("PNG", (20, 20)), "image/png", "IMAGE_TOO_SMALL"),
        (image_bytes("JPEG", (800, 600))[:600], "image/jpeg", "IMAGE_CORRUPT"),
        (image_bytes("PNG", (300, 300))[:-30] + b"\x00" * 30, "image/png", "IMAGE_CORRUPT"),
    ],
)
def test_refused_images_fail_the_job_and_leave_the_card(api, database, content, content_type, code):
    before = card_row(database, api["card_id"])
    job = upload(api, f"{ADMIN}/cards/{api['card_id']}/avatar", content, content_type)
    assert job["status"] == "failed"
    assert job["error"]["code"] == code, job["error"]
    assert job["counts"]["failed"] == 1
    assert card_row(database, api["card_id"]) == before
    s3 = api["stack"].boto("s3")
    listed = s3.list_objects_v2(Bucket=api["stack"].resources.buckets["assets"], Prefix=f"avatars/{api['tenant_id']}/{api['card_id']}/{job['job_id']}/")
    assert listed.get("KeyCount", 0) == 0


def test_oversized_upload_is_refused(api, database, monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 2000)  # moto does not enforce the POST policy's size range; the worker does
    job = upload(api, f"{ADMIN}/cards/{api['card_id']}/avatar", image_bytes("JPEG", (900, 900), quality=95), "image/jpeg")
    assert (job["status"], job["error"]["code"]) == ("failed", "IMAGE_TOO_LARGE")


def test_upload_requests_are_checked(api, local_stack, tenant_factory):
    call = api["call"]
    assert call("POST", f"{ADMIN}/cards/{uuid.uuid4()}/avatar").json()["error"]["code"] == "CARD_NOT_FOUND"
    assert call("POST", f"{ADMIN}/brands/{uuid.uuid4()}/logo").json()["error"]["code"] == "BRAND_NOT_FOUND"
    bad_type = call("POST", f"{ADMIN}/cards/{api['card_id']}/avatar", json={"content_type": "image/gif"})
    assert (bad_type.status, bad_type.json()["error"]["details"][0]["field"]) == (400, "content_type")
    user = local_stack.token_for(api["tenant_id"], "user")
    assert local_stack.request("POST", f"{ADMIN}/brands/{api['brand_id']}/logo", token=user).status == 403
    assert local_stack.request("POST", f"{ADMIN}/cards/{api['card_id']}/avatar", token=user).status == 202
    intruder = local_stack.token_for(tenant_factory(), "admin")
    assert local_stack.request("POST", f"{ADMIN}/cards/{api['card_id']}/avatar", token=intruder).status == 404
