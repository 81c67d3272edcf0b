"""DELETE /wallet/v1/devices/{device_id}/registrations/{pass_type_id}/{serial}: Apple Wallet stops
updates of a pass on a device (the pass was removed). 200 (recorded as a `removed` wallet event
when it was registered), 401 for a missing or wrong `ApplePass` token.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.apple_wallet import empty, refused
from outreachpass.api.visitor import visitor_from
from outreachpass.errors import Unauthorized
from outreachpass.services.wallet.web_service import unregister_device

router = new_router()


@router.delete(
    "/wallet/v1/devices/<device_id>/registrations/<pass_type_id>/<serial>",
    summary="Apple Wallet: unregister a device",
    responses={200: {"description": "Unregistered"}, 401: {"description": "Not authorized"}},
)
def device_unregister(device_id: str, pass_type_id: str, serial: str) -> Response[str]:
    event = router.current_event
    try:
        unregister_device(device_id, pass_type_id, serial, event.headers.get("authorization"), visitor_from(event))
    except Unauthorized:
        return refused()
    return empty(200)


handler = http_handler(router, roles=None, max_body_bytes=4 * 1024)
