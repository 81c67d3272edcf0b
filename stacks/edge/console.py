"""The organisers' console (web/) on the application's distribution, at /admin/.

- The built files in a private bucket of this stack, read by CloudFront through origin access control
  (the bucket policy names this distribution only), under the key prefix admin/.
- `/admin/config.json`, written at deploy time next to them: what one build needs to find this stage
  (`apiBaseUrl` "" = same origin, since the admin API is routed through this distribution's default
  behaviour; `region`, `userPoolId`, `userPoolClientId`, `stage`).
- `/admin/assets/*` (hashed names) cached for a year, immutable; index.html and config.json never cached
  by CloudFront and revalidated by browsers.
- A CloudFront Function sends every /admin/ path without a file name (a route of the single-page app)
  to index.html, and /admin to /admin/. Not a distribution-wide error page: that would turn the API's own
  403 and 404 answers into the console's HTML.
- A response headers policy with the CSP of cdk_app.console_policy, HSTS, nosniff, DENY framing, a strict
  referrer policy and a permissions policy.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct, IConstruct

from cdk_app import console_policy
from cdk_app.function import retention
from cdk_app.nag import suppress, wildcard_finding

PATH_PREFIX = "/admin"
KEY_PREFIX = "admin/"
ASSETS_PATTERN = "/admin/assets/*"
SPA_PATTERNS = ("/admin/*", "/admin")
CONFIG_FILE = "config.json"
INDEX = "/admin/index.html"

# CloudFront Functions (cloudfront-js-2.0), viewer request. A last path segment without a dot is a route of
# the app (/admin/events/42): its shell answers, and the app routes in the browser.
SPA_FUNCTION = """
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/admin') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/admin/' } } };
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/admin/index.html';
  }
  return request;
}
""".strip()


class ConsoleHosting(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source: Path,
        settings: dict[str, str],
        connect_sources: tuple[str, ...],
        logs_bucket: s3.IBucket,
        log_retention_days: int,
        removal_policy: cdk.RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30))],
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="console-bucket/",
            removal_policy=removal_policy,
        )
        self._deploy(source, settings, log_retention_days, removal_policy)
        origin = origins.S3BucketOrigin.with_origin_access_control(
            self.bucket, origin_access_levels=[cloudfront.AccessLevel.READ]
        )
        headers = self._headers_policy(connect_sources)
        spa = cloudfront.Function(
            self,
            "SpaFallback",
            comment="console: app routes to index.html, /admin to /admin/",
            code=cloudfront.FunctionCode.from_inline(SPA_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        shell = cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            response_headers_policy=headers,
            function_associations=[
                cloudfront.FunctionAssociation(function=spa, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)
            ],
        )
        # The more specific pattern first: CloudFront takes the first behaviour that matches.
        self.behaviours: dict[str, cloudfront.BehaviorOptions] = {
            ASSETS_PATTERN: cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
            ),
            **dict.fromkeys(SPA_PATTERNS, shell),
        }

    def _deploy(
        self, source: Path, settings: dict[str, str], log_retention_days: int, removal_policy: cdk.RemovalPolicy
    ) -> None:
        """Two uploads of one build: the hashed assets (immutable, never pruned, so a page loaded before a
        deploy still finds its chunks) and the rest with config.json (no-cache, stale files pruned)."""
        common = {
            "destination_bucket": self.bucket,
            "destination_key_prefix": KEY_PREFIX,
            "memory_limit": 512,
        }
        log_group = logs.LogGroup(self, "DeployLogs", retention=retention(log_retention_days), removal_policy=removal_policy)
        assets = s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(source))],
            exclude=["*"],
            include=["assets/*"],
            cache_control=[s3deploy.CacheControl.from_string(console_policy.IMMUTABLE)],
            prune=False,
            log_group=log_group,
            **common,
        )
        shell = s3deploy.BucketDeployment(
            self,
            "Shell",
            sources=[s3deploy.Source.asset(str(source)), s3deploy.Source.json_data(CONFIG_FILE, settings)],
            exclude=["assets/*"],  # excluded files are neither uploaded nor pruned
            cache_control=[s3deploy.CacheControl.from_string(console_policy.NO_CACHE)],
            prune=True,
            log_group=log_group,
            **common,
        )
        shell.node.add_dependency(assets)  # new chunks are in place before the index.html that loads them
        for deployment in (assets, shell):
            _suppress_deployment_findings(deployment, self.bucket)

    def _headers_policy(self, connect_sources: tuple[str, ...]) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="console: CSP and security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=console_policy.content_security_policy(connect_sources), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.seconds(console_policy.HSTS_MAX_AGE_S),
                    include_subdomains=True,
                    override=True,
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=False, override=True),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy", value=console_policy.PERMISSIONS_POLICY, override=True
                    ),
                    cloudfront.ResponseCustomHeader(header="Cross-Origin-Opener-Policy", value="same-origin", override=True),
                ]
            ),
        )


# What CDK's BucketDeployment grants its handler: wildcard object actions on the asset bucket (read) and the
# console bucket (write, prune).
DEPLOYMENT_WILDCARD_ACTIONS = ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*")


def _suppress_deployment_findings(deployment: s3deploy.BucketDeployment, bucket: s3.Bucket) -> None:
    """BucketDeployment's handler (one per stack, shared by both uploads) and its role are CDK's, not ours."""
    reason = (
        "CDK's BucketDeployment handler copies the built console from the CDK asset bucket into the console "
        "bucket at deploy time; its runtime and role are generated by CDK"
    )
    stack = cdk.Stack.of(deployment)
    handler: IConstruct | None = next(
        (child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")), None
    )
    assets = cdk.DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
        "${Qualifier}", cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    ).replace("${AWS::AccountId}", stack.account).replace("${AWS::Region}", stack.region)
    findings = [
        "AwsSolutions-L1",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        *(f"AwsSolutions-IAM5[Action::{action}]" for action in DEPLOYMENT_WILDCARD_ACTIONS),
        wildcard_finding(f"<{stack.get_logical_id(bucket.node.default_child)}.Arn>/*"),  # type: ignore[arg-type]
        wildcard_finding(f"arn:aws:s3:::{assets}/*"),
    ]
    for construct in (deployment, *([handler] if handler else [])):
        for finding in findings:
            suppress(construct, finding, reason)
