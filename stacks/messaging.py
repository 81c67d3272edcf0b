"""Messaging: the SQS work queues of the route table (each with a DLQ and redrive policy), the SES
sending identity and configuration set, and the SNS topic that carries SES events to the tracking consumer.

Queues named by an upload trigger (routes.UPLOAD_TRIGGERS) let S3 send them the bucket's events: the
policy names the bucket by its fixed name (naming.bucket_name), so this stack does not depend on
Storage, which adds the notifications and so depends on this one. The queues use SSE-SQS, which S3
notifications can write to; a customer managed key would need a key policy for s3.amazonaws.com."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.naming import Naming, pascal
from cdk_app.table import RouteTable
from stacks.base import AppStack

DLQ_RETENTION = cdk.Duration.days(14)
SES_EVENT_TYPES = ("delivery", "bounce", "complaint", "open", "click")


def bucket_arn(bucket_name: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket_name}"


def ses_identity_arn(config: DeploymentConfig, domain: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:ses:{config.region}:{config.account}:identity/{domain}"


def ses_configuration_set_arn(config: DeploymentConfig, name: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:ses:{config.region}:{config.account}:configuration-set/{name}"


def configuration_set_with_events(
    scope: Construct, construct_id: str, *, name: str, topic: sns.ITopic
) -> ses.ConfigurationSet:
    """A configuration set publishing delivery, bounce, complaint, open and click events to the topic,
    and per-set CloudWatch metrics (dimension ses:configuration-set) for the bounce/complaint alarms."""
    configuration_set = ses.ConfigurationSet(
        scope,
        construct_id,
        configuration_set_name=name,
        reputation_metrics=True,
        sending_enabled=True,
        tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    )
    # L1 on purpose: the L2 destination writes a topic policy naming this set into the topic's stack,
    # a cycle for tenant stacks; the topic policy in MessagingStack admits all of this deployment's sets.
    ses.CfnConfigurationSetEventDestination(
        scope,
        f"{construct_id}ToTopic",
        configuration_set_name=configuration_set.configuration_set_name,
        event_destination=ses.CfnConfigurationSetEventDestination.EventDestinationProperty(
            enabled=True,
            matching_event_types=list(SES_EVENT_TYPES),
            sns_destination=ses.CfnConfigurationSetEventDestination.SnsDestinationProperty(topic_arn=topic.topic_arn),
        ),
    )
    configuration_set.add_event_destination(
        "ToCloudWatch",
        destination=ses.EventDestination.cloud_watch_dimensions(
            [
                ses.CloudWatchDimension(
                    name="ses:configuration-set",
                    source=ses.CloudWatchDimensionSource.MESSAGE_TAG,
                    default_value=name,
                )
            ]
        ),
        events=[ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    )
    return configuration_set


def import_zone(scope: Construct, config: DeploymentConfig, zone_name: str) -> route53.IPublicHostedZone | None:
    """Our Route 53 zone when it is exactly `zone_name` (then we write the DNS records ourselves)."""
    domain = config.domain
    if domain is None or domain.hosted_zone_id is None or domain.zone_name != zone_name:
        return None
    return route53.PublicHostedZone.from_public_hosted_zone_attributes(
        scope, f"Zone{pascal(zone_name)}", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.zone_name
    )


def sending_identity(
    scope: Construct,
    construct_id: str,
    *,
    domain: str,
    configuration_set: ses.IConfigurationSet,
    zone: route53.IPublicHostedZone | None,
) -> ses.EmailIdentity:
    """A domain identity with Easy DKIM; records are written when we own the zone, else output for the owner."""
    identity = ses.EmailIdentity(
        scope,
        construct_id,
        identity=ses.Identity.public_hosted_zone(zone) if zone else ses.Identity.domain(domain),
        configuration_set=configuration_set,
    )
    if zone is None:
        for index, (name, value) in enumerate(
            [
                (identity.dkim_dns_token_name1, identity.dkim_dns_token_value1),
                (identity.dkim_dns_token_name2, identity.dkim_dns_token_value2),
                (identity.dkim_dns_token_name3, identity.dkim_dns_token_value3),
            ],
            start=1,
        ):
            cdk.CfnOutput(scope, f"{construct_id}DkimRecord{index}", value=f"{name} CNAME {value}")
    return identity


class MessagingStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        table: RouteTable,
        sender: str,
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="SQS queues, SES, SES events")
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for queue in table.queues:
            dead_letters = sqs.Queue(
                self,
                f"{pascal(queue.name)}DeadLetterQueue",
                retention_period=DLQ_RETENTION,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            self.dead_letter_queues[queue.name] = dead_letters
            self.queues[queue.name] = sqs.Queue(
                self,
                f"{pascal(queue.name)}Queue",
                visibility_timeout=cdk.Duration.seconds(queue.visibility_timeout_s),
                retention_period=cdk.Duration.days(4),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=queue.max_receive_count, queue=dead_letters),
            )
        self._allow_upload_notifications(table)

        # SES publishes to an encrypted topic only with a customer managed key that lets it.
        self.events_key = kms.Key(
            self,
            "SesEventsKey",
            enable_key_rotation=True,
            description="SES events topic",
            removal_policy=self.removal_policy,
        )
        self.events_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": config.account}},
            )
        )
        self.ses_events_topic = sns.Topic(
            self,
            "SesEventsTopic",
            master_key=self.events_key,
            enforce_ssl=True,
            display_name=f"OutreachPass {naming.stage} SES events",
        )
        self.ses_events_topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.ses_events_topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": config.account},
                    "ArnLike": {"aws:SourceArn": ses_configuration_set_arn(config, f"{naming.resource_prefix}*")},
                },
            )
        )
        self.topics: dict[str, sns.ITopic] = {"ses_events": self.ses_events_topic}

        self.sender = sender
        self.sender_domain = sender.rsplit("@", 1)[1]
        self.configuration_set_name = naming.configuration_set()
        configuration_set = configuration_set_with_events(
            self, "ConfigurationSet", name=self.configuration_set_name, topic=self.ses_events_topic
        )
        sending_identity(
            self,
            "SenderIdentity",
            domain=self.sender_domain,
            configuration_set=configuration_set,
            zone=import_zone(self, config, self.sender_domain),
        )
        cdk.CfnOutput(self, "ConfigurationSetName", value=self.configuration_set_name)

    def _allow_upload_notifications(self, table: RouteTable) -> None:
        """S3 may SendMessage to a trigger's queue, only for events of that bucket in this account."""
        pairs = sorted({(trigger.queue, trigger.bucket) for trigger in table.upload_triggers})
        for queue_name, bucket in pairs:
            queue = self.queues[queue_name]
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"S3Notifications{pascal(bucket)}",
                    principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[queue.queue_arn],
                    conditions={
                        "ArnEquals": {
                            "aws:SourceArn": bucket_arn(self.naming.bucket_name(bucket, self.config.account))
                        },
                        "StringEquals": {"aws:SourceAccount": self.config.account},
                    },
                )
            )
