"""The console at /admin/: the built web app (web/dist) served as CloudFront serves it in AWS.

- `/admin/config.json`: the runtime settings the app reads at start (API base URL, region,
  user pool and app client, stage), here with `cognitoEndpoint` pointing at the local
  pool's front door (local.cognito_proxy) on this origin; not cached.
- `/admin/assets/*`: the hashed build output, cached for a year (immutable).
- any other `/admin/...` path without a file: `index.html` (routing happens in the
  browser), not cached.
- text (HTML, JS, CSS, JSON, SVG) gzipped for clients that accept it, as CloudFront compresses;
- every answer carries the security headers the platform's distribution adds, with the
  same Content-Security-Policy shape (scripts and styles from this origin only).

`make dev` builds web/dist when its sources changed; without a build the page says how to
make one.
"""

from __future__ import annotations

import functools
import gzip
import json
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cdk_app.console_policy import IMMUTABLE, NO_CACHE, PERMISSIONS_POLICY, REFERRER_POLICY, content_security_policy
from local.config import REPO_ROOT
from local.server import GatewayResponse

PREFIX = "/admin"
DIST_DIR = REPO_ROOT / "web" / "dist"
COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json)|image/svg\+xml)")


def security_headers(csp: str) -> list[tuple[str, str]]:
    return [
        ("content-security-policy", csp),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", REFERRER_POLICY),
        ("x-frame-options", "DENY"),
        ("permissions-policy", PERMISSIONS_POLICY),
    ]


@functools.lru_cache(maxsize=256)
def _gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


class ConsoleSite:
    """Serves web/dist under /admin (a local handler of local.server.LocalGateway)."""

    def __init__(
        self, config: Callable[[], dict[str, Any]], connect_sources: Callable[[], list[str]], dist_dir: Path = DIST_DIR
    ):
        self.config = config
        self.connect_sources = connect_sources
        self.dist_dir = dist_dir

    def __call__(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> GatewayResponse | None:
        if method not in ("GET", "HEAD"):
            return self._respond(405, b"GET only\n", "text/plain; charset=utf-8", NO_CACHE)
        if path == PREFIX:
            return GatewayResponse(status=301, headers=[("location", PREFIX + "/"), ("cache-control", NO_CACHE)])
        relative = path[len(PREFIX) + 1 :]
        gzip_ok = "gzip" in headers.get("accept-encoding", "")
        if relative == "config.json":
            return self._respond(
                200, json.dumps(self.config(), indent=2).encode(), "application/json", "no-store", gzip_ok
            )
        index = self.dist_dir / "index.html"
        if not index.is_file():
            return self._respond(
                503,
                b"<!doctype html><html lang=en><meta charset=utf-8><title>Console not built</title>"
                b"<h1>The console is not built</h1><p>Run <code>make console</code> (or <code>make dev</code>, "
                b"which builds it), then reload.</p></html>",
                "text/html; charset=utf-8",
                NO_CACHE,
            )
        file = self._file(relative)
        if file is not None:
            cache = IMMUTABLE if relative.startswith("assets/") else NO_CACHE
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
                content_type += "; charset=utf-8"
            return self._respond(200, file.read_bytes(), content_type, cache, gzip_ok)
        if relative.startswith("assets/"):
            return self._respond(404, b"not found\n", "text/plain; charset=utf-8", NO_CACHE)
        return self._respond(200, index.read_bytes(), "text/html; charset=utf-8", NO_CACHE, gzip_ok)  # SPA fallback

    def _file(self, relative: str) -> Path | None:
        if not relative or relative.endswith("/"):
            return None
        root = self.dist_dir.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None  # no way out of web/dist (.., symlinks)
        return candidate

    def _respond(
        self, status: int, body: bytes, content_type: str, cache: str, gzip_ok: bool = False
    ) -> GatewayResponse:
        headers = [("content-type", content_type), ("cache-control", cache)]
        if COMPRESSIBLE.match(content_type):
            headers.append(("vary", "Accept-Encoding"))
            if gzip_ok and len(body) > 1024:
                body = _gzipped(body)
                headers.append(("content-encoding", "gzip"))
        headers += security_headers(content_security_policy(self.connect_sources()))
        return GatewayResponse(status=status, headers=headers, body=body)
