"""GET /c/{card_id}/wallet/google: 302 to the card's "Add to Google Wallet" link.

The card's generic object is inserted (or brought up to date) through the Wallet REST API
first; the link's JWT only references it, which keeps the URL short. Recorded as a
`downloaded` wallet event. 404 CARD_NOT_FOUND for an unknown card, 404 FEATURE_DISABLED when the
card's tenant (or brand) switched Google Wallet off; 503 when Google Wallet is
not configured (WALLET_NOT_CONFIGURED) or not reachable (GOOGLE_WALLET_UNAVAILABLE).
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import visitor_from
from outreachpass.services.wallet.google import google_save_link
from outreachpass.snapstart import before_snapshot, warm_google_wallet

router = new_router()


@router.get(
    "/c/<card_id>/wallet/google",
    summary="Save the card to Google Wallet",
    description="Redirects (302) to https://pay.google.com/gp/v/save/<jwt> for the card's Google Wallet pass.",
    responses={
        302: {"description": "Redirect to Google Wallet"},
        404: {"description": "CARD_NOT_FOUND: no such card; FEATURE_DISABLED: the card's organisation (or brand) switched Google Wallet off (feature flag google_wallet)"},
        503: {"description": "Google Wallet is not configured or not reachable"},
    },
)
def card_wallet_google(card_id: str) -> Response[str]:
    url = google_save_link(card_id, visitor_from(router.current_event))
    return Response(
        status_code=302,
        content_type="text/plain; charset=utf-8",
        body="",
        headers={"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


handler = http_handler(router, roles=None)
before_snapshot(warm_google_wallet)  # SnapStart: google-auth and requests imported, no secrets, nothing remote
