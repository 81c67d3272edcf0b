"""The local API Gateway: HTTP on 127.0.0.1 -> payload 2.0 event -> handler -> HTTP.

`LocalGateway` does what the HTTP API does for a request, transport aside:
- routes it with the route table (most specific route wins; no match -> 404
  ROUTE_NOT_FOUND);
- on routes with a JWT authorizer, verifies the bearer token (signature against the
  pool's JWKS, exp, iss, aud, token_use) and refuses with 401 before any handler runs;
  role checks are the handler's (403);
- builds the event (local.events.http_api_event) with the verified claims, invokes the
  route's handler in-process, and maps its result back (statusCode, headers, cookies ->
  Set-Cookie, base64 bodies; a bare JSON result is inferred as 200 application/json);
- answers 413 above API Gateway's 10 MiB payload limit, and 500 (logged) when a handler
  raises, cannot be loaded, returns something malformed or more than Lambda's 6 MB.

`LocalApiServer` puts it on a stdlib ThreadingHTTPServer and logs one line per request.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from local.cognito import TokenError, bearer_token
from local.edge import through_cloudfront
from local.events import http_api_event, new_request_id, trace_id
from local.invoke import HandlerLoadError, HandlerRegistry, invoke
from routes import Route

log = logging.getLogger("local.server")

MAX_REQUEST_BODY = 10 * 1024 * 1024  # API Gateway HTTP API payload limit (10 MB)
MAX_LAMBDA_RESPONSE = 6 * 1024 * 1024  # synchronous Lambda response payload limit

Verifier = Callable[[str], Mapping[str, Any]]


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass
class GatewayResult:
    response: GatewayResponse
    request_id: str
    route_key: str | None


def error_response(status: int, code: str, message: str, request_id: str, headers: Iterable[tuple[str, str]] = ()) -> GatewayResponse:
    body = json.dumps({"error": {"code": code, "message": message, "correlation_id": request_id}}).encode()
    return GatewayResponse(
        status=status,
        headers=[("content-type", "application/json"), ("x-correlation-id", request_id), *headers],
        body=body,
    )


# --- routing ----------------------------------------------------------------------------------

_LITERAL, _PARAM, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    segments: tuple[tuple[int, str], ...]  # (kind, literal text or parameter name)


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """The route table's paths, matched as API Gateway does: exact segments, {param} for
    one segment, {param+} for the rest; the most specific match wins."""

    def __init__(self, routes: Iterable[Route]):
        self._routes = [self._compile(route) for route in routes]

    @staticmethod
    def _compile(route: Route) -> _CompiledRoute:
        segments: list[tuple[int, str]] = []
        parts = route.path.strip("/").split("/") if route.path != "/" else []
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                if name.endswith("+"):
                    if index != len(parts) - 1:
                        raise ValueError(f"greedy parameter must be last: {route.path}")
                    segments.append((_GREEDY, name[:-1]))
                else:
                    segments.append((_PARAM, name))
            else:
                segments.append((_LITERAL, part))
        return _CompiledRoute(route=route, segments=tuple(segments))

    @staticmethod
    def _match_segments(compiled: _CompiledRoute, parts: Sequence[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        params: dict[str, str] = {}
        score: list[int] = []
        for index, (kind, text) in enumerate(compiled.segments):
            if kind == _GREEDY:
                rest = parts[index:]
                if not rest or not "/".join(rest):
                    return None
                params[text] = unquote("/".join(rest))
                score.append(_GREEDY)
                return tuple(score), params
            if index >= len(parts):
                return None
            part = parts[index]
            if kind == _LITERAL:
                if unquote(part) != text:
                    return None
            else:
                if part == "":
                    return None
                params[text] = unquote(part)
            score.append(kind)
        if len(parts) != len(compiled.segments):
            return None
        return tuple(score), params

    def _candidates(self, raw_path: str) -> list[tuple[tuple[int, ...], _CompiledRoute, dict[str, str]]]:
        parts = raw_path.strip("/").split("/") if raw_path not in ("", "/") else []
        if raw_path.endswith("/") and raw_path != "/":
            parts.append("")  # "/events/" is not "/events"
        found = []
        for compiled in self._routes:
            matched = self._match_segments(compiled, parts)
            if matched is not None:
                found.append((matched[0], compiled, matched[1]))
        return found

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        candidates = [c for c in self._candidates(raw_path) if c[1].route.method == method.upper()]
        if not candidates:
            return None
        _, compiled, params = min(candidates, key=lambda c: c[0])
        return RouteMatch(route=compiled.route, path_parameters=params)

    def methods_for(self, raw_path: str) -> set[str]:
        return {compiled.route.method for _, compiled, _ in self._candidates(raw_path)}


# --- responses --------------------------------------------------------------------------------


class MalformedResponse(Exception):
    pass


def lambda_result_to_response(result: Any) -> GatewayResponse:
    """Map a handler's return value as API Gateway does for payload format 2.0."""
    if isinstance(result, dict) and "statusCode" in result:
        try:
            status = int(result["statusCode"])
        except (TypeError, ValueError):
            raise MalformedResponse(f"statusCode is not a number: {result['statusCode']!r}") from None
        if not 100 <= status <= 599:
            raise MalformedResponse(f"statusCode out of range: {status}")
        headers: list[tuple[str, str]] = []
        raw_headers = result.get("headers") or {}
        if not isinstance(raw_headers, dict):
            raise MalformedResponse("headers is not an object")
        for name, value in raw_headers.items():
            headers.append((str(name), _header_value(value)))
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values or []:
                headers.append((str(name), _header_value(value)))
        for cookie in result.get("cookies") or []:
            headers.append(("set-cookie", str(cookie)))
        body = result.get("body")
        if body is None:
            payload = b""
        elif not isinstance(body, str):
            raise MalformedResponse(f"body is a {type(body).__name__}, not a string")
        elif result.get("isBase64Encoded"):
            try:
                payload = base64.b64decode(body, validate=True)
            except ValueError:
                raise MalformedResponse("isBase64Encoded but the body is not base64") from None
        else:
            payload = body.encode("utf-8")
        return GatewayResponse(status=status, headers=headers, body=payload)
    # No statusCode: API Gateway assumes 200, application/json, the result as the body.
    if isinstance(result, str):
        payload = result.encode("utf-8")
    else:
        try:
            payload = json.dumps(result).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise MalformedResponse(f"result is not JSON: {exc}") from None
    return GatewayResponse(status=200, headers=[("content-type", "application/json")], body=payload)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _result_size(result: Any) -> int:
    try:
        return len(json.dumps(result, default=str))
    except (TypeError, ValueError):
        return 0


