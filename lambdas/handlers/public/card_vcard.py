"""GET /c/{card_id}/vcard: the card as a vCard 3.0 download, recording a contact export.

`text/vcard` with a file name (ASCII and UTF-8 forms); privately cacheable for a minute (a
double tap does not download twice, and a changed card shows up quickly). Its few words are in
the card's language (services.cards_public.card_language). An unknown, deleted or malformed card
id is a 404 CARD_NOT_FOUND; a card whose tenant (or brand) switched vCard downloads off is a 404
FEATURE_DISABLED, and nothing is recorded.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import accept_language_of, visitor_from
from outreachpass.integrations.vcard import MEDIA_TYPE
from outreachpass.observability import logger
from outreachpass.services.cards_public import download_vcard
from outreachpass.snapstart import before_snapshot, warm_user_agents

router = new_router()


@router.get(
    "/c/<card_id>/vcard",
    summary="The card as a vCard",
    description="vCard 3.0 download of the card; records a contact export (vcard_download).",
    responses={200: {"description": "The vCard", "content": {"text/vcard": {}}}, 404: {"description": "CARD_NOT_FOUND: no such card; FEATURE_DISABLED: the card's organisation (or brand) switched vCard downloads off (feature flag vcard_download)"}},
)
def card_vcard(card_id: str):  # type: ignore[no-untyped-def]  # unannotated: a vCard file, not an envelope
    result = download_vcard(card_id, visitor_from(router.current_event), accept_language_of(router.current_event))
    logger().append_keys(tenant_id=str(result.tenant_id))
    logger().info("vCard downloaded", extra={"card_id": card_id, "vcard_rev": result.vcard_rev, "photo": result.has_photo})
    return Response(
        status_code=200,
        content_type=MEDIA_TYPE,
        body=result.text,
        headers={
            "Content-Disposition": result.content_disposition,
            "Cache-Control": "private, max-age=60",
            "X-Content-Type-Options": "nosniff",
            "X-Robots-Tag": "noindex, nofollow",
            "Vary": "Accept-Language",  # its note and labels may be in the browser's language
        },
    )


before_snapshot(warm_user_agents)  # SnapStart: the snapshot holds the compiled UA resolver
handler = http_handler(router, roles=None)
