"""QR codes of card URLs: they decode (zxing-cpp) to the card URL with ?src=qr, are cached in S3
with a qr_codes row, and are served from there after the first request."""

from __future__ import annotations

import base64
import io
import re
import uuid

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from tests.integration.public_cards import base_url, make_card, rows


@pytest.fixture
def card(database, tenant_factory, app_env, local_stack):
    return make_card(database, tenant_factory())


def body_bytes(response) -> bytes:
    assert response.raw["isBase64Encoded"] is True
    return base64.b64decode(response.text)


def decode_png(data: bytes) -> list:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))


def rasterize_path_svg(svg: str, scale: int = 8) -> Image.Image:
    """Draw the SVG path factory's output (rectangles `Mx,yHx2Vy2Hxz`) onto a white canvas."""
    width = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    image = Image.new("L", (width * scale, width * scale), 255)
    draw = ImageDraw.Draw(image)
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    for x, y, x2, y2 in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", path):
        draw.rectangle([int(x) * scale, int(y) * scale, int(x2) * scale - 1, int(y2) * scale - 1], fill=0)
    return image


def test_png_decodes_to_the_card_url_and_is_cached_in_s3(call_route, card, database, local_stack):
    card_id, tenant_id = card["card_id"], card["tenant_id"]
    expected_url = f"{base_url()}/c/{card_id}?src=qr"
    response = call_route("GET", f"/c/{card_id}/qr.png")
    assert response.status == 200, response
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
    data = body_bytes(response)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    [found] = decode_png(data)
    assert found.text == expected_url
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.ec_level == "M"
    # 4-module quiet zone: the first dark pixel is 4 modules (10 px each) in
    image = Image.open(io.BytesIO(data)).convert("L")
    first_dark = next(x for x in range(image.width) if image.getpixel((x, image.height // 2)) < 128 or image.getpixel((x, 45)) < 128)
    assert first_dark == 40

    key = f"qr/{tenant_id}/{card_id}.png"
    stored = local_stack.boto("s3").get_object(Bucket=local_stack.resources.buckets["assets"], Key=key)
    assert stored["Body"].read() == data
    assert stored["ContentType"] == "image/png"
    [row] = rows(database, "SELECT * FROM qr_codes WHERE card_id = %s", (card_id,))
    assert (row["tenant_id"], row["format"], row["s3_key"], row["url_encoded"]) == (tenant_id, "png", key, expected_url)


def test_svg_is_one_path_and_decodes_to_the_card_url(call_route, card, database):
    response = call_route("GET", f"/c/{card['card_id']}/qr.svg")
    assert response.status == 200, response
    assert response.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    svg = body_bytes(response).decode("utf-8")
    assert svg.startswith("<svg") and svg.count("<path") == 1 and "<script" not in svg
    [found] = zxingcpp.read_barcodes(rasterize_path_svg(svg))
    assert found.text == f"{base_url()}/c/{card['card_id']}?src=qr"
    assert {row["format"] for row in rows(database, "SELECT format FROM qr_codes WHERE card_id = %s", (card["card_id"],))} == {"svg"}


def test_second_request_is_served_from_s3(call_route, card, database, local_stack, monkeypatch):
    first = body_bytes(call_route("GET", f"/c/{card['card_id']}/qr.png"))
    # Replace the stored object: what comes back next is what S3 holds, not a new rendering.
    key = f"qr/{card['tenant_id']}/{card['card_id']}.png"
    marker = first + b"cached"
    local_stack.boto("s3").put_object(Bucket=local_stack.resources.buckets["assets"], Key=key, Body=marker)

    import outreachpass.integrations.qr as qr

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(qr, "render", no_rendering)
    assert body_bytes(call_route("GET", f"/c/{card['card_id']}/qr.png")) == marker
    assert len(rows(database, "SELECT * FROM qr_codes WHERE card_id = %s", (card["card_id"],))) == 1


def test_a_lost_object_or_a_new_public_url_renders_again(call_route, card, database, local_stack, monkeypatch):
    from outreachpass.config import reset_settings

    call_route("GET", f"/c/{card['card_id']}/qr.png")
    key = f"qr/{card['tenant_id']}/{card['card_id']}.png"
    local_stack.boto("s3").delete_object(Bucket=local_stack.resources.buckets["assets"], Key=key)
    again = body_bytes(call_route("GET", f"/c/{card['card_id']}/qr.png"))
    assert decode_png(again)[0].text.endswith(f"/c/{card['card_id']}?src=qr")

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://cards.example.com")
    reset_settings()
    try:
        moved = body_bytes(call_route("GET", f"/c/{card['card_id']}/qr.png"))
    finally:
        monkeypatch.undo()
        reset_settings()
    assert decode_png(moved)[0].text == f"https://cards.example.com/c/{card['card_id']}?src=qr"
    [row] = rows(database, "SELECT url_encoded FROM qr_codes WHERE card_id = %s", (card["card_id"],))
    assert row["url_encoded"] == f"https://cards.example.com/c/{card['card_id']}?src=qr"


@pytest.mark.parametrize("fmt", ["png", "svg"])
@pytest.mark.parametrize("card_path", ["not-a-uuid", "deleted", str(uuid.uuid4())])
def test_qr_of_unknown_deleted_or_malformed_card_is_404_and_stores_nothing(call_route, card, database, admin_conn, fmt, card_path):
    if card_path == "deleted":
        admin_conn.execute("UPDATE cards SET deleted_at = now() WHERE card_id = %s", (card["card_id"],))
        card_path = str(card["card_id"])
    response = call_route("GET", f"/c/{card_path}/qr.{fmt}")
    assert response.status == 404
    assert response.json["error"]["code"] == "CARD_NOT_FOUND"
    assert "immutable" not in response.headers.get("cache-control", "")
    assert rows(database, "SELECT * FROM qr_codes WHERE card_id = %s", (card["card_id"],)) == []
