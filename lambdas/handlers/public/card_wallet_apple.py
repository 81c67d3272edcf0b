"""GET /c/{card_id}/wallet/apple: the card's signed Apple Wallet pass (.pkpass).

Built fresh for each download (the card as it is now), issued on the first one (serial and
authentication token kept for good), recorded as a `downloaded` wallet event. Never cached:
the pass carries the token its device uses for updates. An unknown, deleted or malformed
card id is a 404 CARD_NOT_FOUND, Apple Wallet switched off by the card's tenant (or brand) a 404
FEATURE_DISABLED; missing or broken Apple credentials are a 503
WALLET_NOT_CONFIGURED (the log says what to fix).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import visitor_from
from outreachpass.integrations.wallet.apple_pass import MEDIA_TYPE
from outreachpass.services.wallet.apple import download_apple_pass
from outreachpass.snapstart import before_snapshot, warm_apple_wallet

router = new_router()


@router.get(
    "/c/<card_id>/wallet/apple",
    summary="The card's Apple Wallet pass",
    description="The signed .pkpass of the card (a generic pass with its QR code); records a wallet download.",
    responses={
        200: {"description": "The signed pass", "content": {MEDIA_TYPE: {}}},
        404: {"description": "CARD_NOT_FOUND: no such card; FEATURE_DISABLED: the card's organisation (or brand) switched Apple Wallet off (feature flag apple_wallet)"},
        503: {"description": "Apple Wallet is not configured or not reachable"},
    },
)
def card_wallet_apple(card_id: str):  # type: ignore[no-untyped-def]  # unannotated: a binary body (base64 for API Gateway)
    found = download_apple_pass(card_id, visitor_from(router.current_event))
    return Response(
        status_code=200,
        content_type=MEDIA_TYPE,
        body=found.data,
        headers={
            "Content-Disposition": found.content_disposition,
            "Last-Modified": found.last_modified_header,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


handler = http_handler(router, roles=None)
before_snapshot(warm_apple_wallet)  # SnapStart: cryptography and the signing modules, no secrets
