"""GET /api/track/email/unsubscribe/{message_id}?s=<signature>: the page behind a card e-mail's
unsubscribe link. It asks, with a button that POSTs to the same URL; the GET itself changes
nothing (mail scanners and link previews open every link: RFC 8058). A link that is not valid gets
a page saying so (400)."""

from __future__ import annotations

from outreachpass.api import http_handler, new_router
from outreachpass.api.unsubscribe import invalid, page
from outreachpass.api.visitor import accept_language_of
from outreachpass.observability import logger
from outreachpass.services.email.tracking import InvalidLink
from outreachpass.services.email.unsubscribe import show

router = new_router()


@router.get(
    "/api/track/email/unsubscribe/<message_id>",
    responses={200: {"description": "The confirmation page (HTML)", "content": {"text/html": {}}},
               400: {"description": "INVALID_LINK: not a valid unsubscribe link (an HTML page)"}},
)
def email_unsubscribe_page(message_id: str):  # type: ignore[no-untyped-def]  # an HTML page, not an envelope
    try:
        target = show(message_id, (router.current_event.query_string_parameters or {}).get("s"))
    except InvalidLink as exc:
        logger().info("invalid unsubscribe link", extra={"why": exc.why})
        return invalid(accept_language_of(router.current_event))
    return page(target, done=target.unsubscribed, accept=accept_language_of(router.current_event))


handler = http_handler(router, roles=None)
