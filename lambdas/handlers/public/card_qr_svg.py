"""GET /c/{card_id}/qr.svg: the QR code of the card's URL (?src=qr) as an SVG.

Rendered once, stored in S3 under qr/{tenant_id}/{card_id}.svg with a qr_codes row, and served
from there afterwards. A card's QR code only depends on its id, so it is publicly cacheable for
a year (CloudFront caches /c/*/qr.*). An unknown, deleted or malformed card id is a 404.
"""

from __future__ import annotations

import hashlib

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.integrations.qr import MEDIA_TYPES
from outreachpass.services.cards_public import QR_CACHE_CONTROL, qr_image

router = new_router()


@router.get(
    "/c/<card_id>/qr.svg",
    summary="The card's QR code (SVG)",
    responses={200: {"description": "The QR code", "content": {"image/svg+xml": {}}}, 404: {"description": "No such card"}},
)
def card_qr_svg(card_id: str):  # unannotated: a Response[bytes] would be validated as UTF-8 text
    data = qr_image(card_id, "svg")
    return Response(
        status_code=200,
        content_type=MEDIA_TYPES["svg"],
        body=data,
        headers={
            "Cache-Control": QR_CACHE_CONTROL,
            "ETag": f'"{hashlib.sha256(data).hexdigest()[:32]}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


handler = http_handler(router, roles=None)
