"""POST /wallet/google/callback: Google Wallet's save / delete callbacks for the cards' passes.

Google posts a message signed with ECv2SigningOnly (services.wallet.google_callbacks verifies it
against Google's root signing keys, with our issuer id as recipient). A verified save or delete
of a card's pass is recorded as a Google `added` / `removed` wallet event (once per nonce) and
answered 200; a verified message about something not ours is answered 200 and ignored (Google
stops retrying). Anything not signed by Google for us is a 400 INVALID_CALLBACK; Google's keys
unreachable is a 503 (Google retries).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.body import decoded_body
from outreachpass.observability import logger
from outreachpass.services.wallet.google_callbacks import InvalidCallback, receive_callback

router = new_router()


@router.post(
    "/wallet/google/callback",
    summary="Google Wallet: a pass was saved or deleted",
    description="Google's signed callback (protocolVersion ECv2SigningOnly, see docs/wallet.md). Answers 200 once "
    "verified, whether or not it concerns a pass of ours.",
    responses={
        200: {"description": "Verified (recorded, a duplicate, or not ours)"},
        400: {"description": "INVALID_CALLBACK: not a message signed by Google for this issuer, or expired"},
        503: {"description": "WALLET_NOT_CONFIGURED: Google Wallet is not configured; SERVICE_UNAVAILABLE: Google's signing keys are unreachable"},
    },
)
def google_callback() -> Response[str]:
    try:
        outcome = receive_callback(decoded_body(router.current_event.raw_event))
    except InvalidCallback as exc:
        logger().warning("Google Wallet callback refused", extra={"why": exc.why})
        raise
    return Response(status_code=200, content_type="text/plain; charset=utf-8", body=outcome.reason, headers={"Cache-Control": "no-store"})


# Google's guide does not say which content type it sends: the signature is what is checked.
handler = http_handler(router, roles=None, max_body_bytes=16 * 1024, accepts=("application/json", "text/plain", ""))
