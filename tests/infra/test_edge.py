"""Edge stacks against the route table: which CloudFront behaviour serves each public route (what is
cached, what reaches the API), the public assets origin, the WAF rate rules, and ASSETS_BASE_URL."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

import pytest

import routes
from stacks.storage import PUBLIC_ASSET_PREFIXES
from tests.infra.templates import flatten, ref_id, resources

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


def test_application_edges_serve_the_public_assets_through_origin_access_control(edge):
    name, template = edge
    config = _distribution(template)
    bucket = ASSETS_BUCKETS[name]
    s3_origins = [origin for origin in config["Origins"] if "S3OriginConfig" in origin]
    if bucket is None:
        assert s3_origins == [] and not resources(template, "AWS::CloudFront::OriginAccessControl")
        return
    (origin,) = s3_origins
    assert origin["DomainName"] == f"{bucket}.s3.eu-west-1.amazonaws.com"
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
    ("storage", "bucket"), [("", "outreachpass-staging"), ("initech-", "outreachpass-staging-initech")]
)
def test_assets_bucket_lets_this_accounts_cloudfront_read_only_the_public_prefixes(synthesized, storage, bucket):
    template = synthesized.template(f"OutreachPass-{STAGE}-{storage}Storage")
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
    assert flatten(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        f"arn:<AWS::Partition>:cloudfront::{ACCOUNT}:distribution/*"
    )


def test_functions_link_assets_on_the_edge_domain(synthesized):
    for api, domain in (
        (f"OutreachPass-{STAGE}-Api", "cards.outreachpass.example.com"),
        (f"OutreachPass-{STAGE}-initech-Api", "cards.initech.example"),
    ):
        functions = resources(synthesized.template(api), "AWS::Lambda::Function").values()
        assert functions
        for function in functions:
            assert function["Properties"]["Environment"]["Variables"]["ASSETS_BASE_URL"] == f"https://{domain}"


def test_waf_limits_tracking_routes_per_ip_over_five_minutes_except_open_pixels(synthesized):
    template = synthesized.template(PLATFORM_EDGE)
    (acl,) = resources(template, "AWS::WAFv2::WebACL").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    assert len({rule["Priority"] for rule in rules.values()}) == len(rules)
    rule = rules["TrackingPerIp"]
    assert rule["Action"] == {"Block": {}}
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
