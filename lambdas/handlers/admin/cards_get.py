"""GET /api/v1/admin/cards/{card_id}: a live card (a deleted card is 404 CARD_NOT_FOUND)."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.cards import CardOut
from outreachpass.models.envelope import Envelope
from outreachpass.services.cards import get_card

router = new_router()


@router.get("/api/v1/admin/cards/<card_id>")
def cards_get(card_id: UUID) -> Response[Envelope[CardOut]]:
    return ok(get_card(current_principal(), card_id))


handler = http_handler(router, roles=("admin", "user"))
