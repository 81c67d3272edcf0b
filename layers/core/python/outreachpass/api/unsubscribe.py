"""The HTML answers of the one-click unsubscribe routes (GET shows, POST acts): the branded page,
and the page of a link that is not valid. Both never cached, never indexed, no referrer. The page
speaks the e-mail's language (its attendee's, else its event's), else the browser's; the page of a
link that is not valid, the browser's."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from outreachpass.integrations.email.render import safe_theme
from outreachpass.integrations.locales import Language, accept_language, choose
from outreachpass.integrations.pages import HTML, new_nonce, render, security_headers
from outreachpass.observability import correlation_id
from outreachpass.services.email.unsubscribe import UnsubscribeTarget

# Gmail's and Yahoo's one-click POST is form-encoded; the page's button posts the same form.
ACCEPTS = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
MAX_BODY_BYTES = 4096


def page(target: UnsubscribeTarget, *, done: bool, accept: str | None = None) -> Response[Any]:
    """accept: the request's Accept-Language (the last choice of language)."""
    nonce = new_nonce()
    language = choose([*target.languages, *accept_language(accept)])
    body = render("unsubscribe.html", language, nonce=nonce, done=done, sender_name=target.sender_name,
                  address=target.masked_address, theme=safe_theme(target.theme))
    return Response(status_code=200, content_type=HTML, body=body, headers=_headers(nonce, language))


def invalid(accept: str | None = None) -> Response[Any]:
    nonce = new_nonce()
    language = choose(accept_language(accept))
    body = render("404.html", language, nonce=nonce, kind="unsubscribe_invalid", reference=correlation_id())
    return Response(status_code=400, content_type=HTML, body=body,
                    headers={**_headers(nonce, language), "x-error-code": "INVALID_LINK"})


def _headers(nonce: str, language: Language) -> dict[str, str]:
    return {**security_headers(nonce, form_action="'self'"), "Referrer-Policy": "no-referrer",
            "Content-Language": language.code, "Vary": "Accept-Language"}
