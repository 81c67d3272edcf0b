"""GET /wallet/v1/devices/{device_id}/registrations/{pass_type_id}?passesUpdatedSince=<tag>: the
serial numbers of the device's passes updated since the tag (Apple web service protocol).

200 `{"serialNumbers": [...], "lastUpdated": "<tag>"}` (the tag is a string, as Wallet
requires), 204 when none changed (or the device has no passes of this type). No token: Apple
sends none here, and the answer discloses only serials and tags.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from outreachpass.api import http_handler, new_router
from outreachpass.api.apple_wallet import empty
from outreachpass.services.wallet.web_service import updated_serials

router = new_router()


@router.get(
    "/wallet/v1/devices/<device_id>/registrations/<pass_type_id>",
    summary="Apple Wallet: serial numbers of updated passes",
    responses={
        200: {
            "description": "Serials updated since the tag",
            # OpenAPI's media type has "example"; Powertools' TypedDict lists only "examples".
            "content": {"application/json": {"example": {"serialNumbers": ["3f1c2b0e9a8d4c7b"], "lastUpdated": "2026-01-01T12:00:00.000000Z"}}},  # type: ignore[dict-item]
        },
        204: {"description": "Nothing updated"},
    },
)
def device_updates(  # type: ignore[no-untyped-def]  # unannotated: Apple's JSON or a bare 204, not an envelope
    device_id: str,
    pass_type_id: str,
    passes_updated_since: Annotated[str | None, Query(alias="passesUpdatedSince", max_length=64)] = None,
):
    found = updated_serials(device_id, pass_type_id, passes_updated_since)
    if found is None:
        return empty(204)
    return Response(status_code=200, content_type="application/json", body=found, headers={"Cache-Control": "no-store"})


handler = http_handler(router, roles=None)
