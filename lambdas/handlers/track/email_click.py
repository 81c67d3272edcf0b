"""GET /api/track/email/click/{message_id}?l=<link id> (or ?u=<url>&s=<signature>): a
tracked link of a card email.

302 to the link, only when it is one of that message's links (by link id, or a URL signed
with the tracking key for that message); the click is recorded (classified human or
machine). Once the message's context has expired, a link still works while its card lives,
but leads only to the card's own URLs (services.email.link_destinations). Anything else is
400 INVALID_LINK and redirects nowhere, so the route can never serve as an open redirect; a
browser gets a short HTML page saying so, an API client the JSON error. No boto3 unless a
signed link is checked.
"""

from __future__ import annotations

import html

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import tracking_hit
from outreachpass.observability import correlation_id, logger
from outreachpass.services.email.tracking import InvalidLink, resolve_click
from outreachpass.snapstart import before_snapshot, warm_user_agents

router = new_router()


@router.get("/api/track/email/click/<message_id>")
def email_click(message_id: str) -> Response[str]:
    event = router.current_event
    hit = tracking_hit(event)
    query = event.query_string_parameters or {}
    try:
        target = resolve_click(message_id, link_id=query.get("l"), url=query.get("u"), signature=query.get("s"), hit=hit)
    except InvalidLink as exc:
        logger().info("invalid tracked link refused", extra={"why": exc.why})
        if "text/html" in (event.headers.get("accept") or ""):
            return _invalid_page()
        raise
    return Response(
        status_code=302,
        content_type="text/plain; charset=utf-8",
        body="",
        headers={"location": target, "cache-control": "no-store, private", "referrer-policy": "no-referrer"},
    )


def _invalid_page() -> Response[str]:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        "<title>Link not valid</title>"
        "<body style='font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:32rem;padding:0 1rem'>"
        "<h1 style='font-size:1.3rem'>This link is not valid or has expired</h1>"
        "<p>The card it led to may have been removed. Ask the event organiser to send your card again.</p>"
        f"<p style='color:#777;font-size:.8rem'>Reference {html.escape(correlation_id())}</p></body></html>"
    )
    return Response(
        status_code=400,
        content_type="text/html; charset=utf-8",
        body=body,
        headers={"cache-control": "no-store", "x-error-code": "INVALID_LINK"},
    )


before_snapshot(warm_user_agents)  # SnapStart: the snapshot holds the compiled UA resolver
handler = http_handler(router, roles=None)