# --- the gateway ------------------------------------------------------------------------------


class LocalGateway:
    def __init__(
        self,
        *,
        routes: Iterable[Route],
        registry: HandlerRegistry | None = None,
        verifier: Verifier | None = None,
        stage: str = "local",
        region: str = "us-east-1",
        pages: Mapping[str, Callable[[], GatewayResponse]] | None = None,
        cors_origins: Iterable[str] = (),
    ):
        self.table = RouteTable(routes)
        # Origins other than the stack's own that may call the API from a browser, as the HTTP
        # API's CORS configuration (config `cors_origins`) allows them in AWS. Never "null".
        self.cors_origins = frozenset(origin for origin in cors_origins if origin and origin != "null")
        self.registry = registry or HandlerRegistry()
        self.verifier = verifier
        self.stage = stage
        self.region = region
        # The origin-verify value CloudFront adds on the way to the API (local.edge): public routes check it.
        self.origin_verify: str | None = None
        # Local-only pages (GET), served only where no route of the table matches.
        self.pages: dict[str, Callable[[], GatewayResponse]] = dict(pages or {})
        # Local-only handlers of a path prefix (e.g. the mail viewer, local/mail.py):
        # (method, path, query, lower-cased headers, body) -> a response, or None to fall through.
        self.local_handlers: dict[str, Callable[[str, str, str, dict[str, str], bytes], GatewayResponse | None]] = {}

    def handle(
        self,
        *,
        method: str,
        target: str,
        header_pairs: Sequence[tuple[str, str]],
        body: bytes,
        source_ip: str,
        server_port: int,
    ) -> GatewayResult:
        result = self._handle(
            method=method, target=target, header_pairs=header_pairs, body=body, source_ip=source_ip, server_port=server_port
        )
        origin = next((value for name, value in header_pairs if name.lower() == "origin"), None)
        response = result.response
        if (
            self.cors_allows(origin)
            and not _is_local_path(target)
            and not any(name.lower() == "access-control-allow-origin" for name, _ in response.headers)
        ):
            response.headers += [("access-control-allow-origin", origin), ("vary", "Origin")]  # type: ignore[list-item]
        return result

    def cors_allows(self, origin: str | None) -> bool:
        """Whether a browser page of `origin` may read the API's answers (exact match only)."""
        return bool(origin) and origin in self.cors_origins

    def _handle(
        self,
        *,
        method: str,
        target: str,
        header_pairs: Sequence[tuple[str, str]],
        body: bytes,
        source_ip: str,
        server_port: int,
    ) -> GatewayResult:
        request_id = new_request_id()
        raw_path, _, raw_query = target.partition("?")
        raw_query = raw_query.split("#", 1)[0]
        method = method.upper()
        if not raw_path.startswith("/"):
            return GatewayResult(error_response(400, "BAD_REQUEST", "Malformed request target", request_id), request_id, None)

        if _is_local_path(raw_path) and not same_origin_request(header_pairs):
            # The mail viewer and the Cognito front door are for the stack's own pages (and a
            # person typing the address), never for another site's scripts or forms.
            return GatewayResult(
                error_response(403, "CROSS_ORIGIN_FORBIDDEN", "Local pages answer only their own origin", request_id), request_id, None
            )
        local = self._local_handler(method, raw_path, raw_query, header_pairs, body, request_id)
        if local is not None:
            return GatewayResult(local, request_id, None)
        match = self.table.match(method, raw_path)
        if match is None:
            return GatewayResult(self._unmatched(method, raw_path, header_pairs, request_id), request_id, None)
        route = match.route
        headers_lower = {name.lower(): value for name, value in header_pairs}

        claims: Mapping[str, Any] | None = None
        if not route.is_public:
            token = bearer_token(headers_lower.get("authorization"))
            if token is None:
                return GatewayResult(self._unauthorized(request_id, None), request_id, route.route_key)
            if self.verifier is None:
                return GatewayResult(self._unauthorized(request_id, "no authorizer is configured"), request_id, route.route_key)
            try:
                claims = self.verifier(token)
            except TokenError as exc:
                return GatewayResult(self._unauthorized(request_id, exc.description), request_id, route.route_key)

        now = datetime.now(UTC)
        event = http_api_event(
            method=method,
            raw_path=unquote(raw_path),
            raw_query=raw_query,
            header_pairs=through_cloudfront(header_pairs, self.origin_verify),
            body=body,
            source_ip=source_ip,
            route_key=route.route_key,
            path_parameters=match.path_parameters,
            claims=claims,
            request_id=request_id,
            domain_name=headers_lower.get("host", "127.0.0.1"),
            extra_headers={
                "x-forwarded-for": source_ip,
                "x-forwarded-port": str(server_port),
                "x-forwarded-proto": "http",
                "x-amzn-trace-id": trace_id(now),
            },
            now=now,
        )
        response = self._invoke(route, event, request_id)
        response.headers.append(("apigw-requestid", request_id))
        return GatewayResult(response, request_id, route.route_key)

    def _invoke(self, route: Route, event: dict[str, Any], request_id: str) -> GatewayResponse:
        try:
            invocation = invoke(
                self.registry,
                route.handler,
                event,
                stage=self.stage,
                region=self.region,
                memory_mb=route.needs.memory_mb,
                timeout_s=route.needs.timeout_s,
            )
        except HandlerLoadError:
            log.exception("%s: handler %s could not be loaded (request %s)", route.route_key, route.handler, request_id)
            return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)
        except Exception:
            log.exception("%s: handler %s raised (request %s)", route.route_key, route.handler, request_id)
            return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)
        result = invocation.result
        if _result_size(result) > MAX_LAMBDA_RESPONSE:
            log.error("%s: response exceeds Lambda's 6 MB payload limit (request %s)", route.route_key, request_id)
            return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)
        try:
            return lambda_result_to_response(result)
        except MalformedResponse as exc:
            log.error("%s: malformed Lambda proxy response from %s: %s (request %s)", route.route_key, route.handler, exc, request_id)
            return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)

    def _local_handler(
        self, method: str, raw_path: str, raw_query: str, header_pairs: Sequence[tuple[str, str]], body: bytes, request_id: str
    ) -> GatewayResponse | None:
        for prefix, local_handler in self.local_handlers.items():
            if raw_path != prefix and not raw_path.startswith(prefix + "/"):
                continue
            try:
                response = local_handler(method, unquote(raw_path), raw_query, {n.lower(): v for n, v in header_pairs}, body)
            except Exception:
                log.exception("local handler %s failed (request %s)", prefix, request_id)
                return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)
            if response is not None:
                response.headers.append(("x-correlation-id", request_id))
            return response
        return None

    def _unauthorized(self, request_id: str, description: str | None) -> GatewayResponse:
        if description is None:
            challenge = "Bearer"
            message = "A bearer token is required"
        else:
            challenge = f'Bearer error="invalid_token", error_description="{description}"'
            message = f"The bearer token was refused: {description}"
        return error_response(401, "UNAUTHORIZED", message, request_id, [("www-authenticate", challenge)])

    def _unmatched(self, method: str, raw_path: str, header_pairs: Sequence[tuple[str, str]], request_id: str) -> GatewayResponse:
        if method == "GET" and raw_path in self.pages:
            try:
                response = self.pages[raw_path]()
            except Exception:
                log.exception("local page %s failed (request %s)", raw_path, request_id)
                return error_response(500, "INTERNAL_ERROR", "Internal Server Error", request_id)
            response.headers.append(("x-correlation-id", request_id))
            return response
        methods = self.table.methods_for(raw_path)
        headers_lower = {name.lower(): value for name, value in header_pairs}
        if method == "OPTIONS" and methods and "access-control-request-method" in headers_lower:
            # CORS preflight, answered by the HTTP API's CORS configuration in AWS: an origin it
            # does not list gets no allow headers, so the browser refuses the request.
            origin = headers_lower.get("origin", "")
            if not self.cors_allows(origin):
                return GatewayResponse(status=204, headers=[("vary", "Origin"), ("x-correlation-id", request_id)])
            return GatewayResponse(
                status=204,
                headers=[
                    ("access-control-allow-origin", origin),
                    ("access-control-allow-methods", ",".join(sorted(methods))),
                    ("access-control-allow-headers", headers_lower.get("access-control-request-headers", "authorization,content-type")),
                    ("access-control-max-age", "600"),
                    ("vary", "Origin"),
                    ("x-correlation-id", request_id),
                ],
            )
        return error_response(404, "ROUTE_NOT_FOUND", f"No route for {method} {unquote(raw_path)}", request_id)


