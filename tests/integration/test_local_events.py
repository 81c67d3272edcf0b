"""The local gateway's API Gateway HTTP API events and responses, over real HTTP.

The event a handler receives is held against the payload format 2.0 example of the AWS
developer guide ("Create AWS Lambda proxy integrations for HTTP APIs in API Gateway",
tests/fixtures/apigw_v2_sample.json), key for key, and parsed with Powertools' own model.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import socket
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from local.cognito import JwtVerifier
from local.events import claim_to_string, http_api_event, is_textual, sqs_record
from local.server import MAX_REQUEST_BODY, LocalApiServer, LocalGateway, RouteTable
from routes import Route
from tests.fixtures import local_http_handler

SAMPLE = json.loads((Path(__file__).parent.parent / "fixtures" / "apigw_v2_sample.json").read_text())
HANDLER = "tests.fixtures.local_http_handler"
TEST_ROUTES = (
    Route("POST", "/my/{parameter1}", HANDLER, roles=("admin", "user")),
    Route("GET", "/public/echo", HANDLER, roles=None),
    Route("POST", "/public/echo", HANDLER, roles=None),
    Route("GET", "/public/items/special", HANDLER, roles=None),
    Route("GET", "/public/items/{item_id}", HANDLER, roles=None),
    Route("GET", "/public/files/{key+}", HANDLER, roles=None),
)
# Parts of the sample for features this API does not use: mutual TLS (authentication),
# Lambda authorizers (authorizer.lambda) and stage variables.
NOT_USED = {"stageVariables", "requestContext.authentication", "requestContext.authorizer.lambda"}


@pytest.fixture(scope="module")
def echo_api(local_stack):
    """A gateway serving test routes with the echo handler, verifying tokens of the local pool."""
    gateway = LocalGateway(routes=TEST_ROUTES, verifier=JwtVerifier(local_stack.cognito.pool).verify, cors_origins=[FRONTEND])
    server = LocalApiServer(gateway, port=0)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


FRONTEND = "http://localhost:5173"  # the one origin the echo gateway's CORS configuration allows


def raw_request(base_url, method, target, headers=(), body=b""):
    """HTTP with repeated headers allowed; returns (status, [(name, value)], body)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def header(pairs, name):
    values = [v for k, v in pairs if k.lower() == name]
    return values[0] if len(values) == 1 else values


