"""Storage: one S3 bucket per logical bucket the route table knows (assets, uploads, archive), plus their access logs.

Every bucket: SSE-S3, TLS only (1.2+), public access blocked, owner-enforced objects, versioned with
old versions expiring after 30 days, server access logs. Names are fixed (naming.bucket_name) so the
functions' policies name them literally.

Upload triggers (routes.UPLOAD_TRIGGERS) are the bucket's own NotificationConfiguration: an
s3:ObjectCreated:* event per trigger, filtered by prefix and suffix, to the trigger's queue. Written
natively rather than with `add_event_notification`, which would add a custom resource and its Lambda
(wildcard s3:PutBucketNotification) for what CloudFormation does itself. S3 checks the destination
when the configuration is written, so the queue policy (MessagingStack) must exist first: the queue
ARNs make this stack depend on Messaging.

The assets bucket's public prefixes (avatars, logos) are readable by the application's distribution
through origin access control: the Edge stack serves them, and the functions get that URL as
ASSETS_BASE_URL. This stack comes after the Edge stack, so the policy names that distribution, and the
uploads bucket lets the console on it (https://<edge>/admin/) upload from the browser.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.nag import suppress
from cdk_app.naming import Naming, pascal
from cdk_app.table import RouteTable, bucket_names
from routes import UploadTrigger
from stacks.base import AppStack

NONCURRENT_VERSION_DAYS = 30
UPLOAD_EXPIRY_DAYS = 14  # uploaded CSVs are imported within minutes; keep two weeks for support
ACCESS_LOG_EXPIRY_DAYS = 365
OBJECT_CREATED = "s3:ObjectCreated:*"
# Keys of the assets bucket that card pages show to anyone (outreachpass.integrations.public_assets):
# CloudFront serves exactly these, at the same paths (https://<domain>/avatars/..., /logos/...).
PUBLIC_ASSET_PREFIXES = ("avatars/", "logos/")


class StorageStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        table: RouteTable,
        queues: Mapping[str, sqs.IQueue],
        edge_origin: str,
        distribution_id: str,
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="S3 buckets")
        self._edge_origin = edge_origin  # https://<domain or *.cloudfront.net>: the console's origin
        self._distribution_id = distribution_id
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            bucket_name=naming.bucket_name("access-logs", config.account),
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=cdk.Duration.days(ACCESS_LOG_EXPIRY_DAYS))],
            removal_policy=self.removal_policy,
        )
        suppress(
            self.access_logs, "AwsSolutions-S1", "this is the access-log bucket; logging it into itself would loop"
        )
        self.bucket_names: dict[str, str] = {}
        self.buckets: dict[str, s3.Bucket] = {}
        for logical in bucket_names():
            name = naming.bucket_name(logical, config.account)
            self.bucket_names[logical] = name
            self.buckets[logical] = self._bucket(logical, name)
            if logical == "assets":
                self._allow_cloudfront(self.buckets[logical])
            triggers = [trigger for trigger in table.upload_triggers if trigger.bucket == logical]
            if triggers:
                self._notify(self.buckets[logical], triggers, queues)

    def _allow_cloudfront(self, bucket: s3.Bucket) -> None:
        """The application's distribution (origin access control) may read the public asset prefixes, nothing else."""
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudFrontReadsPublicAssets",
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in PUBLIC_ASSET_PREFIXES],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.config.account},
                    "ArnEquals": {
                        "aws:SourceArn": f"arn:{cdk.Aws.PARTITION}:cloudfront::{self.config.account}:distribution/"
                        f"{self._distribution_id}"
                    },
                },
            )
        )

    @staticmethod
    def _notify(bucket: s3.Bucket, triggers: list[UploadTrigger], queues: Mapping[str, sqs.IQueue]) -> None:
        configurations = []
        for trigger in triggers:
            rules = [s3.CfnBucket.FilterRuleProperty(name="prefix", value=trigger.prefix)]
            if trigger.suffix:
                rules.append(s3.CfnBucket.FilterRuleProperty(name="suffix", value=trigger.suffix))
            configurations.append(
                s3.CfnBucket.QueueConfigurationProperty(
                    event=OBJECT_CREATED,
                    queue=queues[trigger.queue].queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(rules=rules)
                    ),
                )
            )
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=configurations
        )

    def _bucket(self, logical: str, name: str) -> s3.Bucket:
        rules = [
            s3.LifecycleRule(
                id="expire-old-versions",
                noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_VERSION_DAYS),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
            )
        ]
        cors: list[s3.CorsRule] = []
        if logical == "uploads":
            rules.append(s3.LifecycleRule(id="expire-uploads", expiration=cdk.Duration.days(UPLOAD_EXPIRY_DAYS)))
            # Browsers upload straight to S3 from the console (on the edge) and the configured frontends: the
            # CSV with a presigned PUT, avatars and logos with a presigned POST (a form whose policy caps the
            # size and type).
            cors.append(
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.POST],
                    allowed_origins=[self._edge_origin, *self.config.cors_origins],
                    allowed_headers=["content-type", "content-md5", "x-amz-*"],
                    max_age=3600,
                )
            )
        if logical == "archive":
            rules.append(
                s3.LifecycleRule(
                    id="cold-archive",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=cdk.Duration.days(30),
                        )
                    ],
                )
            )
        bucket = s3.Bucket(
            self,
            f"{pascal(logical)}Bucket",
            bucket_name=name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=rules,
            cors=cors or None,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{logical}/",
            removal_policy=self.removal_policy,
        )
        cdk.CfnOutput(self, f"{pascal(logical)}BucketName", value=bucket.bucket_name)
        return bucket
