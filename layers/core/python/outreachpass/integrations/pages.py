"""Server-rendered HTML pages (jinja2, autoescaped) and the headers every page carries.

The jinja2 Environment is built once per container, on the first render (importing jinja2
costs ~45 ms of cold start, which only the page routes should pay); templates are compiled
once and kept (auto_reload off). Templates live in outreachpass/templates/. Each render is in
one language (integrations.locales): one compiled template serves them all, its {% trans %}
blocks translated from the render's `language`.

Every page gets a strict Content-Security-Policy: nothing but its own inline style and script,
allowed by a per-response nonce, images from itself and the asset origins it names, and
requests only to its own origin (the tracking beacon).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from outreachpass.integrations.locales import Language, install
from outreachpass.lazy import lazy

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
HTML = "text/html; charset=utf-8"


@lazy
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default=True),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    install(env)
    return env


def render(template: str, language: Language, **context: Any) -> str:
    page: str = environment().get_template(template).render(language=language, **context)
    return page


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def security_headers(
    nonce: str, *, image_origins: Iterable[str] = (), cache_control: str = "no-store", form_action: str = "'none'"
) -> dict[str, str]:
    """form_action: where the page's forms may post ('self' for a page that posts to itself)."""
    images = " ".join(["'self'", "data:", *image_origins])
    policy = (
        "default-src 'none'; "
        f"img-src {images}; "
        f"style-src 'nonce-{nonce}'; "
        f"script-src 'nonce-{nonce}'; "
        "connect-src 'self'; "
        f"base-uri 'none'; form-action {form_action}; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "X-Robots-Tag": "noindex, nofollow",  # a card is personal data: not for search engines
        "Cache-Control": cache_control,
    }
