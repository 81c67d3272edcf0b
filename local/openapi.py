"""The OpenAPI document of the whole API, generated from the route handlers (Powertools).

Every route module's router is included in one resolver; the schema it generates gets the
bearer-token security on JWT routes and the error envelope on every operation. The
document is committed as docs/openapi.json; a test fails when it is out of date
(`make openapi` rewrites it). `make dev` serves it at /openapi.json with a docs page.

    python -m local.openapi --write
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
TITLE = "OutreachPass API"
VERSION = "1.0.0"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "correlation_id"],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                "message": {"type": "string"},
                "correlation_id": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "reason"],
                        "properties": {
                            "field": {"type": "string", "description": "The field at fault (dotted path, e.g. theme.primary_color)"},
                            "reason": {"type": "string", "description": "What is wrong, in words a person can act on"},
                            "pattern": {"type": "string", "description": "The pattern the value must match, when that is the reason"},
                        },
                    },
                },
            },
        }
    },
}
ERROR_CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
ERROR_STATUSES = {
    "400": "Invalid request (VALIDATION_ERROR with field details, or INVALID_JSON)",
    "404": "Not found (<THING>_NOT_FOUND)",
    "409": "Conflict with existing data (e.g. a duplicate key)",
    "413": "Body too large",
    "415": "Unsupported media type",
    "422": "Refers to something that does not exist",
    "500": "Internal error (no details; quote the correlation id)",
    "503": "The database is unavailable",
}
AUTH_STATUSES = {
    "401": "UNAUTHORIZED: missing or invalid token; USER_DISABLED: the caller's user is disabled; "
    "USER_UNKNOWN: the caller has no user in its organisation (checked on every request, whatever the token says)",
    "403": "FORBIDDEN: the caller's stored role may not do this (the role in the database decides, not the token's claim); "
    "TENANT_DISABLED: the caller's organisation is disabled; ROLE_ABOVE_CALLER: a role above the caller's own was asked for; "
    "EXHIBITOR_INVITES_ONLY: a user may invite exhibitor users only; EXHIBITOR_REQUIRED: an exhibitor user who works for no exhibitor",
}
# Public routes answer only requests that came through CloudFront (outreachpass.api.origin).
PUBLIC_STATUSES = {"403": "ORIGIN_NOT_VERIFIED: the request did not come through the service's public address"}
# The edge's per-IP rate limits (stacks/edge/waf.py; an infra test keeps the two in step): WAF answers
# 429 RATE_LIMITED in this error shape, with Retry-After.
RATE_LIMITED_PREFIXES = ("/c/", "/api/track/")
NOT_RATE_LIMITED_PREFIXES = ("/api/track/email/open/",)
RATE_LIMITED_STATUS = {"429": "RATE_LIMITED: too many requests from this network (at the edge), see Retry-After"}


def is_rate_limited(path: str) -> bool:
    return path.startswith(RATE_LIMITED_PREFIXES) and not path.startswith(NOT_RATE_LIMITED_PREFIXES)


def build_document() -> dict[str, Any]:
    import routes
    from outreachpass.api.app import build_resolver

    modules = [importlib.import_module(route.handler) for route in routes.ROUTES]
    resolver = build_resolver(*(module.router for module in modules))
    document = json.loads(
        resolver.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description="Multi-tenant platform for digital contact cards at events. How it fits together: docs/architecture.md.",
        )
    )
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {"cognitoJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for route, module in zip(routes.ROUTES, modules, strict=True):
        path = document["paths"][route.path]
        operation = path[route.method.lower()]
        if route.summary:
            operation["summary"] = route.summary
        accepts = tuple(getattr(module.handler, "accepts", ()))
        if "requestBody" not in operation and accepts and "application/json" not in accepts:
            # A body the handler reads itself (e.g. the beginning of a CSV): its media types, as a string.
            operation["requestBody"] = {
                "required": True,
                "content": {media: {"schema": {"type": "string"}} for media in accepts},
            }
        responses = operation.setdefault("responses", {})
        statuses = dict(ERROR_STATUSES)
        if not route.is_public:
            operation["security"] = [{"cognitoJwt": []}]
            operation["x-roles"] = list(route.roles or ())
            statuses.update(AUTH_STATUSES)
        else:
            statuses.update(PUBLIC_STATUSES)
        if is_rate_limited(route.path):
            statuses.update(RATE_LIMITED_STATUS)
        for status, description in statuses.items():
            # A route that names its own codes for a status (e.g. 404 FEATURE_DISABLED) keeps its words.
            declared = (responses.get(status) or {}).get("description") or ""
            if ERROR_CODE.search(declared):
                description = f"{declared}. {description}"
            # Replaces Powertools' default 422 too: validation failures answer 400 with our envelope.
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOCUMENT.relative_to(Path.cwd()) if DOCUMENT.is_relative_to(Path.cwd()) else DOCUMENT}")
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.write:
        DOCUMENT.write_text(text)
        print(f"wrote {DOCUMENT}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parent.parent / part) for part in ("lambdas", "layers/core/python")]
    raise SystemExit(main())
