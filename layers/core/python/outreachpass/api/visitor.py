"""The public routes' view of a request: the visitor (IP, user agent, referrer, session cookie)
for tracking, the hit of a tracked email URL, the session cookie itself, and the languages the
browser asks for.

The client IP: behind CloudFront, API Gateway's sourceIp is the edge's address; CloudFront's
`CloudFront-Viewer-Address` header (ip:port, forwarded by the tracked routes' origin request
policy in stacks/edge.py) carries the viewer's. X-Forwarded-For is not used: its first entry is
whatever the client wrote. The IP is for analytics only and is never logged.

The session: an `op_sid` cookie (random, HttpOnly, SameSite=Lax, Secure when the public URL
is https), set by the card page and renewed on every view for SESSION_TTL_S (rolling).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from outreachpass.config import settings
from outreachpass.ipaddr import clean_ip
from outreachpass.services.card_tracking import Visitor, clean_session

if TYPE_CHECKING:
    from outreachpass.services.email.tracking import Hit

SESSION_COOKIE = "op_sid"
SESSION_TTL_S = 30 * 60


def visitor_from(event: Any) -> Visitor:
    """A Visitor from a Powertools APIGatewayProxyEventV2 (router.current_event)."""
    headers = event.headers or {}
    return Visitor(
        ip_address=client_ip(event),
        user_agent=user_agent(event),
        referrer=headers.get("referer") or None,
        session_id=session_from(event.cookies or []),
    )


def accept_language_of(event: Any) -> str | None:
    """The request's Accept-Language header (the card page's and the vCard's last language choice)."""
    return (event.headers or {}).get("accept-language") or None


def user_agent(event: Any) -> str | None:
    """The User-Agent header as sent (the services clean what they record: sanitize.clean_text)."""
    http = (event.raw_event.get("requestContext") or {}).get("http") or {}
    return (event.headers or {}).get("user-agent") or http.get("userAgent") or None


def tracking_hit(event: Any) -> Hit:
    """A request to a tracked email URL (open pixel, click): user agent, viewer IP, method."""
    from outreachpass.services.email.tracking import Hit  # only the tracking routes load it

    return Hit(user_agent=user_agent(event), ip=client_ip(event), method=event.request_context.http.method)


def client_ip(event: Any) -> str | None:
    """The viewer's IP address (CloudFront's header first, then API Gateway's sourceIp)."""
    headers = event.headers or {}
    http = (event.raw_event.get("requestContext") or {}).get("http") or {}
    return _viewer_address(headers.get("cloudfront-viewer-address")) or clean_ip(http.get("sourceIp"))


def _viewer_address(value: str | None) -> str | None:
    if not value:
        return None
    # "198.51.100.10:46532", "2001:db8::1:46532": the address, then the viewer's source port
    return clean_ip(value.strip().rsplit(":", 1)[0].strip("[]"))


def session_from(cookies: list[str]) -> str | None:
    """The op_sid value of the request's cookies, when well-formed."""
    for cookie in cookies:
        name, _, value = cookie.strip().partition("=")
        if name == SESSION_COOKIE:
            return clean_session(value.strip())
    return None


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def session_cookie(session_id: str) -> Cookie:
    return Cookie(
        name=SESSION_COOKIE,
        value=session_id,
        path="/",
        secure=settings().public_base_url.startswith("https://"),
        http_only=True,
        max_age=SESSION_TTL_S,
        same_site=SameSite.LAX_MODE,
    )
