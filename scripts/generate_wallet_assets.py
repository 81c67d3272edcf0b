"""Draws the default wallet images (outreachpass/assets/wallet/*.png) for brands without a logo.

Run once; the PNGs are committed (the Lambda never imports Pillow for them):

    .venv/bin/python scripts/generate_wallet_assets.py

Apple's sizes: icon 29x29 pt (1x/2x/3x), logo up to 160x50 pt (1x/2x/3x). The glyph is a
neutral contact card (a head and two lines) on the default brand slate; the logo is the same
glyph on a transparent background (white, and `logo-dark` in slate for light pass
backgrounds), so the pass's logoText (the organisation) reads next to it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "layers" / "core" / "python" / "outreachpass" / "assets" / "wallet"
SLATE = (31, 41, 55, 255)
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4


def card_glyph(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], colour, background) -> None:
    """A contact card: rounded outline, a head-and-shoulders on the left, two text lines."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    radius = h * 0.16
    stroke = max(1, round(h * 0.07))
    draw.rounded_rectangle(box, radius=radius, outline=colour, width=stroke, fill=background)
    cx, cy = x0 + w * 0.28, y0 + h * 0.40
    head = h * 0.14
    draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=colour)
    draw.pieslice((cx - head * 2, cy + head * 1.2, cx + head * 2, cy + head * 5), 180, 360, fill=colour)
    line = max(1, round(h * 0.08))
    for i, length in enumerate((0.36, 0.26)):
        ly = y0 + h * (0.38 + i * 0.22)
        draw.rounded_rectangle((x0 + w * 0.50, ly, x0 + w * (0.50 + length), ly + line), radius=line / 2, fill=colour)


def icon(size: int) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=SLATE)
    pad = big * 0.16
    card_glyph(draw, (pad, big * 0.27, big - pad, big * 0.73), WHITE, SLATE)
    return image.resize((size, size), Image.LANCZOS)


def logo(width: int, height: int, colour=WHITE) -> Image.Image:
    big_w, big_h = width * SUPERSAMPLE, height * SUPERSAMPLE
    image = Image.new("RGBA", (big_w, big_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    glyph_h = big_h * 0.72
    top = (big_h - glyph_h) / 2
    card_glyph(draw, (big_h * 0.06, top, big_h * 0.06 + glyph_h * 1.55, top + glyph_h), colour, (0, 0, 0, 0))
    image = image.resize((width, height), Image.LANCZOS)
    return image.crop((0, 0, min(width, round(height * 1.3)), height))  # the glyph, no empty space right of it


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for scale in (1, 2, 3):
        suffix = "" if scale == 1 else f"@{scale}x"
        icon(29 * scale).save(OUT / f"icon{suffix}.png", optimize=True)
        logo(160 * scale, 50 * scale).save(OUT / f"logo{suffix}.png", optimize=True)
        logo(160 * scale, 50 * scale, SLATE).save(OUT / f"logo-dark{suffix}.png", optimize=True)
    print(f"wrote {sorted(p.name for p in OUT.glob('*.png'))} to {OUT}")


if __name__ == "__main__":
    main()
