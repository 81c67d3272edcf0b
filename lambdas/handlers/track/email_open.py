"""GET /api/track/email/open/{pixel}: the open-tracking pixel of a card email.

The path parameter is `<message_id>.gif`: API Gateway path variables are whole segments,
so the route is /api/track/email/open/{pixel} and the `.gif` suffix is parsed here (a bare
id is accepted too). The answer is always the same 1x1 transparent GIF with no-cache
headers, for unknown ids as well and even when recording fails: a mail client never sees
an error and nobody learns which ids exist. Known, live ids get an `opened` event
(classified human or machine). No boto3, no jinja2: a cold start stays small.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import tracking_hit
from outreachpass.observability import logger
from outreachpass.services.email.tracking import TRANSPARENT_GIF, message_id_from_pixel, record_open
from outreachpass.snapstart import before_snapshot, warm_user_agents

router = new_router()

NO_CACHE = {
    "cache-control": "no-store, no-cache, must-revalidate, private, max-age=0",
    "pragma": "no-cache",
    "expires": "0",
}


@router.get("/api/track/email/open/<pixel>")
def email_open(pixel: str):  # type: ignore[no-untyped-def]  # unannotated: a Response[bytes] would be validated as UTF-8 text
    event = router.current_event
    hit = tracking_hit(event)
    try:
        record_open(message_id_from_pixel(pixel), hit)
    except Exception:  # the pixel answers whatever happens; the log says what went wrong
        logger().exception("recording an email open failed")
    return Response(status_code=200, content_type="image/gif", body=TRANSPARENT_GIF, headers=dict(NO_CACHE))


before_snapshot(warm_user_agents)  # SnapStart: the snapshot holds the compiled UA resolver
handler = http_handler(router, roles=None)
