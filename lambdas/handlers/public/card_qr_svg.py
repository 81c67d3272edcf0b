"""GET /c/{card_id}/qr.svg: the QR code of the card's URL (?src=qr) as an SVG.

Rendered once, stored in S3 under qr/{tenant_id}/{card_id}.svg with a qr_codes row, and served
from there afterwards. A card's QR code only depends on its id, so it is publicly cacheable for
a year (CloudFront caches /c/*/qr.*). An unknown, deleted or malformed card id is a 404.
"""

from __future__ import annotations

from outreachpass.api import http_handler, new_router
from outreachpass.api.qr import qr_response
from outreachpass.snapstart import before_snapshot, warm_qr_codes

router = new_router()


@router.get(
    "/c/<card_id>/qr.svg",
    summary="The card's QR code (SVG)",
    responses={200: {"description": "The QR code", "content": {"image/svg+xml": {}}}, 404: {"description": "No such card"}},
)
def card_qr_svg(card_id: str):  # type: ignore[no-untyped-def]  # unannotated: a Response[bytes] would be validated as UTF-8 text
    return qr_response(card_id, "svg")


handler = http_handler(router, roles=None)
before_snapshot(warm_qr_codes)  # SnapStart: qrcode and Pillow imported and exercised, nothing remote
