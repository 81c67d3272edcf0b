"""Suite-wide fixtures: the real PostgreSQL (tests/fixtures/database.py), the local stack
(tests/fixtures/local_stack.py), and the environment the handlers read."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.local_stack"]


@pytest.fixture(scope="session")
def app_env(database):
    """Point the runtime at the test database as the application role (what Lambda does via env)."""
    from outreachpass.config import reset_settings
    from outreachpass.db.connection import reset_database

    previous = {key: os.environ.get(key) for key in ("DATABASE_URL", "STAGE", "POWERTOOLS_METRICS_DISABLED")}
    os.environ.update(DATABASE_URL=database.app_url, STAGE="test", POWERTOOLS_METRICS_DISABLED="true")
    reset_settings()
    reset_database()
    yield database
    reset_database()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reset_settings()


class ApiResponse:
    def __init__(self, raw: dict):
        import json

        self.raw = raw
        self.status = raw["statusCode"]
        self.headers = {key.lower(): value for key, value in (raw.get("headers") or {}).items()}
        self.text = raw.get("body") or ""
        self.json = json.loads(self.text) if self.headers.get("content-type", "").startswith("application/json") else None

    def __repr__(self) -> str:
        return f"<ApiResponse {self.status} {self.text[:300]}>"


@pytest.fixture
def call_route(app_env):
    """Invoke a route's real handler in-process with a payload v2.0 event, as API Gateway would.

    `claims` stands for what the JWT authorizer verified; omit it for public routes.
    """
    import importlib
    import json
    import re
    from urllib.parse import urlsplit

    import routes
    from local.edge import HEADER, origin_headers, through_cloudfront
    from local.events import LambdaContext, function_name, http_api_event

    def call(method: str, path: str, *, claims=None, json_body=None, body: bytes | None = None,
             content_type: str | None = None, headers: dict | None = None) -> ApiResponse:
        parts = urlsplit(path)
        route, params = _match(method, parts.path)
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = content_type or "application/json"
        pairs = list((headers or {}).items())
        if content_type:
            pairs.append(("content-type", content_type))
        if route.is_public:  # through CloudFront, which adds the origin-verify header (local.edge)
            pairs = through_cloudfront(pairs, dict(origin_headers()).get(HEADER))
        event = http_api_event(
            method=method,
            raw_path=parts.path,
            raw_query=parts.query,
            header_pairs=pairs,
            body=body or b"",
            route_key=route.route_key,
            path_parameters=params or None,
            claims=claims,
        )
        module = importlib.import_module(route.handler)
        return ApiResponse(module.handler(event, LambdaContext(function_name=function_name("test", route.handler))))

    def _match(method: str, raw_path: str):
        for route in routes.ROUTES:
            if route.method != method:
                continue
            pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path)) + "$"
            found = re.match(pattern, raw_path)
            if found:
                return route, found.groupdict()
        raise AssertionError(f"no route for {method} {raw_path}")

    return call


@pytest.fixture
def claims_for(database):
    """JWT claims as Cognito puts them in an id token, for a tenant and a role.

    The API authorizes from the database's current state, so the caller also gets its
    `users` row (active, with that role; kept as it is when the subject already has one).
    `with_user=False` gives claims of a subject the database does not know."""
    import uuid


    def make(tenant_id, role: str = "admin", sub: str | None = None, *, with_user: bool = True) -> dict:
        sub = sub or str(uuid.uuid4())
        if with_user and role in ("admin", "user", "exhibitor"):
            ensure_user(database.admin_url, tenant_id, sub, role)
        return {
            "sub": sub,
            "custom:tenant_id": str(tenant_id),
            "custom:role": role,
            "cognito:username": f"{role}@example.test",
            "token_use": "id",
        }

    return make


def ensure_user(admin_url: str, tenant_id, sub: str, role: str, status: str = "active") -> None:
    """A users row for a token's subject (no-op when the subject or the tenant is unknown to it)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO users (tenant_id, email, role, status, cognito_sub)
            SELECT t.tenant_id, %(email)s, %(role)s, %(status)s, %(sub)s FROM tenants t WHERE t.tenant_id = %(tenant)s
            ON CONFLICT DO NOTHING
            """,
            {"tenant": str(tenant_id), "email": f"{sub}@users.example.test", "role": role, "status": status, "sub": sub},
        )
