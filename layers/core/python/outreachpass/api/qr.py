"""The HTTP answer for a card's QR code, shared by the PNG and SVG routes."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from aws_lambda_powertools.event_handler import Response

from outreachpass.integrations.qr import MEDIA_TYPES
from outreachpass.services.cards_public import QR_CACHE_CONTROL, qr_image

# An SVG is a document: it may style itself, but load and run nothing.
_EXTRA_HEADERS = {"svg": {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}, "png": {}}


def qr_response(card_id: str, image_format: Literal["png", "svg"]) -> Response[Any]:
    data = qr_image(card_id, image_format)
    return Response(
        status_code=200,
        content_type=MEDIA_TYPES[image_format],
        body=data,
        headers={
            "Cache-Control": QR_CACHE_CONTROL,
            "ETag": f'"{hashlib.sha256(data).hexdigest()[:32]}"',
            "X-Content-Type-Options": "nosniff",
            **_EXTRA_HEADERS[image_format],
        },
    )