def key_paths(value, prefix=""):
    """Every key path of a JSON document, with the JSON type at it."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found[path] = type(item).__name__
            found.update(key_paths(item, path))
    return found


# --- the documented event, key for key ------------------------------------------------------


def test_event_has_the_documented_payload_2_0_shape_key_for_key(echo_api, local_stack):
    token = local_stack.token_for("6a1f3e59-4a4b-4c41-9a53-111111111111", "admin")
    local_http_handler.INVOCATIONS.clear()
    status, headers, body = raw_request(
        echo_api,
        "POST",
        "/my/value1?parameter1=value1&parameter1=value2&parameter2=value",
        headers=[
            ("Header1", "value1"),
            ("Header2", "value1"),
            ("Header2", "value2"),
            ("Cookie", "cookie1; cookie2"),
            ("Content-Type", "text/plain"),
            ("User-Agent", "agent"),
            ("Authorization", f"Bearer {token}"),
        ],
        body=b"Hello from Lambda",
    )
    assert status == 200, body
    event = json.loads(body)["event"]

    sample_keys = key_paths(SAMPLE)
    event_keys = key_paths(event)
    # Claims and headers are open-ended maps: compare the keys of the event format itself.
    open_maps = ("headers.", "requestContext.authorizer.jwt.claims.")
    sample_format = {p: t for p, t in sample_keys.items() if not p.startswith(open_maps)}
    event_format = {p: t for p, t in event_keys.items() if not p.startswith(open_maps)}
    expected = {p: t for p, t in sample_format.items() if not any(p == n or p.startswith(n + ".") for n in NOT_USED)}
    # The JWT authorizer sends scopes as null for an id token (it has no scope claim).
    expected["requestContext.authorizer.jwt.scopes"] = "NoneType"
    assert event_format == expected

    # Values the sample request determines are what AWS documents for it.
    for key in ("version", "rawQueryString", "cookies", "queryStringParameters", "pathParameters", "body", "isBase64Encoded"):
        assert event[key] == SAMPLE[key], key
    assert event["rawPath"] == "/my/value1"
    assert event["headers"]["header1"] == SAMPLE["headers"]["header1"]
    assert event["headers"]["header2"] == SAMPLE["headers"]["header2"]  # repeated header, comma-joined
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]  # cookies move to `cookies`
    assert event["routeKey"] == "POST /my/{parameter1}"
    context = event["requestContext"]
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == SAMPLE["requestContext"]["stage"] == "$default"
    assert context["http"] == {"method": "POST", "path": "/my/value1", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "agent"}
    assert context["requestId"] == header(headers, "apigw-requestid")
    # time and timeEpoch: the documented formats, the same instant.
    parsed = datetime.strptime(context["time"], "%d/%b/%Y:%H:%M:%S %z")
    datetime.strptime(SAMPLE["requestContext"]["time"], "%d/%b/%Y:%H:%M:%S %z")
    assert int(parsed.timestamp()) == context["timeEpoch"] // 1000

    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["custom:tenant_id"] == "6a1f3e59-4a4b-4c41-9a53-111111111111"
    assert claims["custom:role"] == "admin"
    assert claims["token_use"] == "id"
    assert all(isinstance(value, str) for value in claims.values())  # as AWS passes them
    assert claims["exp"].isdigit()

    # Powertools reads it as the real thing.
    model = APIGatewayProxyEventV2Model(**event)
    assert model.requestContext.authorizer.jwt.claims["custom:role"] == "admin"
    parsed_event = APIGatewayProxyEventV2(event)
    assert parsed_event.path == "/my/value1"
    assert parsed_event.headers.get("HEADER1") == "value1"
    assert parsed_event.query_string_parameters["parameter1"] == "value1,value2"


def test_each_request_gets_its_own_request_id_and_lambda_context(echo_api):
    ids = set()
    for _ in range(3):
        status, _, body = raw_request(echo_api, "GET", "/public/echo")
        assert status == 200
        payload = json.loads(body)
        ids.add(payload["event"]["requestContext"]["requestId"])
        context = payload["context"]
        assert context["function_name"] == "outreachpass-local-tests-fixtures-local-http-handler"
        assert context["invoked_function_arn"].endswith(":function:" + context["function_name"])
        assert context["memory_limit_in_mb"] == 256
        assert 0 < context["remaining_ms"] <= 10_000
        assert context["log_group_name"] == "/aws/lambda/" + context["function_name"]
        assert context["aws_request_id"] != payload["event"]["requestContext"]["requestId"]
    assert len(ids) == 3


def test_public_route_event_has_no_authorizer_and_no_empty_optional_keys(echo_api):
    status, _, body = raw_request(echo_api, "GET", "/public/echo", headers=[("Authorization", "Bearer whatever")])
    assert status == 200  # public: the token is not looked at
    event = json.loads(body)["event"]
    assert "authorizer" not in event["requestContext"]
    for key in ("cookies", "queryStringParameters", "pathParameters", "body", "stageVariables"):
        assert key not in event, key
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    assert event["headers"]["authorization"] == "Bearer whatever"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-proto"] == "http"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")


def test_binary_body_arrives_base64_encoded_and_text_as_text(echo_api):
    blob = bytes(range(256))
    status, _, body = raw_request(echo_api, "POST", "/public/echo", headers=[("Content-Type", "application/octet-stream")], body=blob)
    assert status == 200
    event = json.loads(body)["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == blob

    text = json.dumps({"name": "Zoë"}).encode()
    status, _, body = raw_request(echo_api, "POST", "/public/echo", headers=[("Content-Type", "application/json; charset=utf-8")], body=text)
    event = json.loads(body)["event"]
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"name": "Zoë"}


def test_path_parameters_are_decoded_and_the_most_specific_route_wins(echo_api):
    status, _, body = raw_request(echo_api, "GET", "/public/items/special")
    assert status == 200
    assert json.loads(body)["event"]["routeKey"] == "GET /public/items/special"

    status, _, body = raw_request(echo_api, "GET", "/public/items/caf%C3%A9%20bar?q=a%20b")
    event = json.loads(body)["event"]
    assert event["routeKey"] == "GET /public/items/{item_id}"
    assert event["pathParameters"] == {"item_id": "café bar"}
    assert event["rawPath"] == "/public/items/café bar"  # HTTP APIs decode rawPath
    assert event["rawQueryString"] == "q=a%20b"  # and keep the query string encoded
    assert event["queryStringParameters"] == {"q": "a b"}

    status, _, body = raw_request(echo_api, "GET", "/public/files/a/b/c.txt")
    event = json.loads(body)["event"]
    assert event["routeKey"] == "GET /public/files/{key+}"
    assert event["pathParameters"] == {"key": "a/b/c.txt"}


@pytest.mark.parametrize(
    ("method", "target"),
    [("GET", "/nowhere"), ("DELETE", "/public/echo"), ("GET", "/public/echo/"), ("GET", "/public/items/")],
)
def test_unmatched_requests_get_404_route_not_found(echo_api, method, target):
    local_http_handler.INVOCATIONS.clear()
    status, headers, body = raw_request(echo_api, method, target)
    assert status == 404
    error = json.loads(body)["error"]
    assert error["code"] == "ROUTE_NOT_FOUND"
    assert error["correlation_id"] == header(headers, "x-correlation-id")
    assert local_http_handler.INVOCATIONS == []


def test_handler_responses_are_mapped_as_api_gateway_does(echo_api):
    status, headers, body = raw_request(echo_api, "GET", "/public/echo?mode=binary")
    assert status == 200
    assert header(headers, "content-type") == "image/png"
    assert body == local_http_handler.PNG_BYTES

    status, headers, body = raw_request(echo_api, "GET", "/public/echo?mode=cookies")
    assert status == 201
    assert header(headers, "set-cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert header(headers, "x-test") == "yes"
    assert body == b""

    status, headers, body = raw_request(echo_api, "GET", "/public/echo?mode=bare")
    assert status == 200
    assert header(headers, "content-type") == "application/json"
    assert json.loads(body) == {"hello": "world"}


def test_a_crashing_handler_gives_500_with_the_envelope_and_a_logged_traceback(echo_api, caplog):
    with caplog.at_level(logging.ERROR, logger="local.server"):
        status, headers, body = raw_request(echo_api, "GET", "/public/echo?mode=crash")
    assert status == 500
    error = json.loads(body)["error"]
    assert error == {"code": "INTERNAL_ERROR", "message": "Internal Server Error", "correlation_id": header(headers, "x-correlation-id")}
    assert b"boom" not in body  # never a stack trace to the caller
    crash_logs = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert crash_logs, "the exception is logged with its traceback"

    status, headers, body = raw_request(echo_api, "GET", "/public/echo?mode=malformed")
    assert status == 500
    assert json.loads(body)["error"]["code"] == "INTERNAL_ERROR"


def test_bodies_over_10_mib_are_refused_with_413_before_any_handler(echo_api):
    local_http_handler.INVOCATIONS.clear()
    parts = urlsplit(echo_api)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            b"POST /public/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {MAX_REQUEST_BODY + 1}\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert local_http_handler.INVOCATIONS == []

    # Exactly at the limit is accepted (the handler answers small: see the next test).
    status, _, _ = raw_request(echo_api, "POST", "/public/echo?mode=bare", headers=[("Content-Type", "application/octet-stream")], body=b"x" * MAX_REQUEST_BODY)
    assert status == 200


def test_a_response_over_lambdas_6_mb_limit_is_a_500(echo_api, caplog):
    # Echoing a 7 MB body makes the handler's response larger than Lambda allows.
    with caplog.at_level(logging.ERROR, logger="local.server"):
        status, _, body = raw_request(echo_api, "POST", "/public/echo", headers=[("Content-Type", "text/plain")], body=b"x" * (7 * 1024 * 1024))
    assert status == 500
    assert json.loads(body)["error"]["code"] == "INTERNAL_ERROR"
    assert any("6 MB" in r.getMessage() for r in caplog.records)


def test_chunked_request_bodies_are_read(echo_api):
    parts = urlsplit(echo_api)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("POST", "/public/echo", body=iter([b"hello ", b"chunked"]), headers={"Content-Type": "text/plain"}, encode_chunked=True)
        response = conn.getresponse()
        event = json.loads(response.read())["event"]
    finally:
        conn.close()
    assert event["body"] == "hello chunked"


# --- the builders, directly ---------------------------------------------------------------


def test_claims_are_strings_the_way_the_jwt_authorizer_passes_them():
    assert claim_to_string(1700000000) == "1700000000"
    assert claim_to_string(True) == "true"
    assert claim_to_string(["admins", "editors"]) == "[admins editors]"
    assert claim_to_string("x") == "x"


def test_textual_content_types():
    assert is_textual("application/json")
    assert is_textual("text/csv; charset=utf-8")
    assert is_textual("application/vnd.api+json")
    assert not is_textual("image/png")
    assert not is_textual("application/octet-stream")
    assert not is_textual(None)


def test_event_builder_without_a_request_has_the_required_keys_only():
    event = http_api_event(method="GET", raw_path="/health", route_key="GET /health")
    assert set(event) == {"version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"}
    assert re.fullmatch(r"[0-9a-f-]{36}", event["requestContext"]["requestId"])


def test_route_table_rejects_a_greedy_parameter_that_is_not_last():
    with pytest.raises(ValueError, match="greedy"):
        RouteTable([Route("GET", "/a/{rest+}/b", HANDLER, roles=None)])


def test_sqs_record_has_the_lambda_event_source_shape():
    record = sqs_record(
        {
            "MessageId": "m-1",
            "ReceiptHandle": "rh",
            "Body": "{}",
            "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
            "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1", "SenderId": "S", "ApproximateFirstReceiveTimestamp": "2"},
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "import"}, "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
        },
        queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
        region="us-east-1",
    )
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:q"
    assert record["messageAttributes"]["kind"]["stringValue"] == "import"
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="


def test_cors_preflight_and_responses_allow_the_configured_frontend(echo_api):
    origin = FRONTEND
    status, headers, _ = raw_request(
        echo_api,
        "OPTIONS",
        "/public/echo",
        headers=[("Origin", origin), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization")],
    )
    assert status == 204
    assert header(headers, "access-control-allow-origin") == origin
    assert header(headers, "access-control-allow-methods") == "GET,POST"
    assert header(headers, "access-control-allow-headers") == "authorization"

    status, headers, _ = raw_request(echo_api, "GET", "/public/echo", headers=[("Origin", origin)])
    assert status == 200
    assert header(headers, "access-control-allow-origin") == origin

    status, headers, _ = raw_request(echo_api, "GET", "/public/echo")
    assert header(headers, "access-control-allow-origin") == []  # no Origin, no CORS headers


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:5173.evil.example", "http://localhost:5174"])
def test_cors_reflects_no_other_origin(echo_api, origin):
    """As the HTTP API's CORS configuration: only the listed origins, never `null` (sandboxed
    frames and file: pages send it), no prefix or port tricks."""
    status, headers, _ = raw_request(
        echo_api, "OPTIONS", "/public/echo",
        headers=[("Origin", origin), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization")],
    )
    assert status == 204
    assert header(headers, "access-control-allow-origin") == []
    assert header(headers, "access-control-allow-methods") == []
    status, headers, _ = raw_request(echo_api, "GET", "/public/echo", headers=[("Origin", origin)])
    assert status == 200
    assert header(headers, "access-control-allow-origin") == []


def test_the_stack_allows_only_its_configured_origins(local_stack):
    assert local_stack.config.cors_origins == ()  # the test stack configures none
    response = local_stack.request("GET", "/health", headers={"origin": "http://localhost:5173"})
    assert response.status == 200
    assert "access-control-allow-origin" not in response.headers


def test_a_burst_of_connections_waits_in_the_listen_queue(local_stack):
    """socketserver's backlog of 5 made the kernel drop connections beyond it while the
    server was busy; the server now keeps a deep queue. Nothing is accepted by the server
    here (it is not serving yet), so every connection that completes sits in that queue."""
    server = LocalApiServer(LocalGateway(routes=TEST_ROUTES), port=0)
    sockets = []
    try:
        for _ in range(64):
            sock = socket.socket()
            sock.settimeout(2)
            sock.connect(("127.0.0.1", server.port))  # times out when the queue is full
            sockets.append(sock)
        assert len(sockets) == 64
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_the_stack_serves_its_local_pages_where_no_route_is(local_stack):
    import routes

    index = local_stack.request("GET", "/")
    assert index.status == 200
    assert index.headers["content-type"].startswith("text/html")
    assert f"{local_stack.api_url}/health" in index.text

    document = local_stack.request("GET", "/openapi.json")
    assert document.status == 200
    assert {route.path for route in routes.ROUTES} <= set(document.json()["paths"])
    docs = local_stack.request("GET", "/docs")
    assert docs.status == 200
    assert "/api/v1/admin/events" in docs.text

    assert local_stack.request("POST", "/docs").status == 404  # pages are GET only


def test_the_fixture_request_helper_labels_bodies_and_follows_no_redirects(local_stack, echo_api):
    response = local_stack.request("POST", f"{echo_api}/public/echo", body=b"\x00\xff")
    event = response.json()["event"]
    assert event["headers"]["content-type"] == "application/octet-stream"
    assert base64.b64decode(event["body"]) == b"\x00\xff"

    response = local_stack.request("POST", f"{echo_api}/public/echo", json={"a": 1}, headers={"X-Trace": "t"})
    event = response.json()["event"]
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-trace"] == "t"
    assert json.loads(event["body"]) == {"a": 1}
    status, headers, body = response  # a (status, headers, body) tuple
    assert status == 200 and headers["content-type"] == "application/json" and body

    redirect = local_stack.request("GET", f"{echo_api}/public/echo?mode=redirect")
    assert redirect.status == 302
    assert redirect.headers["location"] == "https://example.com/elsewhere"
