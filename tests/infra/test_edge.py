"""Edge stacks against the route table: which CloudFront behaviour serves each public route (what is
cached, what reaches the API), the public assets origin, the WAF rate rules, and ASSETS_BASE_URL."""

from __future__ import annotations

import json
import re
import subprocess
from fnmatch import fnmatchcase

import pytest

import routes
from stacks.storage import PUBLIC_ASSET_PREFIXES
from tests.infra.templates import FunctionStacks, flatten, output_target, ref_id, resources

STAGE = "staging"
ACCOUNT = "123456789012"
PLATFORM_EDGE = f"OutreachPass-{STAGE}-Edge"
SILO_EDGE = f"OutreachPass-{STAGE}-initech-Edge"
TENANT_EDGE = f"OutreachPass-{STAGE}-acme-Edge"  # a pool tenant's brand domain in front of the shared API
# Application edges serve their copy's assets bucket; a pool tenant's brand edge only fronts the API.
ASSETS_BUCKETS = {
    PLATFORM_EDGE: f"outreachpass-{STAGE}-{ACCOUNT}-assets",
    SILO_EDGE: f"outreachpass-{STAGE}-initech-{ACCOUNT}-assets",
    TENANT_EDGE: None,
}
# AWS managed policies (fixed ids)
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
TRACKED_PREFIXES = ("/c/", "/api/track/")  # the routes whose handlers record the visitor
QR_SUFFIXES = ("/qr.png", "/qr.svg")
RECORDED = {"cloudfront-viewer-address", "user-agent", "referer"}  # what outreachpass.api.visitor reads


def _distribution(template: dict) -> dict:
    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def _behaviour(config: dict, path: str) -> dict:
    """The behaviour CloudFront picks for a path: the first pattern that matches, else the default."""
    for behaviour in config.get("CacheBehaviors", []):
        if fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour
    return config["DefaultCacheBehavior"]


def _request_path(route: routes.Route) -> str:
    return re.sub(r"\{[^}]+\}", "0b7c3a52-9f0e-4d1b-8d61-2f0f8f7c9a10", route.path)


