"""Edge: CloudFront in front of the HTTP API (and the public images of the assets bucket), guarded by
AWS WAF, on a custom domain when configured.

Lives in us-east-1 because CloudFront takes its certificate and web ACL from there. Behaviours, in the
order CloudFront tries them:

  /c/*/qr.*       the API, cached: a card's QR code only depends on its id
  /c/*            the API, never cached: card views, vCard and wallet downloads are recorded. The
  /api/track/*    tracked-request policy forwards what the handlers record: CloudFront-Viewer-Address
                  (the client IP, outreachpass.api.visitor), User-Agent, Referer, the op_sid session
                  cookie and the query string (?src=, signed links)
  /avatars/*      the assets bucket through origin access control, cached (application edges only:
  /logos/*        the public images of the card page, served at their key, so ASSETS_BASE_URL is
                  https://<domain>)
  default         the API, never cached, every viewer header but Host (JWTs, the Apple Wallet web service)

The web ACL holds the seed's per-IP limit on card pages (60 requests per minute), a per-IP limit on
the unauthenticated tracking routes (300 per 5 minutes) and AWS managed rule groups; tenant edges
reuse the platform's web ACL.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.nag import suppress
from cdk_app.naming import Naming
from stacks.base import AppStack
from stacks.storage import PUBLIC_ASSET_PREFIXES

EDGE_REGION = "us-east-1"
CARD_PAGES_PREFIX = "/c/"
QR_PATH_PATTERN = "/c/*/qr.*"
TRACKING_PREFIX = "/api/track/"
# Mail providers fetch open pixels through image proxies that many recipients share (Gmail, Apple Mail
# Privacy Protection): a per-IP limit there would drop real opens, so the tracking limit leaves them out.
EMAIL_OPEN_PREFIX = "/api/track/email/open/"
# Routes whose handlers record the visitor: never cached, and forwarded with what they record.
TRACKED_PATH_PATTERNS = {
    "/c/*": cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    "/api/track/*": cloudfront.AllowedMethods.ALLOW_ALL,
}
# Exactly what those handlers read: a tracked handler that reads another header must add it here.
TRACKED_HEADERS = (
    "CloudFront-Viewer-Address",  # viewer ip:port, the client IP the handlers record
    "User-Agent",  # CloudFront replaces it with "Amazon CloudFront" unless forwarded
    "Referer",
    "Accept",  # the click redirect answers browsers with HTML
    "Content-Type",  # the beacon's body type
)
SESSION_COOKIE = "op_sid"
# Large CSV imports go to S3 by presigned URL; small ones are posted to the API and exceed the
# common rule set's 8 KB body limit, so that one rule only counts.
COUNT_ONLY_COMMON_RULES = ("SizeRestrictions_BODY",)


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed_rule(name: str, priority: int, count_only: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in count_only
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


def card_page_rate_rule(limit_per_minute: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name="CardPagesPerIp",
        priority=0,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit_per_minute,
                evaluation_window_sec=60,
                aggregate_key_type="IP",
                scope_down_statement=_starts_with(CARD_PAGES_PREFIX),
            )
        ),
        visibility_config=_visibility("CardPagesPerIp"),
    )


def _starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=prefix,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


def tracking_rate_rule(limit_per_5_minutes: int) -> wafv2.CfnWebACL.RuleProperty:
    """Beacons and tracked links are unauthenticated: a per-IP limit over 5 minutes (open pixels excepted)."""
    return wafv2.CfnWebACL.RuleProperty(
        name="TrackingPerIp",
        priority=1,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit_per_5_minutes,
                evaluation_window_sec=300,
                aggregate_key_type="IP",
                scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                    and_statement=wafv2.CfnWebACL.AndStatementProperty(
                        statements=[
                            _starts_with(TRACKING_PREFIX),
                            wafv2.CfnWebACL.StatementProperty(
                                not_statement=wafv2.CfnWebACL.NotStatementProperty(
                                    statement=_starts_with(EMAIL_OPEN_PREFIX)
                                )
                            ),
                        ]
                    )
                ),
            )
        ),
        visibility_config=_visibility("TrackingPerIp"),
    )


class EdgeStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        api_domain: str,
        domain_name: str | None,
        hosted_zone_id: str | None = None,
        hosted_zone_name: str | None = None,
        web_acl_arn: str | None = None,
        assets_bucket_name: str | None = None,
        description: str = "CloudFront and WAF",
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description=description, region=EDGE_REGION)
        if web_acl_arn is None:
            web_acl = wafv2.CfnWebACL(
                self,
                "WebAcl",
                name=f"{naming.resource_prefix}-edge",
                scope="CLOUDFRONT",
                default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
                visibility_config=_visibility(f"{naming.resource_prefix}-edge"),
                rules=[
                    card_page_rate_rule(config.card_page_requests_per_minute_per_ip),
                    tracking_rate_rule(config.tracking_requests_per_5_minutes_per_ip),
                    _managed_rule("AWSManagedRulesAmazonIpReputationList", 2),
                    _managed_rule("AWSManagedRulesCommonRuleSet", 3, COUNT_ONLY_COMMON_RULES),
                    _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 4),
                ],
            )
            web_acl_arn = web_acl.attr_arn
        self.web_acl_arn = web_acl_arn

        zone = (
            route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=hosted_zone_id, zone_name=hosted_zone_name or domain_name or ""
            )
            if hosted_zone_id
            else None
        )
        certificate = None
        if domain_name:
            # Without our zone, the domain owner adds the validation CNAME shown in ACM while the deploy waits.
            certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=domain_name,
                validation=acm.CertificateValidation.from_dns(zone) if zone else acm.CertificateValidation.from_dns(),
            )

        logs_bucket = s3.Bucket(
            self,
            "CloudFrontLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # CloudFront standard logging writes with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=self.removal_policy,
        )
        suppress(
            logs_bucket, "AwsSolutions-S1", "this bucket receives CloudFront access logs; logging it again would loop"
        )

        api_origin = origins.HttpOrigin(
            api_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        qr_cache = cloudfront.CachePolicy(
            self,
            "QrCachePolicy",
            comment="QR images: the path (card id) is the whole key",
            default_ttl=cdk.Duration.days(1),
            max_ttl=cdk.Duration.days(7),
            min_ttl=cdk.Duration.seconds(0),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        tracked_requests = cloudfront.OriginRequestPolicy(
            self,
            "TrackedRequestPolicy",
            comment="Tracked routes: viewer address, user agent, referrer, session cookie, query string",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(*TRACKED_HEADERS),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.allow_list(SESSION_COOKIE),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
        )
        behaviors = {
            QR_PATH_PATTERN: cloudfront.BehaviorOptions(
                origin=api_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=qr_cache,
            ),
            **{
                pattern: cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=methods,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=tracked_requests,
                )
                for pattern, methods in TRACKED_PATH_PATTERNS.items()
            },
        }
        if assets_bucket_name:
            # The bucket lives in the platform region; its policy (StorageStack) admits this account's
            # distributions, as this stack's distribution cannot be named there without a cycle.
            assets_origin = origins.S3BucketOrigin.with_origin_access_control(
                s3.Bucket.from_bucket_attributes(
                    self, "AssetsBucket", bucket_name=assets_bucket_name, region=config.region
                ),
                origin_access_levels=[cloudfront.AccessLevel.READ],
            )
            for prefix in PUBLIC_ASSET_PREFIXES:
                behaviors[f"/{prefix}*"] = cloudfront.BehaviorOptions(
                    origin=assets_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"OutreachPass {naming.stage} {domain_name or ''}".strip(),
            default_behavior=cloudfront.BehaviorOptions(
                origin=api_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            ),
            additional_behaviors=behaviors,
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            web_acl_id=web_acl_arn,
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
        )
        if assets_bucket_name:
            cdk.Annotations.of(self.distribution).acknowledge_warning(
                "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
                "the assets bucket's policy is written in StorageStack (CloudFront reads avatars/ and logos/ only)",
            )
        suppress(
            self.distribution,
            "AwsSolutions-CFR1",
            "attendees and wallets worldwide open cards; no country is excluded",
        )
        if certificate is None:
            suppress(
                self.distribution,
                "AwsSolutions-CFR4",
                "no custom domain configured: the default *.cloudfront.net certificate cannot pin a TLS policy; "
                "set `domain` in the deployment config to get TLSv1.2_2021",
            )
        if zone and domain_name:
            target = route53.RecordTarget.from_alias(route53_targets.CloudFrontTarget(self.distribution))
            route53.ARecord(self, "AliasA", zone=zone, record_name=domain_name, target=target)
            route53.AaaaRecord(self, "AliasAaaa", zone=zone, record_name=domain_name, target=target)
        elif domain_name:
            cdk.CfnOutput(
                self,
                "DnsRecord",
                value=f"{domain_name} CNAME {self.distribution.distribution_domain_name}",
                description="add this record where the domain is hosted",
            )
        cdk.CfnOutput(self, "DistributionDomain", value=self.distribution.distribution_domain_name)
        base_url = f"https://{domain_name or self.distribution.distribution_domain_name}"
        cdk.CfnOutput(self, "PublicBaseUrl", value=base_url)
        if assets_bucket_name:
            cdk.CfnOutput(
                self,
                "AssetsBaseUrl",
                value=base_url,
                description="avatars/ and logos/ of the assets bucket; the functions get it as ASSETS_BASE_URL "
                "when the edge has a domain",
            )
