"""POST /api/track/email/unsubscribe/{message_id}?s=<signature>: RFC 8058 one-click unsubscribe.

What Gmail and Yahoo send when someone clicks their "Unsubscribe" (the body is
`List-Unsubscribe=One-Click`, form-encoded), and what the page's button sends: no sign-in, no
cookie, the signed URL is the authority. The address goes on the tenant's suppression list
(reason unsubscribe); 200 with a page that says so, also when it was there already. A link that
is not valid is 400 (a page)."""

from __future__ import annotations

from outreachpass.api import http_handler, new_router
from outreachpass.api.unsubscribe import ACCEPTS, MAX_BODY_BYTES, invalid, page
from outreachpass.api.visitor import accept_language_of
from outreachpass.observability import logger
from outreachpass.services.email.tracking import InvalidLink
from outreachpass.services.email.unsubscribe import unsubscribe

router = new_router()


@router.post(
    "/api/track/email/unsubscribe/<message_id>",
    responses={200: {"description": "Unsubscribed (HTML)", "content": {"text/html": {}}},
               400: {"description": "INVALID_LINK: not a valid unsubscribe link (an HTML page)"}},
)
def email_unsubscribe(message_id: str):  # type: ignore[no-untyped-def]  # an HTML page, not an envelope
    # The body is not read: RFC 8058's `List-Unsubscribe=One-Click` only says what the POST means,
    # and the signed URL alone decides who is unsubscribed.
    try:
        target = unsubscribe(message_id, (router.current_event.query_string_parameters or {}).get("s"))
    except InvalidLink as exc:
        logger().info("invalid unsubscribe link", extra={"why": exc.why})
        return invalid(accept_language_of(router.current_event))
    return page(target, done=True, accept=accept_language_of(router.current_event))


handler = http_handler(router, roles=None, accepts=ACCEPTS, max_body_bytes=MAX_BODY_BYTES)
