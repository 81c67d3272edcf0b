"""POST /wallet/v1/devices/{device_id}/registrations/{pass_type_id}/{serial}: Apple Wallet registers
a device for a pass's updates (Apple web service protocol).

`Authorization: ApplePass <authenticationToken>`, body `{"pushToken": "..."}`. 201 for a new
registration (recorded as an `added` wallet event), 200 when the device was registered already
(its push token is refreshed), 401 for a missing or wrong token, an unknown serial or another
pass type.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.apple_wallet import empty, refused
from outreachpass.api.visitor import visitor_from
from outreachpass.errors import Unauthorized
from outreachpass.models.wallet import DeviceRegistration
from outreachpass.services.wallet.web_service import register_device

router = new_router()


@router.post(
    "/wallet/v1/devices/<device_id>/registrations/<pass_type_id>/<serial>",
    summary="Apple Wallet: register a device for pass updates",
    responses={201: {"description": "Registered"}, 200: {"description": "Already registered"}, 401: {"description": "Not authorized"}},
)
def device_register(device_id: str, pass_type_id: str, serial: str, body: DeviceRegistration) -> Response[str]:
    event = router.current_event
    try:
        created = register_device(
            device_id, pass_type_id, serial, event.headers.get("authorization"), body.pushToken, visitor_from(event)
        )
    except Unauthorized:
        return refused()
    return empty(201 if created else 200)


handler = http_handler(router, roles=None, max_body_bytes=4 * 1024)
