"""QR codes of card URLs, as PNG and SVG (the `qrcode` library).

Error correction M (15 %: survives a scuffed badge or a logo sticker), a 4-module quiet zone
(the minimum ISO/IEC 18004 asks for), black on white. PNG at 10 px per module (~410 px for
a card URL: crisp on screen and on a printed badge); SVG as one path (the path factory,
with a white background so it scans on a dark page too).

`qrcode` and Pillow are imported on first use only: they cost ~60 ms of cold start, and only
the QR functions need them.
"""

from __future__ import annotations

import io
from typing import Any, Literal

Format = Literal["png", "svg"]

MEDIA_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
BOX_SIZE = 10
BORDER = 4  # modules of quiet zone


def _qr(url: str, image_factory: Any = None) -> Any:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER, image_factory=image_factory)
    code.add_data(url)
    code.make(fit=True)
    return code


def render_png(url: str) -> bytes:
    image = _qr(url).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_svg(url: str) -> bytes:
    from qrcode.image.svg import SvgPathFillImage

    image = _qr(url, SvgPathFillImage).make_image()
    svg: bytes = image.to_string(encoding="utf-8")
    return svg


def render(url: str, fmt: Format) -> bytes:
    if fmt == "png":
        return render_png(url)
    if fmt == "svg":
        return render_svg(url)
    raise ValueError(f"unknown QR format {fmt!r}")
