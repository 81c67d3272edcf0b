"""GET /c/{card_id}: the branded card page (HTML), recording the view.

?src= says where the visitor came from (qr, email, share, direct; anything else is a direct
link: a tracking parameter never fails a page). An unknown, deleted or malformed card id gets
the branded 404 page; the database being away gets a 503 page. The page is tracked per view,
so it is never cached (no-store); it renews the visitor's op_sid session cookie.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import new_session_id, session_cookie, visitor_from
from outreachpass.errors import ServiceUnavailable
from outreachpass.integrations.pages import HTML, new_nonce, render, security_headers
from outreachpass.observability import correlation_id, logger
from outreachpass.services.cards_public import open_card_page
from outreachpass.snapstart import before_snapshot, warm_card_page

router = new_router()


@router.get(
    "/c/<card_id>",
    summary="The card page",
    description="The branded card page (HTML). Records a view; the `src` query parameter says where the visitor "
    "came from: qr, email, share or direct (anything else counts as direct).",
    responses={200: {"description": "The card page", "content": {"text/html": {}}}, 404: {"description": "No such card (HTML)"}},
)
def card_page(card_id: str):  # type: ignore[no-untyped-def]  # unannotated: an HTML page, not an envelope
    # ?src= is read here, not declared as a validated parameter: a repeated or odd value must
    # still show the page (it is recorded as a direct link).
    src = (router.current_event.query_string_parameters or {}).get("src")
    visitor = visitor_from(router.current_event)
    session_id = visitor.session_id or new_session_id()
    visitor = replace(visitor, session_id=session_id)
    nonce = new_nonce()
    try:
        page = open_card_page(card_id, visitor, src)
    except ServiceUnavailable:
        return _message(503, nonce, "!", "This card is taking a break", "Please try again in a moment.", {"Retry-After": "5"})
    except Exception:  # a person is looking at this: an HTML page with a reference, never a JSON error
        logger().exception("card page failed")
        return _message(500, nonce, "!", "Something went wrong", "Please try again; if it keeps happening, quote the reference below.")
    if page is None:
        logger().info("card page not found")
        return _message(404, nonce, "?", "This card isn't available", "The link may be mistyped, or the card has been removed.")
    logger().append_keys(tenant_id=str(page.tenant_id))
    logger().info("card page viewed", extra={"card_id": str(page.card_id), "unique": page.view.get("is_unique")})
    return Response(
        status_code=200,
        content_type=HTML,
        body=render("card.html", card=page, nonce=nonce),
        headers=security_headers(nonce, image_origins=page.image_origins),
        cookies=[session_cookie(session_id)],
    )


def _message(status: int, nonce: str, mark: str, heading: str, message: str, extra: dict[str, str] | None = None) -> Response[Any]:
    body = render("404.html", nonce=nonce, mark=mark, heading=heading, message=message, reference=correlation_id())
    return Response(status_code=status, content_type=HTML, body=body, headers={**security_headers(nonce), **(extra or {})})


handler = http_handler(router, roles=None)
before_snapshot(warm_card_page)  # SnapStart: the snapshot holds the jinja2 templates and the UA resolver
