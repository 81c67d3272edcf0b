"""POST /wallet/v1/log: Apple Wallet reports problems with our web service (`{"logs": [...]}`).

Logged at WARNING (bounded and sanitised), nothing stored; always 200.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.apple_wallet import empty
from outreachpass.models.wallet import DeviceLogs
from outreachpass.services.wallet.web_service import device_logs

router = new_router()


@router.post("/wallet/v1/log", summary="Apple Wallet: device logs", responses={200: {"description": "Logged"}})
def device_log(body: DeviceLogs) -> Response[str]:
    device_logs(body.logs)
    return empty(200)


handler = http_handler(router, roles=None, max_body_bytes=64 * 1024)
