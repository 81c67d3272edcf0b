"""/admin/ and /docs of the local stack: the console's files as CloudFront serves them (SPA
fallback, immutable hashed assets, config.json not cached, the strict CSP), and the API
reference from Powertools' own copy of Swagger UI, with nothing loaded from elsewhere."""

from __future__ import annotations

import re

import pytest

from local.console import ConsoleSite
from local.server import LocalApiServer, LocalGateway
from tests.integration.test_local_events import TEST_ROUTES, raw_request

BIG_JS = b"export const words = [" + b",".join(b'"word%d"' % i for i in range(2000)) + b"];\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "assets").mkdir()
    (dist / "index.html").write_text('<!doctype html><script type="module" src="/admin/assets/index-abc123.js"></script>')
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "assets" / "big-123.js").write_bytes(BIG_JS)
    (dist.parent / "secret.txt").write_text("outside")
    gateway = LocalGateway(routes=TEST_ROUTES)
    config = {"apiBaseUrl": "", "region": "us-east-1", "userPoolId": "us-east-1_X", "userPoolClientId": "c", "stage": "local"}
    gateway.local_handlers["/admin"] = ConsoleSite(lambda: config, lambda: ["http://127.0.0.1:4566"], dist_dir=dist)
    server = LocalApiServer(gateway, port=0)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def headers_of(pairs):
    return {name.lower(): value for name, value in pairs}


def test_index_and_client_side_routes_get_the_app_uncached(site):
    for path in ("/admin/", "/admin/events/123/attendees", "/admin/users?x=1"):
        status, pairs, body = raw_request(site, "GET", path)
        headers = headers_of(pairs)
        assert status == 200, path
        assert b"/admin/assets/index-abc123.js" in body
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert headers["cache-control"] == "no-cache"
    status, pairs, _ = raw_request(site, "GET", "/admin")
    assert (status, headers_of(pairs)["location"]) == (301, "/admin/")


def test_hashed_assets_are_immutable_and_missing_ones_are_404(site):
    status, pairs, body = raw_request(site, "GET", "/admin/assets/index-abc123.js")
    headers = headers_of(pairs)
    assert (status, body) == (200, b"console.log('app')")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert raw_request(site, "GET", "/admin/assets/gone-000.js")[0] == 404
    status, pairs, _ = raw_request(site, "GET", "/admin/favicon.svg")
    assert status == 200 and headers_of(pairs)["cache-control"] == "no-cache"


def test_config_json_is_not_cached(site):
    status, pairs, body = raw_request(site, "GET", "/admin/config.json")
    assert status == 200
    assert headers_of(pairs)["cache-control"] == "no-store"
    assert b'"userPoolId": "us-east-1_X"' in body


@pytest.mark.parametrize("path", ["/admin/../secret.txt", "/admin/%2e%2e/secret.txt", "/admin/assets/../../secret.txt"])
def test_no_file_outside_the_build_is_served(site, path):
    status, _, body = raw_request(site, "GET", path)
    assert b"outside" not in body
    assert status in (200, 404)  # the app (SPA fallback) or nothing


def test_every_answer_has_the_strict_csp_and_security_headers(site):
    _, pairs, _ = raw_request(site, "GET", "/admin/")
    headers = headers_of(pairs)
    csp = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert csp["connect-src"] == "'self' http://127.0.0.1:4566"  # the API and the presigned uploads
    assert csp["frame-ancestors"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert raw_request(site, "POST", "/admin/")[0] == 405


def test_an_unbuilt_console_says_how_to_build_it(tmp_path):
    gateway = LocalGateway(routes=TEST_ROUTES)
    gateway.local_handlers["/admin"] = ConsoleSite(dict, list, dist_dir=tmp_path / "nothing")
    server = LocalApiServer(gateway, port=0)
    server.start()
    try:
        status, _, body = raw_request(server.url, "GET", "/admin/")
    finally:
        server.stop()
    assert status == 503
    assert b"make console" in body


def test_the_stack_serves_its_console_config_for_the_local_pool(local_stack):
    response = local_stack.request("GET", "/admin/config.json")
    assert response.status == 200
    assert response.json() == {
        "apiBaseUrl": "",
        "region": local_stack.region,
        "userPoolId": local_stack.user_pool_id,
        "userPoolClientId": local_stack.client_id,
        "stage": "local",
        "cognitoEndpoint": "/_local/cognito",
    }


def test_the_api_reference_is_swagger_ui_from_this_origin(local_stack):
    page = local_stack.request("GET", "/docs")
    assert page.status == 200
    assert 'id="swagger-ui"' in page.text
    assert "/api/v1/admin/events" in page.text  # the <noscript> listing
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/") for source in sources), sources  # no CDN
    assert "<script>" not in page.text  # nothing inline
    for source in ("/docs/swagger-ui-bundle.min.js", "/docs/swagger-ui.min.css", "/docs/init.js"):
        asset = local_stack.request("GET", source)
        assert asset.status == 200, source
        assert len(asset.body) > (1000 if "init" not in source else 100)
    assert "SwaggerUIBundle" in local_stack.request("GET", "/docs/init.js").text
    assert local_stack.request("GET", "/docs/other.js").status == 404
    assert local_stack.request("POST", "/docs").status == 404


def test_text_is_gzipped_for_browsers_that_accept_it(site):
    import gzip

    status, pairs, body = raw_request(site, "GET", "/admin/assets/big-123.js", headers=[("Accept-Encoding", "gzip, br")])
    headers = headers_of(pairs)
    assert (status, headers["content-encoding"], headers["vary"]) == (200, "gzip", "Accept-Encoding")
    assert gzip.decompress(body) == BIG_JS
    status, pairs, body = raw_request(site, "GET", "/admin/assets/big-123.js")
    assert "content-encoding" not in headers_of(pairs) and body == BIG_JS
    _, pairs, _ = raw_request(site, "GET", "/admin/assets/index-abc123.js", headers=[("Accept-Encoding", "gzip")])
    assert "content-encoding" not in headers_of(pairs)  # under 1 KB: not worth it
