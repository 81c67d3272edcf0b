"""Tenant-<key>: what one tenant adds on top of the application it runs on.

pool: an SES identity for the tenant's sender domain with its own configuration set (events to the
      platform's SES events topic), a Cognito group in the platform user pool, and alarms on the
      tenant's bounce and complaint rates. The brand domain is served by `<stage>-<key>-Edge`.
silo: the tenant's own copy of the application already has identity, configuration set and edge;
      this stack adds the Cognito group and the tenant alarms, and depends on the whole copy, so
      `cdk deploy OutreachPass-<stage>-Tenant-<key>` deploys the tenant end to end.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_app.config import DeploymentConfig, TenantConfig
from cdk_app.naming import Naming
from stacks.base import AppStack
from stacks.messaging import configuration_set_with_events, import_zone, sending_identity

SES_PERIOD = cdk.Duration.hours(1)
BOUNCE_RATE_PERCENT = 5  # SES reviews accounts from 5 % bounces
COMPLAINT_RATE_PERCENT = 0.1  # and from 0.1 % complaints


class TenantStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        tenant: TenantConfig,
        user_pool: cognito.IUserPool,
        alarm_topic: sns.ITopic,
        ses_events_topic: sns.ITopic | None,
        configuration_set_name: str,
    ) -> None:
        super().__init__(
            scope, stack_name, config=config, naming=naming, description=f"tenant {tenant.key} ({tenant.tier})"
        )
        self.tenant = tenant
        if ses_events_topic is not None:
            # Pool tenant: its own sending identity and configuration set on the shared platform.
            configuration_set = configuration_set_with_events(
                self, "ConfigurationSet", name=configuration_set_name, topic=ses_events_topic
            )
            sending_identity(
                self,
                "SenderIdentity",
                domain=tenant.sender_domain,
                configuration_set=configuration_set,
                zone=import_zone(self, config, tenant.sender_domain),
            )
        cognito.CfnUserPoolGroup(
            self,
            "Group",
            user_pool_id=user_pool.user_pool_id,
            group_name=f"tenant-{tenant.key}",
            description=f"Users of tenant {tenant.key}",
        )
        self._rate_alarm(
            "BounceRate",
            "Bounce",
            BOUNCE_RATE_PERCENT,
            configuration_set_name,
            alarm_topic,
            f"tenant {tenant.key}: more than {BOUNCE_RATE_PERCENT} % of sent mail bounced",
        )
        self._rate_alarm(
            "ComplaintRate",
            "Complaint",
            COMPLAINT_RATE_PERCENT,
            configuration_set_name,
            alarm_topic,
            f"tenant {tenant.key}: more than {COMPLAINT_RATE_PERCENT} % of sent mail drew complaints",
        )
        cdk.CfnOutput(self, "ConfigurationSetName", value=configuration_set_name)

    def _rate_alarm(
        self,
        construct_id: str,
        metric_name: str,
        threshold: float,
        configuration_set_name: str,
        alarm_topic: sns.ITopic,
        description: str,
    ) -> None:
        def ses_metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/SES",
                metric_name=name,
                statistic="Sum",
                period=SES_PERIOD,
                dimensions_map={"ses:configuration-set": configuration_set_name},
            )

        rate = cloudwatch.MathExpression(
            expression="IF(sent > 0, 100 * events / sent, 0)",
            using_metrics={"events": ses_metric(metric_name), "sent": ses_metric("Send")},
            label=f"{metric_name} rate (%)",
            period=SES_PERIOD,
        )
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self.naming.resource_prefix}-tenant-{self.tenant.key}-{construct_id}",
            alarm_description=description,
            metric=rate,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(alarm_topic))