LOCAL_PREFIX = "/_local/"


def _is_local_path(target: str) -> bool:
    path = target.split("?", 1)[0]
    return path == LOCAL_PREFIX.rstrip("/") or path.startswith(LOCAL_PREFIX)


def same_origin_request(header_pairs: Sequence[tuple[str, str]]) -> bool:
    """True unless the browser says the request comes from another origin.

    A fetch or form post from another page carries `Origin` (not this host) and, in current
    browsers, `Sec-Fetch-Site: cross-site` or `same-site` (another port of 127.0.0.1 is
    same-site); an address typed by a person is `none`; non-browser clients send neither.
    """
    headers = {name.lower(): value for name, value in header_pairs}
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


# --- pages ------------------------------------------------------------------------------------


def index_page(links: Callable[[], Sequence[tuple[str, str]]], title: str = "OutreachPass local stack") -> Callable[[], GatewayResponse]:
    def render() -> GatewayResponse:
        items = "\n".join(
            f'<li><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a> <code>{html.escape(url)}</code></li>'
            for label, url in links()
        )
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8>"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem}"
            "code{color:#555;font-size:13px}</style>"
            f"<h1>{html.escape(title)}</h1><ul>\n{items}\n</ul></html>"
        )
        return GatewayResponse(status=200, headers=[("content-type", "text/html; charset=utf-8")], body=body.encode())

    return render


