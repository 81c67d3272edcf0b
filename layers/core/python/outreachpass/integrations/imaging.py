"""Checking uploaded images and rendering the sizes the product uses, with Pillow.

Pillow is imported inside the functions (a few MB of native code): only the image worker
pays for it at cold start.

`open_checked(data, ...)` refuses, as `ImageRejected(code, message)`:
- anything that is not a PNG, JPEG or WebP (by content, whatever the name or content type);
- images whose header declares more pixels than allowed, before a single pixel is decoded
  (a decompression bomb: a few KB of PNG that would inflate to gigabytes);
- corrupt or truncated files (Pillow's verify() and a full decode);
- images smaller than the minimum side.
It returns the first frame, upright (EXIF orientation applied), in RGB or RGBA.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


class ImageRejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    image: Any  # PIL.Image.Image, RGB or RGBA, first frame, upright
    format: str  # PNG | JPEG | WEBP
    width: int  # as uploaded (before EXIF rotation)
    height: int

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def open_checked(data: bytes, *, allowed: tuple[str, ...] = tuple(FORMATS), max_pixels: int, min_side: int = 1) -> CheckedImage:
    from PIL import Image, ImageOps, UnidentifiedImageError

    allowed_names = ", ".join(allowed)
    try:
        probe = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:
        raise ImageRejected("IMAGE_TOO_MANY_PIXELS", f"The image declares far more than {max_pixels / 1e6:g} megapixels: refused (decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageRejected("IMAGE_NOT_ALLOWED", f"The file is not an image of an allowed type ({allowed_names})") from None
    except Exception:
        raise ImageRejected("IMAGE_CORRUPT", "The image cannot be read: the file is damaged or not an image") from None
    with probe:
        fmt = probe.format or ""
        width, height = probe.size
        if fmt not in allowed:
            raise ImageRejected("IMAGE_NOT_ALLOWED", f"{fmt or 'This'} images are not accepted: upload {allowed_names}")
        if width * height > max_pixels:
            raise ImageRejected(
                "IMAGE_TOO_MANY_PIXELS",
                f"The image is {width}x{height} pixels ({width * height / 1e6:.1f} megapixels); the limit is {max_pixels / 1e6:g} megapixels",
            )
        if min(width, height) < min_side:
            raise ImageRejected("IMAGE_TOO_SMALL", f"The image is {width}x{height} pixels; each side needs at least {min_side}")
        try:
            probe.verify()  # structure and checksums, without decoding
        except Exception:
            raise ImageRejected("IMAGE_CORRUPT", "The image is damaged (it fails its integrity check)") from None
    try:
        image: Any = Image.open(io.BytesIO(data))  # verify() leaves the object unusable: open again
        if fmt == "JPEG":
            image.draft("RGB", (2048, 2048))  # decode big JPEGs at a reduced scale: less memory, same result
        image.seek(0)
        image.load()
        image = ImageOps.exif_transpose(image) or image
        image = _normalized_mode(image)
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected("IMAGE_TOO_MANY_PIXELS", f"The image has more than {max_pixels / 1e6:g} megapixels") from None
    except Exception:
        raise ImageRejected("IMAGE_CORRUPT", "The image cannot be decoded: the file is truncated or damaged") from None
    return CheckedImage(image=image, format=fmt, width=width, height=height)


def _normalized_mode(image: Any) -> Any:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    target = "RGBA" if has_alpha else "RGB"
    return image if image.mode == target else image.convert(target)


def square(image: Any, side: int, *, fmt: str, quality: int = 85) -> bytes:
    """Cropped to a centred square (a little above centre: faces) and resized to sidexside."""
    from PIL import Image, ImageOps

    fitted = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    return encode(fitted, fmt=fmt, quality=quality)


def contain(image: Any, width: int, height: int) -> bytes:
    """Scaled to fit inside widthxheight, aspect kept, no padding (a logo strip), as PNG."""
    from PIL import Image, ImageOps

    return encode(ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS), fmt="PNG")


def padded_square(image: Any, side: int) -> bytes:
    """Scaled to fit a sidexside square, centred on transparent padding (an icon), as PNG."""
    from PIL import Image, ImageOps

    rgba = image if image.mode == "RGBA" else image.convert("RGBA")
    return encode(ImageOps.pad(rgba, (side, side), Image.Resampling.LANCZOS, color=(0, 0, 0, 0)), fmt="PNG")


def encode(image: Any, *, fmt: str, quality: int = 85) -> bytes:
    """Encoded without metadata (no EXIF: no camera GPS position leaves in a derivative)."""
    from PIL import Image

    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode != "RGB":
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
            image = background
        image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format=fmt, quality=quality)
    return out.getvalue()
