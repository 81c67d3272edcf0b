"""Public routes answer only requests that came through CloudFront: the edge adds the origin-verify header
with the secret's `current` value, the handler wrapper compares it in constant time, and a request without
it (straight to execute-api) gets 403 ORIGIN_NOT_VERIFIED in the API's error shape. The local gateway adds
the header as CloudFront would, so the local stack keeps working; a rotation accepts `current` and
`previous` until the previous value is dropped."""

from __future__ import annotations

import importlib
import json

import pytest

import routes
from local.edge import HEADER, current_value
from local.events import LambdaContext, function_name, http_api_event
from outreachpass.api import origin


@pytest.fixture
def secret(local_stack):
    """The local origin-verify secret; its value is put back after the test, and the runtime's cache cleared."""
    from outreachpass.integrations.secrets import reset_secrets

    client = local_stack.boto("secretsmanager")
    arn = local_stack.resources.secrets[routes.ORIGIN_VERIFY_SECRET]
    original = client.get_secret_value(SecretId=arn)["SecretString"]
    reset_secrets()

    def put(value: dict) -> None:
        client.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        reset_secrets()  # the functions' cache would pick it up within origin.SECRET_MAX_AGE_S

    yield put, current_value(original)
    client.put_secret_value(SecretId=arn, SecretString=original)
    reset_secrets()


def _health(headers: list[tuple[str, str]]) -> dict:
    """GET /health invoked as API Gateway would, with exactly these headers (nothing added by a gateway)."""
    route = routes.find_route("GET", "/health")
    event = http_api_event(method="GET", raw_path="/health", route_key=route.route_key, header_pairs=headers)
    module = importlib.import_module(route.handler)
    return module.handler(event, LambdaContext(function_name=function_name("test", route.handler)))


def _refused(result: dict) -> dict:
    assert result["statusCode"] == 403, result
    assert result["headers"]["content-type"] == "application/json"
    body = json.loads(result["body"])
    assert set(body) == {"error"}
    assert body["error"]["code"] == "ORIGIN_NOT_VERIFIED"
    assert body["error"]["correlation_id"] == result["headers"]["x-correlation-id"]
    assert "use http" in body["error"]["message"]  # names the public address to use instead
    return body


def test_the_runtime_and_the_infrastructure_name_the_same_header_and_secret():
    assert (origin.HEADER, origin.SECRET) == (routes.ORIGIN_VERIFY_HEADER, routes.ORIGIN_VERIFY_SECRET)


def test_a_request_that_did_not_come_through_cloudfront_is_refused(local_stack, secret):
    _, value = secret
    _refused(_health([]))
    _refused(_health([(HEADER, "")]))
    _refused(_health([(HEADER, value[:-1])]))  # a prefix of the right value
    _refused(_health([(HEADER, value + "x")]))
    assert _health([(HEADER, value)])["statusCode"] == 200


def test_through_the_local_gateway_public_routes_answer_as_behind_cloudfront(local_stack, secret):
    assert local_stack.request("GET", "/health").status == 200
    # A viewer cannot send its own value: CloudFront (and the local gateway) replace the header.
    assert local_stack.request("GET", "/health", headers={HEADER: "forged"}).status == 200


def test_card_routes_are_refused_before_any_work_without_the_header(local_stack, secret, database, tenant_factory, admin_conn):
    from tests.integration.public_cards import make_card

    card = make_card(database, tenant_factory())
    route = routes.find_route("GET", "/c/{card_id}")
    event = http_api_event(
        method="GET",
        raw_path=f"/c/{card['card_id']}",
        route_key=route.route_key,
        path_parameters={"card_id": str(card["card_id"])},
    )
    result = importlib.import_module(route.handler).handler(event, LambdaContext(function_name="test-card-page"))
    _refused(result)
    # No view was recorded for the refused request.
    views = admin_conn.execute("SELECT count(*) FROM card_view_events WHERE card_id = %s", (card["card_id"],)).fetchone()
    assert views[0] == 0


def test_during_a_rotation_current_and_previous_are_both_accepted_then_only_the_new_one(local_stack, secret):
    put, old = secret
    new = "b" * 64
    put({"current": new, "previous": old})
    assert _health([(HEADER, old)])["statusCode"] == 200  # CloudFront still sends the old value
    assert _health([(HEADER, new)])["statusCode"] == 200  # and, after the Edge deploy, the new one
    put({"current": new, "previous": ""})
    _refused(_health([(HEADER, old)]))
    assert _health([(HEADER, new)])["statusCode"] == 200
    assert local_stack.request("GET", "/health").status != 200  # the local gateway still sends the old value


def test_admin_routes_do_not_need_the_header(local_stack, secret, tenant_factory):
    token = local_stack.token_for(tenant_factory(), "admin")
    assert local_stack.request("GET", f"{routes.ADMIN_PREFIX}/events", token=token, headers={HEADER: "wrong"}).status == 200
