"""Monitoring: the seed's alarms, an encrypted SNS topic (e-mail) for them, and one dashboard.

Alarms (docs/architecture.md, monitoring):
  Lambda error rate > 5 %, Lambda duration > 5 s (p99; workers and jobs: 80 % of their timeout),
  API 5xx rate > 5 %, API latency > 3 s (p99), database CPU > 80 %, queue depth > 100,
  and any message in any dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.naming import Naming, pascal
from cdk_app.table import FunctionSpec
from stacks.base import AppStack

PERIOD = cdk.Duration.minutes(5)
LAMBDA_ERROR_RATE_PERCENT = 5
LAMBDA_DURATION_MS = 5_000
API_5XX_RATE_PERCENT = 5
API_LATENCY_MS = 3_000
DATABASE_CPU_PERCENT = 80
QUEUE_DEPTH = 100
BACKGROUND_DURATION_SHARE = 0.8  # workers and jobs: alarm at 80 % of their own timeout


@dataclass(frozen=True)
class MonitoredFunction:
    name: str
    spec: FunctionSpec


def duration_threshold_ms(spec: FunctionSpec) -> int:
    if spec.kind == "route":
        return LAMBDA_DURATION_MS
    return int(spec.needs.timeout_s * 1000 * BACKGROUND_DURATION_SHARE)


class MonitoringStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        functions: list[MonitoredFunction],
        http_api: apigw.IHttpApi,
        cluster_identifier: str,
        queues: dict[str, sqs.IQueue],
        dead_letter_queues: dict[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="alarms and dashboard")
        key = kms.Key(
            self,
            "AlarmTopicKey",
            enable_key_rotation=True,
            description="alarm topic",
            removal_policy=self.removal_policy,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": config.account}},
            )
        )
        self.alarm_topic = sns.Topic(
            self, "AlarmTopic", master_key=key, enforce_ssl=True, display_name=f"OutreachPass {naming.stage} alarms"
        )
        self.alarm_topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.alarm_topic)

        for function in functions:
            self._function_alarms(function)
        self._api_alarms(http_api)
        self._alarm(
            "DatabaseCpu",
            cloudwatch.Metric(
                namespace="AWS/RDS",
                metric_name="CPUUtilization",
                dimensions_map={"DBClusterIdentifier": cluster_identifier},
                statistic="Average",
                period=PERIOD,
            ),
            threshold=DATABASE_CPU_PERCENT,
            description=f"Database CPU above {DATABASE_CPU_PERCENT} %",
            evaluation_periods=3,
        )
        for name, queue in queues.items():
            self._alarm(
                f"QueueDepth{pascal(name)}",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                threshold=QUEUE_DEPTH,
                description=f"More than {QUEUE_DEPTH} messages waiting in queue {name}",
                evaluation_periods=3,
            )
        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"DeadLetters{pascal(name)}",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                threshold=0,
                description=f"A message reached dead-letter queue {name}",
                evaluation_periods=1,
            )
        self._dashboard(http_api, cluster_identifier, queues, dead_letter_queues)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self.naming.resource_prefix}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=min(2, evaluation_periods),
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def _function_alarms(self, function: MonitoredFunction) -> None:
        dimensions = {"FunctionName": function.name}

        def lambda_metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Lambda", metric_name=name, dimensions_map=dimensions, statistic=statistic, period=PERIOD
            )

        construct_id = function.spec.construct_id
        error_rate = cloudwatch.MathExpression(
            expression="IF(invocations > 0, 100 * errors / invocations, 0)",
            using_metrics={
                "errors": lambda_metric("Errors", "Sum"),
                "invocations": lambda_metric("Invocations", "Sum"),
            },
            label=f"{function.name} error rate (%)",
            period=PERIOD,
        )
        self._alarm(
            f"{construct_id}ErrorRate",
            error_rate,
            threshold=LAMBDA_ERROR_RATE_PERCENT,
            description=f"{function.name}: more than {LAMBDA_ERROR_RATE_PERCENT} % of invocations failed",
            evaluation_periods=3,
        )
        threshold = duration_threshold_ms(function.spec)
        self._alarm(
            f"{construct_id}Duration",
            lambda_metric("Duration", "p99"),
            threshold=threshold,
            description=f"{function.name}: p99 duration above {threshold} ms",
            evaluation_periods=3,
        )

    def _api_alarms(self, http_api: apigw.IHttpApi) -> None:
        server_error_rate = cloudwatch.MathExpression(
            expression="IF(requests > 0, 100 * errors / requests, 0)",
            using_metrics={
                "errors": http_api.metric_server_error(period=PERIOD, statistic="Sum"),
                "requests": http_api.metric_count(period=PERIOD, statistic="Sum"),
            },
            label="API 5xx rate (%)",
            period=PERIOD,
        )
        self._alarm(
            "Api5xxRate",
            server_error_rate,
            threshold=API_5XX_RATE_PERCENT,
            description=f"More than {API_5XX_RATE_PERCENT} % of API requests answered 5xx",
            evaluation_periods=3,
        )
        self._alarm(
            "ApiLatency",
            http_api.metric_latency(period=PERIOD, statistic="p99"),
            threshold=API_LATENCY_MS,
            description=f"API p99 latency above {API_LATENCY_MS} ms",
            evaluation_periods=3,
        )

    def _dashboard(
        self,
        http_api: apigw.IHttpApi,
        cluster_identifier: str,
        queues: dict[str, sqs.IQueue],
        dead_letter_queues: dict[str, sqs.IQueue],
    ) -> None:
        prefix = self.naming.resource_prefix

        def lambda_search(metric: str, statistic: str) -> cloudwatch.MathExpression:
            return cloudwatch.MathExpression(
                expression=(
                    f'SEARCH(\'{{AWS/Lambda,FunctionName}} MetricName="{metric}" FunctionName="{prefix}"\', '
                    f"'{statistic}', 300)"
                ),
                using_metrics={},
                label="",
                period=PERIOD,
            )

        def database_metric(name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/RDS",
                metric_name=name,
                statistic=statistic,
                period=PERIOD,
                dimensions_map={"DBClusterIdentifier": cluster_identifier},
            )

        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=prefix, default_interval=cdk.Duration.hours(6)
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"# OutreachPass {self.naming.stack_prefix}", width=24, height=1)
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                width=8,
                left=[http_api.metric_count(period=PERIOD, statistic="Sum")],
                right=[
                    http_api.metric_client_error(period=PERIOD, statistic="Sum"),
                    http_api.metric_server_error(period=PERIOD, statistic="Sum"),
                ],
            ),
            cloudwatch.GraphWidget(
                title="API latency",
                width=8,
                left=[
                    http_api.metric_latency(period=PERIOD, statistic="p50"),
                    http_api.metric_latency(period=PERIOD, statistic="p99"),
                ],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=API_LATENCY_MS, label="alarm")],
            ),
            cloudwatch.GraphWidget(
                title="Business metrics (Powertools EMF)",
                width=8,
                left=[
                    cloudwatch.MathExpression(
                        expression=f"SEARCH('Namespace=\"{self.naming.metrics_namespace}\"', 'Sum', 3600)",
                        using_metrics={},
                        label="",
                        period=cdk.Duration.hours(1),
                    )
                ],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Function errors", width=8, left=[lambda_search("Errors", "Sum")]),
            cloudwatch.GraphWidget(title="Function duration p99", width=8, left=[lambda_search("Duration", "p99")]),
            cloudwatch.GraphWidget(
                title="Function throttles and concurrency",
                width=8,
                left=[lambda_search("Throttles", "Sum")],
                right=[lambda_search("ConcurrentExecutions", "Maximum")],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Queue depth",
                width=8,
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, label=name)
                    for name, queue in queues.items()
                ],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=QUEUE_DEPTH, label="alarm")],
            ),
            cloudwatch.GraphWidget(
                title="Oldest message age (s)",
                width=8,
                left=[
                    queue.metric_approximate_age_of_oldest_message(period=PERIOD, label=name)
                    for name, queue in queues.items()
                ],
            ),
            cloudwatch.GraphWidget(
                title="Dead letters",
                width=8,
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD, label=name)
                    for name, queue in dead_letter_queues.items()
                ],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Database CPU (%)",
                width=8,
                left=[database_metric("CPUUtilization", "Average")],
                left_annotations=[cloudwatch.HorizontalAnnotation(value=DATABASE_CPU_PERCENT, label="alarm")],
            ),
            cloudwatch.GraphWidget(
                title="Database capacity (ACU)",
                width=8,
                left=[database_metric("ServerlessDatabaseCapacity", "Average")],
            ),
            cloudwatch.GraphWidget(
                title="Database connections", width=8, left=[database_metric("DatabaseConnections", "Maximum")]
            ),
        )
