"""The OpenAPI document is generated from the handlers and committed; it must match them."""

from __future__ import annotations

import json

import routes
from local.openapi import DOCUMENT, build_document, render


def test_every_route_has_an_openapi_operation_and_nothing_else_does():
    document = build_document()
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == {(route.method, route.path) for route in routes.ROUTES}
    for route in routes.ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert ("security" in operation) == (not route.is_public)
        assert "500" in operation["responses"]


def test_committed_document_is_current():
    assert DOCUMENT.exists(), "run `make openapi` to write docs/openapi.json"
    committed = json.loads(DOCUMENT.read_text())
    assert committed == json.loads(render(build_document())), "docs/openapi.json is stale: run `make openapi`"
