"""GET /wallet-badges/{badge}: an official wallet badge the card page shows (apple-de.svg, google-ja.svg...).

Static artwork packaged with the code (integrations.wallet_badges): no database, cached by browsers
for a year (the page's link carries the artwork's digest, so a new artwork is a new URL). Any name
that is not a packaged badge is a 404 WALLET_BADGE_NOT_FOUND.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.errors import NotFound
from outreachpass.integrations import wallet_badges

router = new_router()


@router.get(
    "/wallet-badges/<badge>",
    summary="An official wallet badge",
    description="The localized Add to Apple Wallet badge or Add to Google Wallet button the card page shows, as SVG "
    "(`apple-<language>.svg`, `google-<language>.svg`).",
    responses={200: {"description": "The badge", "content": {"image/svg+xml": {}}}, 404: {"description": "No such badge"}},
)
def wallet_badge(badge: str):  # type: ignore[no-untyped-def]  # unannotated: a Response[bytes] would be validated as UTF-8 text
    data = wallet_badges.badge_svg(badge)
    if data is None:
        raise NotFound("wallet_badge")
    return Response(
        status_code=200,
        content_type=wallet_badges.MEDIA_TYPE,
        body=data,
        headers={
            "Cache-Control": wallet_badges.CACHE_CONTROL,
            "Content-Security-Policy": wallet_badges.CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


handler = http_handler(router, roles=None)
