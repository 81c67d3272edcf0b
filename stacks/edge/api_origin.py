"""The HTTP API as the distribution's origin: how each kind of route is cached and what reaches it.

  /c/*/qr.*       cached: a card's QR code only depends on its id
  /c/*            never cached: card views, vCard and wallet downloads are recorded. The
  /api/track/*    tracked-request policy forwards what the handlers record: CloudFront-Viewer-Address
                  (the client IP, outreachpass.api.visitor), User-Agent, Referer, the op_sid session
                  cookie and the query string (?src=, signed links), and Accept-Language (the card
                  page's language when neither the attendee nor the event names one we speak)
  default         never cached, every viewer header but Host (JWTs, the Apple Wallet web service)

Every request to the API carries the origin-verify header with the value of the secret's `current`
key (a CloudFormation dynamic reference, resolved when the distribution is deployed): the public
routes refuse requests without it (outreachpass.api.origin), so the execute-api endpoint cannot be used
to go around the web ACL.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from constructs import Construct

from routes import ORIGIN_VERIFY_HEADER

QR_PATH_PATTERN = "/c/*/qr.*"
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
    "Accept-Language",  # the card page's and the vCard's last choice of language
)
SESSION_COOKIE = "op_sid"
ORIGIN_SECRET_KEY = "current"  # noqa: S105 (a JSON key) the value of the origin-verify secret CloudFront sends


def origin_verify_value(secret_name: str) -> str:
    """`{{resolve:secretsmanager:<name>:SecretString:current}}`: resolved by CloudFormation in the edge's
    region (us-east-1), where the secret (or its replica) lives. Never in the template as plain text."""
    return cdk.SecretValue.secrets_manager(secret_name, json_field=ORIGIN_SECRET_KEY).unsafe_unwrap()


class ApiOrigin(Construct):
    """The API origin and the behaviours of the routes it serves (`behaviours`, `default_behaviour`)."""

    def __init__(self, scope: Construct, construct_id: str, *, api_domain: str, origin_secret_name: str) -> None:
        super().__init__(scope, construct_id)
        self.origin = origins.HttpOrigin(
            api_domain,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            # CloudFront replaces a viewer's header of the same name: only CloudFront can send it.
            custom_headers={ORIGIN_VERIFY_HEADER: origin_verify_value(origin_secret_name)},
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
        self.behaviours: dict[str, cloudfront.BehaviorOptions] = {
            QR_PATH_PATTERN: cloudfront.BehaviorOptions(
                origin=self.origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=qr_cache,
            ),
            **{
                pattern: cloudfront.BehaviorOptions(
                    origin=self.origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=methods,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=tracked_requests,
                )
                for pattern, methods in TRACKED_PATH_PATTERNS.items()
            },
        }
        self.default_behaviour = cloudfront.BehaviorOptions(
            origin=self.origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        )