def _origin(config: dict, behaviour: dict) -> dict:
    (origin,) = [o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"]]
    return origin


def _forwarded(template: dict, behaviour: dict) -> dict:
    """The origin request policy of a custom-policy behaviour, as {headers, cookies, query strings}."""
    policy_id = ref_id(behaviour["OriginRequestPolicyId"])
    assert policy_id, f"{behaviour.get('PathPattern', 'default')}: not a policy of this stack"
    config = template["Resources"][policy_id]["Properties"]["OriginRequestPolicyConfig"]
    return {
        "headers": (config["HeadersConfig"]["HeaderBehavior"], {h.lower() for h in config["HeadersConfig"]["Headers"]}),
        "cookies": (config["CookiesConfig"]["CookieBehavior"], set(config["CookiesConfig"].get("Cookies", []))),
        "query_strings": config["QueryStringsConfig"]["QueryStringBehavior"],
    }


@pytest.fixture(scope="module", params=list(ASSETS_BUCKETS))
def edge(request, synthesized) -> tuple[str, dict]:
    return request.param, synthesized.template(request.param)


def _public_routes(prefixes: tuple[str, ...]) -> list[routes.Route]:
    found = [route for route in routes.ROUTES if route.is_public and route.path.startswith(prefixes)]
    assert found, prefixes
    return found


def test_tracked_routes_are_never_cached_and_reach_the_api_with_what_they_record(edge):
    _, template = edge
    config = _distribution(template)
    for route in _public_routes(TRACKED_PREFIXES):
        if route.path.endswith(QR_SUFFIXES):
            continue
        behaviour = _behaviour(config, _request_path(route))
        where = f"{route.route_key} -> {behaviour.get('PathPattern', 'default')}"
        assert "CustomOriginConfig" in _origin(config, behaviour), where  # the API, not S3
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, where
        assert route.method in behaviour["AllowedMethods"], where
        forwarded = _forwarded(template, behaviour)
        assert forwarded["headers"][0] == "whitelist", where
        assert RECORDED.issubset(forwarded["headers"][1]), where
        assert forwarded["cookies"] == ("whitelist", {"op_sid"}), where  # the session cookie, nothing else
        assert forwarded["query_strings"] == "all", where  # ?src=, signed click links
        assert "host" not in forwarded["headers"][1], where  # API Gateway answers only its own host


def test_the_beacon_and_click_redirect_get_their_body_type_and_accept_header(edge):
    _, template = edge
    config = _distribution(template)
    page = _forwarded(template, _behaviour(config, "/c/00000000-0000-0000-0000-000000000000"))
    assert "accept-language" in page["headers"][1]  # the card page may speak the browser's language
    beacon = _forwarded(template, _behaviour(config, "/api/track/events"))
    assert "content-type" in beacon["headers"][1]  # the handler refuses a body it cannot type
    click = _forwarded(template, _behaviour(config, "/api/track/email/click/m-1"))
    assert "accept" in click["headers"][1]


def test_qr_images_are_cached_by_path_only(edge):
    _, template = edge
    config = _distribution(template)
    qr_routes = [route for route in _public_routes(("/c/",)) if route.path.endswith(QR_SUFFIXES)]
    assert len(qr_routes) == 2
    for route in qr_routes:
        behaviour = _behaviour(config, _request_path(route))
        assert behaviour["PathPattern"] == "/c/*/qr.*", route.route_key
        policy = template["Resources"][ref_id(behaviour["CachePolicyId"])]["Properties"]["CachePolicyConfig"]
        assert policy["DefaultTTL"] > 0 and policy["MaxTTL"] >= policy["DefaultTTL"]
        key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["QueryStringsConfig"]["QueryStringBehavior"] == "none"
        assert key["CookiesConfig"]["CookieBehavior"] == "none"
        assert key["HeadersConfig"]["HeaderBehavior"] == "none"


def test_everything_else_reaches_the_api_uncached_with_every_viewer_header_but_host(edge):
    _, template = edge
    config = _distribution(template)
    others = [route for route in routes.ROUTES if not route.path.startswith(TRACKED_PREFIXES)]
    assert any(route.path.startswith("/api/v1/admin/") for route in others)
    for route in others:
        behaviour = _behaviour(config, _request_path(route))
        assert behaviour is config["DefaultCacheBehavior"], route.route_key
    default = config["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == CACHING_DISABLED
    assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # JWTs, Apple's ApplePass auth
    assert "CustomOriginConfig" in _origin(config, default)


def test_googles_wallet_callback_reaches_the_api_through_the_edge_with_the_origin_header(edge):
    """Google posts its save / delete callbacks to the public base URL (the distribution): the POST is
    allowed, never cached, and reaches the API with the origin-verify header like any public route."""
    _, template = edge
    config = _distribution(template)
    route = routes.find_route("POST", "/wallet/google/callback")
    behaviour = _behaviour(config, _request_path(route))
    assert route.method in behaviour["AllowedMethods"] and behaviour["CachePolicyId"] == CACHING_DISABLED
    origin = _origin(config, behaviour)
    assert "CustomOriginConfig" in origin
    assert routes.ORIGIN_VERIFY_HEADER in {header["HeaderName"] for header in origin["OriginCustomHeaders"]}


def test_application_edges_serve_the_public_assets_through_origin_access_control(edge):
    name, template = edge
    config = _distribution(template)
    bucket = ASSETS_BUCKETS[name]
    s3_origins = [origin for origin in config["Origins"] if "S3OriginConfig" in origin]
    if bucket is None:
        assert s3_origins == [] and not resources(template, "AWS::CloudFront::OriginAccessControl")
        return
    (origin,) = [o for o in s3_origins if o["DomainName"] == f"{bucket}.s3.eu-west-1.amazonaws.com"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    control = template["Resources"][ref_id(origin["OriginAccessControlId"])]["Properties"]
    assert control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert control["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    served = {}
    for behaviour in config["CacheBehaviors"]:
        if behaviour["TargetOriginId"] == origin["Id"]:
            served[behaviour["PathPattern"]] = behaviour
    assert set(served) == {f"/{prefix}*" for prefix in PUBLIC_ASSET_PREFIXES}  # avatars and logos, not qr/ or passes/
    for behaviour in served.values():
        assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    # A key the card page links to is served from the bucket at that same path.
    avatar = "/avatars/7d2c/0b7c/avatar-256.webp"
    assert _behaviour(config, avatar)["TargetOriginId"] == origin["Id"]


def test_the_card_page_shows_only_public_asset_prefixes():
    """The card page presigns (or links to) what it reads from the assets bucket: those are the public prefixes."""
    card_page = routes.find_route("GET", "/c/{card_id}")
    read = {grant.prefix for grant in card_page.needs.buckets if grant.bucket == "assets"}
    assert read == set(PUBLIC_ASSET_PREFIXES)


@pytest.mark.parametrize(
    ("copy", "bucket"), [("", "outreachpass-staging"), ("initech-", "outreachpass-staging-initech")]
)
def test_assets_bucket_lets_only_its_own_distribution_read_only_the_public_prefixes(synthesized, copy, bucket):
    template = synthesized.template(f"OutreachPass-{STAGE}-{copy}Storage")
    edge = synthesized.template(f"OutreachPass-{STAGE}-{copy}Edge")
    statements = [
        (policy["Properties"], statement)
        for policy in resources(template, "AWS::S3::BucketPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    (policy, statement), *others = statements
    assert others == []
    bucket_id = ref_id(policy["Bucket"])
    assert template["Resources"][bucket_id]["Properties"]["BucketName"] == f"{bucket}-{ACCOUNT}-assets"
    assert statement["Effect"] == "Allow" and statement["Action"] == "s3:GetObject"
    assert sorted(flatten(resource) for resource in statement["Resource"]) == sorted(
        f"<{bucket_id}.Arn>/{prefix}*" for prefix in PUBLIC_ASSET_PREFIXES
    )
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Join"][1]
    assert flatten({"Fn::Join": ["", source[:-1]]}) == f"arn:<AWS::Partition>:cloudfront::{ACCOUNT}:distribution/"
    (distribution_id,) = resources(edge, "AWS::CloudFront::Distribution")
    assert output_target(edge, source[-1]) == distribution_id  # this copy's distribution, not any of the account


def test_functions_link_cards_and_assets_on_the_edge_domain(synthesized):
    for prefix, domain in (
        (f"OutreachPass-{STAGE}", "cards.outreachpass.example.com"),
        (f"OutreachPass-{STAGE}-initech", "cards.initech.example"),
    ):
        functions = FunctionStacks(synthesized.templates, prefix).resources("AWS::Lambda::Function")
        assert functions
        for _, _, function in functions:
            environment = function["Properties"]["Environment"]["Variables"]
            assert environment["PUBLIC_BASE_URL"] == f"https://{domain}"
            assert environment["ASSETS_BASE_URL"] == f"https://{domain}"


def test_waf_limits_tracking_routes_per_ip_over_five_minutes_except_open_pixels(synthesized):
    template = synthesized.template(PLATFORM_EDGE)
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    assert len({rule["Priority"] for rule in rules.values()}) == len(rules)
    rule = rules["TrackingPerIp"]
    assert_answers_429_like_the_api(acl, rule, retry_after="300")
    rate = rule["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["EvaluationWindowSec"], rate["AggregateKeyType"]) == (300, 300, "IP")
    first, second = rate["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert (first["ByteMatchStatement"]["SearchString"], first["ByteMatchStatement"]["PositionalConstraint"]) == (
        "/api/track/",
        "STARTS_WITH",
    )
    excluded = second["NotStatement"]["Statement"]["ByteMatchStatement"]
    assert (excluded["SearchString"], excluded["PositionalConstraint"]) == ("/api/track/email/open/", "STARTS_WITH")
    # Rate rules are evaluated before the managed rule groups.
    managed = [r["Priority"] for r in rules.values() if "ManagedRuleGroupStatement" in r["Statement"]]
    assert rules["CardPagesPerIp"]["Priority"] < rule["Priority"] < min(managed)


def test_tenant_edges_share_the_platform_web_acl_and_its_rules(synthesized):
    assert not resources(synthesized.template(TENANT_EDGE), "AWS::WAFv2::WebACL")
    assert "WebAcl" in flatten(_distribution(synthesized.template(TENANT_EDGE))["WebACLId"])


def assert_answers_429_like_the_api(acl: dict, rule: dict, *, retry_after: str) -> None:
    """A rate rule blocks with 429, the API's error envelope (JSON) and Retry-After, not WAF's bare 403."""
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": retry_after}]
    body = acl["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    error = json.loads(body["Content"])
    assert set(error) == {"error"}
    assert error["error"]["code"] == "RATE_LIMITED"
    assert {"code", "message", "correlation_id"} <= set(error["error"])  # what the OpenAPI Error schema requires
    from local.openapi import ERROR_SCHEMA

    assert all(isinstance(error["error"][key], str) for key in ERROR_SCHEMA["properties"]["error"]["required"])


def _matches(statement: dict, path: str) -> bool:
    """Evaluates the scope-down statements the web ACL uses (STARTS_WITH byte matches, and, not) on a path."""
    if "ByteMatchStatement" in statement:
        match = statement["ByteMatchStatement"]
        assert match["PositionalConstraint"] == "STARTS_WITH" and "UriPath" in match["FieldToMatch"]
        return path.startswith(match["SearchString"])
    if "AndStatement" in statement:
        return all(_matches(inner, path) for inner in statement["AndStatement"]["Statements"])
    if "NotStatement" in statement:
        return not _matches(statement["NotStatement"]["Statement"], path)
    raise AssertionError(f"unexpected statement {statement}")


def test_every_rate_limited_route_documents_its_429_in_openapi_and_no_other(synthesized):
    from local.stack import openapi_document

    (acl,) = resources(synthesized.template(PLATFORM_EDGE), "AWS::WAFv2::WebACL").values()
    rate_rules = [r for r in acl["Properties"]["Rules"] if "RateBasedStatement" in r["Statement"]]
    for rule in rate_rules:
        window = str(rule["Statement"]["RateBasedStatement"]["EvaluationWindowSec"])
        assert_answers_429_like_the_api(acl, rule, retry_after=window)
    paths = openapi_document()["paths"]
    limited = set()
    for route in routes.ROUTES:
        path = _request_path(route)
        scoped = any(_matches(r["Statement"]["RateBasedStatement"]["ScopeDownStatement"], path) for r in rate_rules)
        documented = "429" in paths[route.path][route.method.lower()]["responses"]
        assert scoped == documented, route.route_key
        if scoped:
            limited.add(route.path)
    assert "/c/{card_id}" in limited and "/api/track/events" in limited
    assert "/api/track/email/open/{pixel}" not in limited  # open pixels come through shared image proxies


# --- origin verification -------------------------------------------------------------------------------------


def test_application_edges_own_an_origin_verify_secret_replicated_to_the_platform_region(synthesized):
    for edge_name, name in ((PLATFORM_EDGE, "outreachpass/staging/origin_verify"), (SILO_EDGE, "outreachpass/staging/initech/origin_verify")):
        (secret,) = resources(synthesized.template(edge_name), "AWS::SecretsManager::Secret").values()
        properties = secret["Properties"]
        assert properties["Name"] == name
        assert properties["ReplicaRegions"] == [{"Region": "eu-west-1"}]  # where the functions read it
        generator = properties["GenerateSecretString"]
        assert json.loads(generator["SecretStringTemplate"]) == {"previous": ""}
        assert generator["GenerateStringKey"] == "current" and generator["PasswordLength"] >= 32
    assert not resources(synthesized.template(TENANT_EDGE), "AWS::SecretsManager::Secret")


def test_every_edge_sends_its_applications_origin_verify_value_to_the_api(edge):
    name, template = edge
    secret = {
        PLATFORM_EDGE: "outreachpass/staging/origin_verify",
        TENANT_EDGE: "outreachpass/staging/origin_verify",  # a brand edge in front of the platform's API
        SILO_EDGE: "outreachpass/staging/initech/origin_verify",
    }[name]
    config = _distribution(template)
    api_origins = [origin for origin in config["Origins"] if "CustomOriginConfig" in origin]
    assert len(api_origins) == 1
    headers = {h["HeaderName"]: h["HeaderValue"] for h in api_origins[0]["OriginCustomHeaders"]}
    # A dynamic reference, resolved by CloudFormation: the value is never in the template.
    assert headers == {routes.ORIGIN_VERIFY_HEADER: f"{{{{resolve:secretsmanager:{secret}:SecretString:current::}}}}"}
    assert config["Comment"].endswith("(origin key 1)")  # the rotation generation (config origin_verify_generation)


# --- the console --------------------------------------------------------------------------------------------

CONSOLE_EDGES = (PLATFORM_EDGE, SILO_EDGE)


def _console_origin(config: dict) -> dict:
    (origin,) = [o for o in config["Origins"] if "S3OriginConfig" in o and "assets" not in json.dumps(o["DomainName"])]
    return origin


@pytest.mark.parametrize("edge_name", CONSOLE_EDGES)
def test_the_console_is_a_private_bucket_read_only_by_its_distribution(synthesized, edge_name):
    template = synthesized.template(edge_name)
    config = _distribution(template)
    origin = _console_origin(config)
    bucket_id = ref_id(origin["DomainName"])
    bucket = template["Resources"][bucket_id]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "LoggingConfiguration" in bucket
    control = template["Resources"][ref_id(origin["OriginAccessControlId"])]["Properties"]["OriginAccessControlConfig"]
    assert (control["SigningBehavior"], control["OriginAccessControlOriginType"]) == ("always", "s3")
    (policy,) = [p for p in resources(template, "AWS::S3::BucketPolicy").values() if ref_id(p["Properties"]["Bucket"]) == bucket_id]
    (read,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    (distribution_id,) = resources(template, "AWS::CloudFront::Distribution")
    assert f"distribution/<{distribution_id}>" in flatten(read["Condition"]["StringEquals"]["AWS:SourceArn"])


@pytest.mark.parametrize("edge_name", CONSOLE_EDGES)
def test_console_paths_assets_cached_immutable_the_shell_never_cached(synthesized, edge_name):
    template = synthesized.template(edge_name)
    config = _distribution(template)
    origin_id = _console_origin(config)["Id"]
    for path in ("/admin/", "/admin", "/admin/events/42", "/admin/config.json", "/admin/index.html"):
        behaviour = _behaviour(config, path)
        assert behaviour["TargetOriginId"] == origin_id, path
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, path
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"], path
        (association,) = behaviour["FunctionAssociations"]
        assert association["EventType"] == "viewer-request"
    assets = _behaviour(config, "/admin/assets/index-3f9a1c.js")
    assert assets["TargetOriginId"] == origin_id and assets["CachePolicyId"] == CACHING_OPTIMIZED
    assert "FunctionAssociations" not in assets
    # The API keeps its own errors: no distribution-wide error page, and the admin API is not the console.
    assert "CustomErrorResponses" not in config
    assert _behaviour(config, "/api/v1/admin/events") is config["DefaultCacheBehavior"]
    uploads = sorted(
        (
            tuple(d["Properties"].get("Include", ())),
            tuple(d["Properties"]["Exclude"]),
            d["Properties"]["SystemMetadata"]["cache-control"],
            d["Properties"]["Prune"],
            d["Properties"]["DestinationBucketKeyPrefix"],
        )
        for d in resources(template, "Custom::CDKBucketDeployment").values()
    )
    assert uploads == [
        ((), ("assets/*",), "no-cache", True, "admin/"),  # index.html, config.json, the rest: revalidated
        (("assets/*",), ("*",), "public, max-age=31536000, immutable", False, "admin/"),  # old chunks kept
    ]


def _spa_function_code(template: dict) -> str:
    (function,) = resources(template, "AWS::CloudFront::Function").values()
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    return function["Properties"]["FunctionCode"]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/admin/", "/admin/index.html"),
        ("/admin/events", "/admin/index.html"),
        ("/admin/events/6f1c/attendees", "/admin/index.html"),
        ("/admin/config.json", "/admin/config.json"),
        ("/admin/favicon.svg", "/admin/favicon.svg"),
        ("/admin/index.html", "/admin/index.html"),
        ("/admin", 301),
    ],
)
def test_the_spa_fallback_function_rewrites_app_routes_to_the_shell(synthesized, uri, expected, tmp_path):
    """The function's own code, as synthesized, run by Node on CloudFront's event shape."""
    code = _spa_function_code(synthesized.template(PLATFORM_EDGE))
    script = tmp_path / "run.js"
    event = {"request": {"uri": uri, "method": "GET", "headers": {}, "querystring": {}, "cookies": {}}}
    script.write_text(f"{code}\nconsole.log(JSON.stringify(handler({json.dumps(event)})));\n")
    result = json.loads(subprocess.run(["node", str(script)], capture_output=True, text=True, check=True).stdout)
    if expected == 301:
        assert result["statusCode"] == 301 and result["headers"]["location"]["value"] == "/admin/"
    else:
        assert result["uri"] == expected


@pytest.mark.parametrize("edge_name", CONSOLE_EDGES)
def test_console_responses_carry_a_strict_csp_and_the_security_headers(synthesized, edge_name):
    template = synthesized.template(edge_name)
    config = _distribution(template)
    policies = {ref_id(_behaviour(config, path)["ResponseHeadersPolicyId"]) for path in ("/admin/", "/admin/assets/a.js")}
    (policy_id,) = policies
    headers = template["Resources"][policy_id]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    policy = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in json.dumps(directives) and "unsafe-eval" not in json.dumps(directives)
    connect = directives["connect-src"].split()
    uploads = f"outreachpass-staging-{'initech-' if edge_name == SILO_EDGE else ''}{ACCOUNT}-uploads"
    assert connect == [
        "'self'",
        "https://cognito-idp.eu-west-1.amazonaws.com",
        f"https://{uploads}.s3.amazonaws.com",
        f"https://{uploads}.s3.eu-west-1.amazonaws.com",
    ]
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    custom = {h["Header"]: h["Value"] for h in headers["CustomHeadersConfig"]["Items"]}
    assert custom["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=(self)" in custom["Permissions-Policy"]


@pytest.mark.parametrize(
    ("edge_name", "auth"), [(PLATFORM_EDGE, "OutreachPass-staging-Auth"), (SILO_EDGE, "OutreachPass-staging-initech-Auth")]
)
def test_config_json_names_this_stages_region_pool_and_client_on_the_same_origin(synthesized, edge_name, auth):
    """config.json as BucketDeployment writes it at deploy time: the json_data asset in the cloud assembly, its
    markers replaced by the deploy-time values (this copy's user pool and app client)."""
    template = synthesized.template(edge_name)
    (shell,) = [d["Properties"] for d in resources(template, "Custom::CDKBucketDeployment").values() if d["Properties"]["Prune"]]
    found = []
    for key, markers in zip(shell["SourceObjectKeys"], shell["SourceMarkers"], strict=True):
        path = synthesized.outdir / f"asset.{key.removesuffix('.zip')}" / "config.json"
        if path.is_file():
            text = path.read_text()
            for marker, value in markers.items():
                text = text.replace(marker, flatten(value))
            found.append(json.loads(text))
    (config,) = found
    auth_template = synthesized.template(auth)
    (pool_id,) = resources(auth_template, "AWS::Cognito::UserPool")
    (client_id,) = resources(auth_template, "AWS::Cognito::UserPoolClient")
    outputs = {name: ref_id(output["Value"]) for name, output in auth_template["Outputs"].items()}

    def target(value: str) -> str:
        assert value.startswith(f"<output:{auth}.") and value.endswith(">"), value
        return outputs[value[len(f"<output:{auth}.") : -1]]

    assert set(config) == {"apiBaseUrl", "region", "userPoolId", "userPoolClientId", "stage"}
    assert (config["apiBaseUrl"], config["region"], config["stage"]) == ("", "eu-west-1", "staging")
    assert target(config["userPoolId"]) == pool_id
    assert target(config["userPoolClientId"]) == client_id


def test_without_the_built_console_a_deployable_synth_refuses_and_a_test_synth_is_marked(tmp_path):
    from cdk_app.console_site import PLACEHOLDER_MARK, ConsoleNotBuilt, console_source

    missing = tmp_path / "dist"
    with pytest.raises(ConsoleNotBuilt, match="console is not built"):
        console_source(allow_placeholder=False, dist=missing)
    placeholder = console_source(allow_placeholder=True, dist=missing)
    assert PLACEHOLDER_MARK in (placeholder / "index.html").read_text()
    missing.mkdir()
    (missing / "index.html").write_text("<!doctype html><title>console</title>")
    assert console_source(allow_placeholder=False, dist=missing) == missing


def test_the_console_app_client_allows_what_a_browser_spa_needs_and_nothing_more(synthesized):
    for auth in ("OutreachPass-staging-Auth", "OutreachPass-staging-initech-Auth"):
        (client,) = resources(synthesized.template(auth), "AWS::Cognito::UserPoolClient").values()
        properties = client["Properties"]
        assert sorted(properties["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
        assert properties["EnableTokenRevocation"] is True
        assert properties["GenerateSecret"] is False  # a browser cannot keep a secret
        assert properties["PreventUserExistenceErrors"] == "ENABLED"
