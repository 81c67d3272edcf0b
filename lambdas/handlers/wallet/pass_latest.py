"""GET /wallet/v1/passes/{pass_type_id}/{serial}: the latest version of a pass (Apple web service
protocol), built from the card as it is now.

`Authorization: ApplePass <token>`. 200 with the .pkpass and Last-Modified (recorded as an
`updated` wallet event), 304 when it has not changed since If-Modified-Since, 401 for a missing
or wrong token. A deleted card's pass comes back voided.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.apple_wallet import empty, refused
from outreachpass.api.visitor import visitor_from
from outreachpass.errors import Unauthorized
from outreachpass.integrations.wallet.apple_pass import MEDIA_TYPE
from outreachpass.services.wallet.apple import http_date
from outreachpass.services.wallet.web_service import latest_pass
from outreachpass.snapstart import before_snapshot, warm_apple_wallet

router = new_router()


@router.get(
    "/wallet/v1/passes/<pass_type_id>/<serial>",
    summary="Apple Wallet: the latest version of a pass",
    responses={
        200: {"description": "The signed pass", "content": {MEDIA_TYPE: {}}},
        304: {"description": "Not modified since If-Modified-Since"},
        401: {"description": "Not authorized"},
    },
)
def pass_latest(pass_type_id: str, serial: str):  # type: ignore[no-untyped-def]  # unannotated: a .pkpass or a bare 304/401
    event = router.current_event
    try:
        found = latest_pass(
            pass_type_id, serial, event.headers.get("authorization"), event.headers.get("if-modified-since"), visitor_from(event)
        )
    except Unauthorized:
        return refused()
    last_modified = http_date(found.last_modified)
    if found.not_modified:
        return empty(304, {"Last-Modified": last_modified})
    return Response(
        status_code=200,
        content_type=MEDIA_TYPE,
        body=found.data,
        headers={"Last-Modified": last_modified, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


handler = http_handler(router, roles=None)
before_snapshot(warm_apple_wallet)  # SnapStart: cryptography and the signing modules, no secrets
