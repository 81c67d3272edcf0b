"""POST /api/track/events: the card page's beacon (add_to_contacts, copy_email, share).

Sent by navigator.sendBeacon, so the body is JSON as `application/json` (a JSON Blob) or
`text/plain` (sendBeacon's default for a string): {"card_id": "<uuid>", "type": "<type>"}.
At most 1 KiB (413 beyond). A malformed body or an unknown type is a 400 with the field, an
unknown, deleted or disabled-tenant card a 404, a beacon of a button the card's tenant switched
off (share, add_to_contacts) a 404 FEATURE_DISABLED; nothing is written for any of them. Success
is a 204 with no body. Cheap by design: one resolver call and one INSERT ... SELECT.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, ConfigDict

from outreachpass.api import http_handler, new_router
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.api.visitor import visitor_from
from outreachpass.services.card_tracking import record_beacon
from outreachpass.snapstart import before_snapshot, warm_user_agents

MAX_BEACON_BYTES = 1024

router = new_router()


class Beacon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_id: UUID
    type: Literal["add_to_contacts", "copy_email", "share"]


@router.post(
    "/api/track/events",
    summary="Card page beacon",
    description='Records a contact export from the card page. Body (application/json or text/plain, at most 1 KiB): '
    '{"card_id": "<uuid>", "type": "add_to_contacts" | "copy_email" | "share"}. Answers 204.',
    responses={204: {"description": "Recorded"}, 400: {"description": "Invalid beacon"}, 404: {"description": "CARD_NOT_FOUND: no such card; FEATURE_DISABLED: the button of this beacon is switched off for the card (share: share_button, add_to_contacts: vcard_download)"}},
)
def track_event():  # type: ignore[no-untyped-def]  # unannotated: a 204 without a body
    beacon = parse_json(
        decoded_body(router.current_event.raw_event),
        Beacon,
        required="a JSON object with card_id and type is required",
        message="The beacon is invalid",
    )
    record_beacon(beacon.card_id, beacon.type, visitor_from(router.current_event))
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


before_snapshot(warm_user_agents)  # SnapStart: the snapshot holds the compiled UA resolver
handler = http_handler(router, roles=None, max_body_bytes=MAX_BEACON_BYTES, accepts=("application/json", "text/plain"))
