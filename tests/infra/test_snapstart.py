"""SnapStart (config `snapstart`): which route functions are published with it, and that API Gateway
invokes them through the `live` alias on their current version (the only way a snapshot is used).

Default ("public"): the routes without roles (cards, wallet, tracking, health); admin routes, workers,
schedules and consumers keep plain $LATEST invocations. "all": every route. "off": none.
"""

from __future__ import annotations

import pytest

import routes
from cdk_app.config import parse_config
from cdk_app.table import RESOURCE_CEILING
from tests.infra.conftest import TEST_CONFIG, synthesize
from tests.infra.templates import FunctionStacks, flatten, ref_id, resources, route_function, route_target

PLATFORM = "OutreachPass-staging"
SILO = "OutreachPass-staging-initech"
ON_PUBLISHED_VERSIONS = {"ApplyOn": "PublishedVersions"}


def _count(stacks: FunctionStacks, resource_type: str) -> int:
    return len(stacks.resources(resource_type))


def _apigateway_permissions(api: dict) -> dict[str, list[dict]]:
    """Logical id of the invoked resource (function or alias) -> API Gateway's invoke permissions on it."""
    found: dict[str, list[dict]] = {}
    for permission in resources(api, "AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        if properties["Principal"] == "apigateway.amazonaws.com":
            found.setdefault(ref_id(properties["FunctionName"]), []).append(properties)
    return found


def assert_route_uses_snapstart(stacks: FunctionStacks, route: routes.Route) -> None:
    api, http_route = stacks.http_routes()[route.route_key]
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


def assert_route_invokes_latest(stacks: FunctionStacks, route: routes.Route) -> None:
    api, http_route = stacks.http_routes()[route.route_key]
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


@pytest.mark.parametrize("prefix", [PLATFORM, SILO])
def test_by_default_public_routes_use_snapstart_through_the_live_alias_and_admin_routes_do_not(synthesized, prefix):
    api = FunctionStacks(synthesized.templates, prefix)
    public = [route for route in routes.ROUTES if route.is_public]
    assert {"/health", "/c/{card_id}", "/api/track/events"} <= {route.path for route in public}
    assert any(route.path.startswith("/wallet/v1/") for route in public)
    for route in routes.ROUTES:
        if route.is_public:
            assert_route_uses_snapstart(api, route)
        else:
            assert_route_invokes_latest(api, route)
    # One version and one alias per public route, none for admin routes, workers, schedules or consumers.
    assert _count(api, "AWS::Lambda::Version") == len(public)
    assert _count(api, "AWS::Lambda::Alias") == len(public)
    snapstarted = [f for _, _, f in api.resources("AWS::Lambda::Function") if "SnapStart" in f["Properties"]]
    assert len(snapstarted) == len(public)


@pytest.fixture(scope="module")
def all_routes(tmp_path_factory):
    config = {**TEST_CONFIG, "tenants": [], "snapstart": "all"}  # no tenants: a quicker synth
    return synthesize(tmp_path_factory.mktemp("cdk.out-all"), config)


def test_the_config_switch_turns_snapstart_on_for_every_route(all_routes):
    from cdk_app.nag import findings

    api = FunctionStacks(all_routes.templates, PLATFORM)
    for route in routes.ROUTES:
        assert_route_uses_snapstart(api, route)
    assert _count(api, "AWS::Lambda::Version") == len(routes.ROUTES)
    assert _count(api, "AWS::Lambda::Alias") == len(routes.ROUTES)
    assert findings(all_routes.app) == []
    # "all" adds a version and an alias per route: every stack must still stay under the ceiling.
    assert all(len(template["Resources"]) <= RESOURCE_CEILING for template in all_routes.templates.values())


def test_the_config_switch_turns_snapstart_off_for_every_route(cli_synthesized):
    """config/dev.json has `snapstart: off` (the session's CLI synth of it; its cdk-nag ran inside the app)."""
    from cdk_app.config import load_config_file

    assert cli_synthesized.returncode == 0, cli_synthesized.stderr[-2000:]
    assert load_config_file(cli_synthesized.project / "config" / "dev.json").snapstart == "off"
    api = FunctionStacks(cli_synthesized.templates, "OutreachPass-dev")
    for route in routes.ROUTES:
        assert_route_invokes_latest(api, route)
    assert _count(api, "AWS::Lambda::Version") == 0
    assert _count(api, "AWS::Lambda::Alias") == 0


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
        origin_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:probe/origin_verify",
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
