"""The edge's web ACL: per-IP rate limits on the card pages and the tracking routes, then AWS managed rule
groups. A rate-limited viewer gets what the API would answer: 429 with the API's JSON error shape and a
`Retry-After` of the rule's window (a WAF custom response), not WAF's bare 403.
"""

from __future__ import annotations

import json

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

CARD_PAGES_PREFIX = "/c/"
TRACKING_PREFIX = "/api/track/"
# Mail providers fetch open pixels through image proxies that many recipients share (Gmail, Apple Mail
# Privacy Protection): a per-IP limit there would drop real opens, so the tracking limit leaves them out.
EMAIL_OPEN_PREFIX = "/api/track/email/open/"
# Large CSV imports go to S3 by presigned URL; small ones are posted to the API and exceed the
# common rule set's 8 KB body limit, so that one rule only counts.
COUNT_ONLY_COMMON_RULES = ("SizeRestrictions_BODY",)
RATE_LIMITED_CODE = "RATE_LIMITED"
RATE_LIMITED_BODY_KEY = "RateLimited"
CARD_PAGES_WINDOW_S = 60
TRACKING_WINDOW_S = 300


def rate_limited_body() -> str:
    """The API's error envelope (docs/architecture.md, the HTTP contract). WAF answers with a fixed body: the correlation id
    names the edge, and CloudFront's `x-amz-cf-id` header identifies the request for support."""
    return json.dumps(
        {
            "error": {
                "code": RATE_LIMITED_CODE,
                "message": "Too many requests from your network; wait for the number of seconds in Retry-After",
                "correlation_id": "edge-rate-limit",
            }
        },
        separators=(",", ":"),
    )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
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


def _too_many_requests(retry_after_s: int) -> wafv2.CfnWebACL.RuleActionProperty:
    return wafv2.CfnWebACL.RuleActionProperty(
        block=wafv2.CfnWebACL.BlockActionProperty(
            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                response_code=429,
                custom_response_body_key=RATE_LIMITED_BODY_KEY,
                response_headers=[wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value=str(retry_after_s))],
            )
        )
    )


def _rate_rule(
    name: str, priority: int, limit: int, window_s: int, scope: wafv2.CfnWebACL.StatementProperty
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        action=_too_many_requests(window_s),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit, evaluation_window_sec=window_s, aggregate_key_type="IP", scope_down_statement=scope
            )
        ),
        visibility_config=_visibility(name),
    )


def card_page_rate_rule(limit_per_minute: int) -> wafv2.CfnWebACL.RuleProperty:
    """The seed's per-IP limit on card pages (60 a minute by default)."""
    return _rate_rule("CardPagesPerIp", 0, limit_per_minute, CARD_PAGES_WINDOW_S, _starts_with(CARD_PAGES_PREFIX))


def tracking_rate_rule(limit_per_5_minutes: int) -> wafv2.CfnWebACL.RuleProperty:
    """Beacons and tracked links are unauthenticated: a per-IP limit over 5 minutes (open pixels excepted)."""
    scope = wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                _starts_with(TRACKING_PREFIX),
                wafv2.CfnWebACL.StatementProperty(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=_starts_with(EMAIL_OPEN_PREFIX))
                ),
            ]
        )
    )
    return _rate_rule("TrackingPerIp", 1, limit_per_5_minutes, TRACKING_WINDOW_S, scope)


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


class EdgeWebAcl(Construct):
    """The CLOUDFRONT-scope web ACL of an application's edge (tenant brand edges reuse it by ARN)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, card_pages_per_minute: int, tracking_per_5_minutes: int
    ) -> None:
        super().__init__(scope, construct_id)
        # "Default": the web ACL keeps the logical id it had at the stack's top level (its name is fixed, so a
        # new logical id would create a second ACL of the same name and fail the deploy).
        self.web_acl = wafv2.CfnWebACL(
            self,
            "Default",
            name=name,
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            custom_response_bodies={
                RATE_LIMITED_BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=rate_limited_body()
                )
            },
            rules=[
                card_page_rate_rule(card_pages_per_minute),
                tracking_rate_rule(tracking_per_5_minutes),
                _managed_rule("AWSManagedRulesAmazonIpReputationList", 2),
                _managed_rule("AWSManagedRulesCommonRuleSet", 3, COUNT_ONLY_COMMON_RULES),
                _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 4),
            ],
        )
        self.arn = self.web_acl.attr_arn
