"""SnapStart (config `snapstart`): which route functions are published with it, and that API Gateway
invokes them through the `live` alias on their current version (the only way a snapshot is used).

Default ("public"): the routes without roles (cards, wallet, tracking, health); admin routes, workers,
schedules and consumers keep plain $LATEST invocations. "all": every route. "off": none.
"""

from __future__ import annotations

import pytest

import routes
from cdk_app.config import parse_config
from tests.infra.conftest import TEST_CONFIG, synthesize
from tests.infra.templates import flatten, ref_id, resources, route_function, route_target

API_STACK = "OutreachPass-staging-Api"
SILO_API_STACK = "OutreachPass-staging-initech-Api"
ON_PUBLISHED_VERSIONS = {"ApplyOn": "PublishedVersions"}


def _http_routes(api: dict) -> dict[str, dict]:
    return {route["Properties"]["RouteKey"]: route for route in resources(api, "AWS::ApiGatewayV2::Route").values()}


def _apigateway_permissions(api: dict) -> dict[str, list[dict]]:
    """Logical id of the invoked resource (function or alias) -> API Gateway's invoke permissions on it."""
    found: dict[str, list[dict]] = {}
    for permission in resources(api, "AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        if properties["Principal"] == "apigateway.amazonaws.com":
            found.setdefault(ref_id(properties["FunctionName"]), []).append(properties)
    return found


def assert_route_uses_snapstart(api: dict, route: routes.Route) -> None:
    http_route = _http_routes(api)[route.route_key]
    function_id = route_function(api, http_route)
    function = api["Resources"][function_id]["Properties"]
    assert function["SnapStart"] == ON_PUBLISHED_VERSIONS, route.route_key

    alias_id = route_target(api, http_route)
    alias = api["Resources"][alias_id]
    assert alias["Type"] == "AWS::Lambda::Alias", route.route_key  # the integration calls the alias, not $LATEST
    assert alias["Properties"]["Name"] == "live"
    assert ref_id(alias["Properties"]["FunctionName"]) == function_id
    version_ref = alias["Properties"]["FunctionVersion"]
    assert version_ref["Fn::GetAtt"][1] == "Version", route.route_key
    version = api["Resources"][ref_id(version_ref)]
    assert version["Type"] == "AWS::Lambda::Version"
    assert ref_id(version["Properties"]["FunctionName"]) == function_id
    assert version["DeletionPolicy"] == "Delete"  # replaced versions (and their cached snapshots) go away

    permissions = _apigateway_permissions(api)
    (permission,) = permissions[alias_id]  # API Gateway may invoke the alias, for this route only
    assert permission["Action"] == "lambda:InvokeFunction"
    assert flatten(permission["SourceArn"]).endswith("/*/*" + route.path), route.route_key
    assert function_id not in permissions, route.route_key  # and nothing grants it $LATEST


def assert_route_invokes_latest(api: dict, route: routes.Route) -> None:
    http_route = _http_routes(api)[route.route_key]
    function_id = route_target(api, http_route)
    assert api["Resources"][function_id]["Type"] == "AWS::Lambda::Function", route.route_key
    assert "SnapStart" not in api["Resources"][function_id]["Properties"], route.route_key
    assert _apigateway_permissions(api)[function_id], route.route_key
    for kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        owners = {ref_id(r["Properties"]["FunctionName"]) for r in resources(api, kind).values()}
        assert function_id not in owners, (route.route_key, kind)


def test_the_default_is_public():
    assert parse_config({key: value for key, value in TEST_CONFIG.items()}, "test").snapstart == "public"
    assert "snapstart" not in TEST_CONFIG


@pytest.mark.parametrize("stack", [API_STACK, SILO_API_STACK])
def test_by_default_public_routes_use_snapstart_through_the_live_alias_and_admin_routes_do_not(synthesized, stack):
    api = synthesized.template(stack)
    public = [route for route in routes.ROUTES if route.is_public]
    assert {"/health", "/c/{card_id}", "/api/track/events"} <= {route.path for route in public}
    assert any(route.path.startswith("/wallet/v1/") for route in public)
    for route in routes.ROUTES:
        if route.is_public:
            assert_route_uses_snapstart(api, route)
        else:
            assert_route_invokes_latest(api, route)
    # One version and one alias per public route, none for admin routes, workers, schedules or consumers.
    assert len(resources(api, "AWS::Lambda::Version")) == len(public)
    assert len(resources(api, "AWS::Lambda::Alias")) == len(public)
    snapstarted = [f for f in resources(api, "AWS::Lambda::Function").values() if "SnapStart" in f["Properties"]]
    assert len(snapstarted) == len(public)


@pytest.fixture(scope="module", params=["off", "all"])
def switched(request, tmp_path_factory):
    config = {**TEST_CONFIG, "tenants": [], "snapstart": request.param}  # no tenants: a quicker synth
    return request.param, synthesize(tmp_path_factory.mktemp(f"cdk.out-{request.param}"), config)


def test_the_config_switch_turns_snapstart_off_or_on_for_every_route(switched):
    from cdk_app.nag import findings

    mode, synthesized = switched
    api = synthesized.template(API_STACK)
    for route in routes.ROUTES:
        if mode == "all":
            assert_route_uses_snapstart(api, route)
        else:
            assert_route_invokes_latest(api, route)
    expected = len(routes.ROUTES) if mode == "all" else 0
    assert len(resources(api, "AWS::Lambda::Version")) == expected
    assert len(resources(api, "AWS::Lambda::Alias")) == expected
    assert findings(synthesized.app) == []
    # "all" adds a version and an alias per route: the Api stack must still fit CloudFormation's limit.
    assert all(len(template["Resources"]) < 500 for template in synthesized.templates.values())


def _version_id(tmp_path, code: str, layer: str) -> str:
    """The logical id of the published version of one SnapStart function built from the given code and layer."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_

    from cdk_app.bundling import LAMBDA_RUNTIME
    from cdk_app.function import AppFunction, FunctionResources
    from cdk_app.naming import Naming
    from cdk_app.table import FunctionSpec

    for name, content in (("code", code), ("layer", layer)):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "content.py").write_text(content)
    app = cdk.App(outdir=str(tmp_path / "out"), context={"@aws-cdk/aws-lambda:recognizeLayerVersion": True})
    stack = cdk.Stack(app, "Probe", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    policy = iam.ManagedPolicy(
        stack, "Policy", statements=[iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])]
    )
    layer_version = lambda_.LayerVersion(
        stack, "Layer", code=lambda_.Code.from_asset(str(tmp_path / "layer")), compatible_runtimes=[LAMBDA_RUNTIME]
    )
    resources_ = FunctionResources(
        naming=Naming("staging"),
        stage="staging",
        public_base_url="https://cards.example.com",
        log_level="INFO",
        log_retention_days=30,
        removal_policy=cdk.RemovalPolicy.DESTROY,
        code=lambda_.Code.from_asset(str(tmp_path / "code")),
        layers=(layer_version,),
        tracing_policy=policy,
        vpc_access_policy=policy,
    )
    route = routes.Route("GET", "/health", "handlers.public.health", roles=None, needs=routes.Needs(database=False))
    spec = FunctionSpec("route", "public-health", route.handler, route.needs, "probe", route)
    AppFunction(stack, "Health", spec=spec, resources=resources_, snapstart=True)
    template = app.synth().get_stack_by_name("Probe").template
    (version_id,) = resources(template, "AWS::Lambda::Version")
    return version_id


def test_a_new_version_is_published_when_the_code_or_a_layer_changes(tmp_path):
    first = _version_id(tmp_path / "a", "print(1)", "layer = 1")
    assert _version_id(tmp_path / "b", "print(1)", "layer = 1") == first  # same inputs, same version
    assert _version_id(tmp_path / "c", "print(2)", "layer = 1") != first  # function code changed
    assert _version_id(tmp_path / "d", "print(1)", "layer = 2") != first  # a layer changed