def json_page(produce: Callable[[], Any]) -> Callable[[], GatewayResponse]:
    def render() -> GatewayResponse:
        body = json.dumps(produce(), indent=2, default=str).encode()
        return GatewayResponse(status=200, headers=[("content-type", "application/json")], body=body)

    return render


# --- HTTP transport ---------------------------------------------------------------------------


class _BodyTooLarge(Exception):
    pass


class _BadRequest(Exception):
    pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections end
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:  # one line per request is ours
        return

    def handle_expect_100(self) -> bool:
        length = self.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_REQUEST_BODY:
            self._write(error_response(413, "PAYLOAD_TOO_LARGE", "Request body exceeds 10 MB", new_request_id()), close=True)
            return False
        return super().handle_expect_100()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequest("malformed chunked body") from None
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BODY:
                    raise _BodyTooLarge()
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length_header = self.headers.get("content-length")
        if not length_header:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _BadRequest("malformed content-length") from None
        if length < 0:
            raise _BadRequest("malformed content-length")
        if length > MAX_REQUEST_BODY:
            raise _BodyTooLarge()
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        started = time.perf_counter()
        route_key: str | None = None
        try:
            body = self._read_body()
        except _BodyTooLarge:
            request_id = new_request_id()
            response = error_response(413, "PAYLOAD_TOO_LARGE", "Request body exceeds 10 MB", request_id)
            self._write(response, close=True)
            self._log(request_id, response.status, started, None)
            return
        except _BadRequest as exc:
            request_id = new_request_id()
            response = error_response(400, "BAD_REQUEST", str(exc), request_id)
            self._write(response, close=True)
            self._log(request_id, response.status, started, None)
            return
        result = self.server.gateway.handle(
            method=self.command,
            target=self.path,
            header_pairs=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            server_port=self.server.server_address[1],
        )
        route_key = result.route_key
        self._write(result.response)
        self._log(result.request_id, result.response.status, started, route_key)

    def _write(self, response: GatewayResponse, *, close: bool = False) -> None:
        self.send_response(response.status)
        has_length = False
        for name, value in response.headers:
            if name.lower() == "content-length":
                has_length = True
            self.send_header(name, value)
        if not has_length:
            self.send_header("content-length", str(len(response.body)))
        if close:
            self.send_header("connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def _log(self, request_id: str, status: int, started: float, route_key: str | None) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        path = self.path.split("?", 1)[0]
        log.info("%s %s %d %.1fms %s%s", self.command, path, status, elapsed, request_id, f" [{route_key}]" if route_key else "")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of browser connections (a page's
    # assets, a load test) overflowed it and the kernel dropped or reset the rest.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], gateway: LocalGateway):
        super().__init__(address, _RequestHandler)
        self.gateway = gateway

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("error while serving %s", client_address)


class LocalApiServer:
    """The gateway on 127.0.0.1:<port> (0 = any free port), served from a thread."""

    def __init__(self, gateway: LocalGateway, *, host: str = "127.0.0.1", port: int = 8000):
        self.gateway = gateway
        self._httpd = _HttpServer((host, port), gateway)  # binds now: the port is known
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = self._httpd.server_address[0]
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="local-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()
