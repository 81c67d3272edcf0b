"""PATCH /api/v1/admin/cards/{card_id}: change display fields or links; a change bumps vcard_rev."""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.models.cards import CardOut, CardUpdate
from outreachpass.models.envelope import Envelope
from outreachpass.services.cards import update_card

router = new_router()


@router.patch("/api/v1/admin/cards/<card_id>")
def cards_update(card_id: UUID, body: CardUpdate) -> Response[Envelope[CardOut]]:
    return ok(update_card(current_principal(), card_id, body))


handler = http_handler(router, roles=("admin", "user"))
