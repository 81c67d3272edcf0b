"""GET /c/{card_id}: the branded card page (HTML), recording the view.

?src= says where the visitor came from (qr, email, share, direct; anything else is a direct
link: a tracking parameter never fails a page). An unknown, deleted or malformed card id gets
the branded 404 page; the database being away gets a 503 page. The page is tracked per view,
so it is never cached (no-store); it renews the visitor's op_sid session cookie. The page speaks
the card's language (the attendee's, else the event's, else the browser's Accept-Language); the
error pages, which have no card, the browser's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import http_handler, new_router
from outreachpass.api.visitor import accept_language_of, new_session_id, session_cookie, visitor_from
from outreachpass.errors import ServiceUnavailable
from outreachpass.integrations.locales import Language, accept_language, choose
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
    accept = accept_language_of(router.current_event)
    nonce = new_nonce()
    try:
        page = open_card_page(card_id, visitor, src, accept)
    except ServiceUnavailable:
        return _message(503, nonce, "unavailable", accept, {"Retry-After": "5"})
    except Exception:  # a person is looking at this: an HTML page with a reference, never a JSON error
        logger().exception("card page failed")
        return _message(500, nonce, "failed", accept)
    if page is None:
        logger().info("card page not found")
        return _message(404, nonce, "not_found", accept)
    logger().append_keys(tenant_id=str(page.tenant_id))
    logger().info("card page viewed", extra={"card_id": str(page.card_id), "unique": page.view.get("is_unique")})
    return Response(
        status_code=200,
        content_type=HTML,
        body=render("card.html", page.language, card=page, nonce=nonce),
        headers={**security_headers(nonce, image_origins=page.image_origins), **_language_headers(page.language)},
        cookies=[session_cookie(session_id)],
    )


def _message(status: int, nonce: str, kind: str, accept: str | None, extra: dict[str, str] | None = None) -> Response[Any]:
    """The error page of `kind` (not_found, unavailable, failed; its words are in 404.html)."""
    language = choose(accept_language(accept))
    body = render("404.html", language, nonce=nonce, kind=kind, reference=correlation_id())
    headers = {**security_headers(nonce), **_language_headers(language), **(extra or {})}
    return Response(status_code=status, content_type=HTML, body=body, headers=headers)


def _language_headers(language: Language) -> dict[str, str]:
    # Vary: the browser's Accept-Language may choose the language (the page is no-store anyway).
    return {"Content-Language": language.code, "Vary": "Accept-Language"}


handler = http_handler(router, roles=None)
before_snapshot(warm_card_page)  # SnapStart: the snapshot holds the jinja2 templates and the UA resolver
