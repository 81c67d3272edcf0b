"""POST /api/track/cards/{card_id}/contact: "Share my details" from the card page.

The visitor's name, e-mail, phone, company and note, with their explicit consent, go by e-mail to
the card's owner (services/contact_share.py: plain text, the owner's address never leaves the
server, nothing goes to the address the visitor typed), and the card records a `contact_shared`
engagement event. 204 when shared (and when the honeypot caught a bot: the same answer); 400
with the field at fault; 403 CONTACT_SHARE_DISABLED when the tenant turned the feature off; 404
for no such card; 429 over the rate limits. Under /api/track/ because the edge forwards the
viewer's address there (the per-IP limit) and lets POST through.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import visitor_from
from outreachpass.models.contact_share import ContactShareIn
from outreachpass.services.contact_share import share_details

MAX_SHARE_BYTES = 8 * 1024

router = new_router()


@router.post(
    "/api/track/cards/<card_id>/contact",
    status_code=204,
    summary="Share my details with the card's owner",
    description="The visitor's details (with `consent: true`) are e-mailed as plain text to the card's owner only. "
    "Answers 204 when sent (also when the hidden `website` field is filled: nothing is sent then); 400 VALIDATION_ERROR "
    "with the field; 403 CONTACT_SHARE_DISABLED; 404 CARD_NOT_FOUND; 422 CONTACT_SHARE_UNDELIVERABLE when SES refuses "
    "the owner's address; 429 TOO_MANY_REQUESTS over the hourly limits; 503 when SES cannot take it now.",
    responses={
        204: {"description": "Sent to the card's owner"},
        403: {"description": "CONTACT_SHARE_DISABLED: this card does not take shared details",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        429: {"description": "TOO_MANY_REQUESTS: too many shares with this card or from this address in the last hour",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    },
)
def contact_share(card_id: str, body: ContactShareIn):  # type: ignore[no-untyped-def]  # 204: no body to describe
    share_details(card_id, body, visitor_from(router.current_event))
    return Response(status_code=204, body="", headers={"Cache-Control": "no-store"})


handler = http_handler(router, roles=None, max_body_bytes=MAX_SHARE_BYTES)
