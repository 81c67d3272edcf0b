"""The API reference at /docs: Swagger UI on the OpenAPI document, with schemas and "try it".

Swagger UI's script and stylesheet are the ones Powertools ships inside its package
(aws_lambda_powertools/event_handler/openapi/swagger_ui), served from this origin: no CDN,
no network, no inline script (the page loads /docs/init.js). "Try it" calls this same
origin; when the console is signed in on it, init.js offers the console's id token as the
bearer token (Authorize shows it; Logout there forgets it).

    GET /docs                          the page (operations listed in <noscript> too)
    GET /docs/swagger-ui-bundle.min.js Powertools' copy of Swagger UI
    GET /docs/swagger-ui.min.css
    GET /docs/init.js                  starts Swagger UI on /openapi.json
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from local.server import GatewayResponse

PREFIX = "/docs"
ASSETS = {
    "swagger-ui-bundle.min.js": "application/javascript; charset=utf-8",
    "swagger-ui.min.css": "text/css; charset=utf-8",
}
CONSOLE_SESSION_KEY = "outreachpass.session"  # web/src/features/auth/session.ts

INIT_JS = """\
(function () {
  var ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    filter: true,
    tryItOutEnabled: true,
    persistAuthorization: true,
    defaultModelsExpandDepth: 1,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
  window.ui = ui;
  try {
    var saved = JSON.parse(window.localStorage.getItem("SESSION_KEY") || "null");
    if (saved && saved.idToken) {
      ui.preauthorizeApiKey("cognitoJwt", saved.idToken);
    }
  } catch (e) { /* no console session on this origin */ }
})();
""".replace("SESSION_KEY", CONSOLE_SESSION_KEY)


def swagger_ui_dir() -> Path:
    import aws_lambda_powertools.event_handler.openapi.swagger_ui as package

    return Path(package.__file__).resolve().parent


class ApiReference:
    """A local handler of local.server.LocalGateway for /docs and its assets."""

    def __init__(self, document: Callable[[], Mapping[str, Any]]):
        self.document = document

    def __call__(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> GatewayResponse | None:
        if method not in ("GET", "HEAD"):
            return None  # the gateway's 404
        if path in (PREFIX, PREFIX + "/"):
            return self._page()
        name = path[len(PREFIX) + 1 :]
        if name == "init.js":
            return _response(200, INIT_JS.encode(), "application/javascript; charset=utf-8")
        if name in ASSETS:
            return _response(200, (swagger_ui_dir() / name).read_bytes(), ASSETS[name], cache="public, max-age=86400")
        return _response(404, b"not found\n", "text/plain; charset=utf-8")

    def _page(self) -> GatewayResponse:
        spec = self.document()
        title = html.escape(spec.get("info", {}).get("title", "API"))
        rows = []
        for path, operations in sorted(spec.get("paths", {}).items()):
            for method, operation in operations.items():
                if isinstance(operation, dict):
                    roles = ", ".join(operation.get("x-roles", [])) or "public"
                    rows.append(
                        f"<tr><td>{html.escape(method.upper())}</td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(operation.get('summary', ''))}</td><td>{html.escape(roles)}</td></tr>"
                    )
        page = (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} reference</title>"
            '<link rel="stylesheet" href="/docs/swagger-ui.min.css"></head><body>'
            '<div id="swagger-ui"></div>'
            f"<noscript><h1>{title}</h1><p><a href=\"/openapi.json\">openapi.json</a></p>"
            "<table><tr><th>Method</th><th>Path</th><th>Summary</th><th>Roles</th></tr>"
            + "".join(rows)
            + "</table></noscript>"
            '<script src="/docs/swagger-ui-bundle.min.js"></script><script src="/docs/init.js"></script>'
            "</body></html>"
        )
        return _response(200, page.encode(), "text/html; charset=utf-8")


def _response(status: int, body: bytes, content_type: str, cache: str = "no-cache") -> GatewayResponse:
    return GatewayResponse(
        status=status,
        headers=[("content-type", content_type), ("cache-control", cache), ("x-content-type-options", "nosniff")],
        body=body,
    )
