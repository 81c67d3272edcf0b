"""Edge: CloudFront in front of the HTTP API, the public images of the assets bucket and the console, guarded
by AWS WAF, on a custom domain when configured.

Lives in us-east-1 because CloudFront takes its certificate and web ACL from there. Behaviours, in the order
CloudFront tries them: the API's QR, card and tracking routes (api_origin.py), the public images
(public_assets.py), the console at /admin/ (console.py), and the API for everything else. Public links
always point here (PUBLIC_BASE_URL is https://<domain>, or the distribution's own *.cloudfront.net name),
and the API refuses public requests that did not come through here (origin_secret.py).

An application's edge (the platform's, a silo tenant's) owns its web ACL, origin-verify secret, assets and
console; a pool tenant's brand edge fronts the platform's API behind the platform's web ACL and secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.nag import suppress
from cdk_app.naming import Naming
from routes import ORIGIN_VERIFY_SECRET
from stacks.base import AppStack
from stacks.edge.api_origin import ApiOrigin
from stacks.edge.console import ConsoleHosting
from stacks.edge.origin_secret import OriginVerifySecret
from stacks.edge.public_assets import PublicAssets
from stacks.edge.waf import EdgeWebAcl

EDGE_REGION = "us-east-1"


@dataclass(frozen=True)
class ConsoleSettings:
    """What the console of an application edge is built from (see stacks/edge/console.py)."""

    source: Path  # the built files (web/dist, or the tests' placeholder)
    config: dict[str, str]  # config.json (tokens resolved at deploy time)
    connect_sources: tuple[str, ...]


@dataclass(frozen=True)
class SharedEdge:
    """What a tenant's brand edge reuses from the platform's edge."""

    web_acl_arn: str
    origin_secret_name: str


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
        shared: SharedEdge | None = None,
        assets_bucket_name: str | None = None,
        console: ConsoleSettings | None = None,
        description: str = "CloudFront and WAF",
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description=description, region=EDGE_REGION)
        self.origin_secret: OriginVerifySecret | None = None
        if shared is None:
            web_acl = EdgeWebAcl(
                self,
                "WebAcl",
                name=f"{naming.resource_prefix}-edge",
                card_pages_per_minute=config.card_page_requests_per_minute_per_ip,
                tracking_per_5_minutes=config.tracking_requests_per_5_minutes_per_ip,
            )
            self.origin_secret = OriginVerifySecret(
                self,
                "OriginVerifySecret",
                name=naming.secret_name(ORIGIN_VERIFY_SECRET),
                replica_region=config.region if config.region != EDGE_REGION else None,
                removal_policy=self.removal_policy,
            )
            shared = SharedEdge(web_acl_arn=web_acl.arn, origin_secret_name=self.origin_secret.name)
        self.shared = shared

        zone = self._zone(hosted_zone_id, hosted_zone_name or domain_name)
        certificate = self._certificate(domain_name, zone) if domain_name else None
        logs_bucket = self._logs_bucket()
        api = ApiOrigin(self, "Api", api_domain=api_domain, origin_secret_name=shared.origin_secret_name)
        behaviours = dict(api.behaviours)
        if assets_bucket_name:
            behaviours |= PublicAssets(self, "PublicAssets", bucket_name=assets_bucket_name, region=config.region).behaviours
        if console is not None:
            behaviours |= ConsoleHosting(
                self,
                "Console",
                source=console.source,
                settings=console.config,
                connect_sources=console.connect_sources,
                logs_bucket=logs_bucket,
                log_retention_days=config.log_retention_days,
                removal_policy=self.removal_policy,
            ).behaviours
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            # The origin key's generation is part of the comment: raising it (a rotation) changes the
            # template, so CloudFormation resolves the secret's new `current` into the origin header.
            comment=" ".join(
                part for part in ("OutreachPass", naming.stage, domain_name, f"(origin key {config.origin_verify_generation})") if part
            ),
            default_behavior=api.default_behaviour,
            additional_behaviors=behaviours,
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            web_acl_id=shared.web_acl_arn,
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
        )
        self._acknowledge(has_assets=bool(assets_bucket_name), has_certificate=certificate is not None)
        self._dns(domain_name, zone)
        self.base_url = f"https://{domain_name or self.distribution.distribution_domain_name}"
        cdk.CfnOutput(self, "DistributionDomain", value=self.distribution.distribution_domain_name)
        cdk.CfnOutput(self, "PublicBaseUrl", value=self.base_url, description="cards, QR codes, e-mails and passes link here")
        if console is not None:
            cdk.CfnOutput(self, "ConsoleUrl", value=f"{self.base_url}/admin/")

    @property
    def web_acl_arn(self) -> str:
        return self.shared.web_acl_arn

    @property
    def origin_secret_name(self) -> str:
        """The origin-verify secret's name: the same for the primary here and its replica in the platform region."""
        return self.shared.origin_secret_name

    def _zone(self, hosted_zone_id: str | None, zone_name: str | None) -> route53.IHostedZone | None:
        if not hosted_zone_id:
            return None
        return route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=hosted_zone_id, zone_name=zone_name or ""
        )

    def _certificate(self, domain_name: str, zone: route53.IHostedZone | None) -> acm.Certificate:
        # Without our zone, the domain owner adds the validation CNAME shown in ACM while the deploy waits.
        return acm.Certificate(
            self,
            "Certificate",
            domain_name=domain_name,
            validation=acm.CertificateValidation.from_dns(zone) if zone else acm.CertificateValidation.from_dns(),
        )

    def _logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
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
        suppress(bucket, "AwsSolutions-S1", "this bucket receives CloudFront access logs; logging it again would loop")
        return bucket

    def _acknowledge(self, *, has_assets: bool, has_certificate: bool) -> None:
        if has_assets:
            cdk.Annotations.of(self.distribution).acknowledge_warning(
                "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
                "the assets bucket's policy is written in StorageStack (this distribution reads avatars/ and logos/ only)",
            )
        suppress(self.distribution, "AwsSolutions-CFR1", "attendees and wallets worldwide open cards; no country is excluded")
        if not has_certificate:
            suppress(
                self.distribution,
                "AwsSolutions-CFR4",
                "no custom domain configured: the default *.cloudfront.net certificate cannot pin a TLS policy; "
                "set `domain` in the deployment config to get TLSv1.2_2021",
            )

    def _dns(self, domain_name: str | None, zone: route53.IHostedZone | None) -> None:
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
