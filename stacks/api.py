"""Api: the HTTP API and one Lambda function per route table entry.

Routes get a JWT authorizer (Cognito) unless public, and invoke a SnapStart alias where the config's
`snapstart` says so; workers consume their queue with partial
batch responses (and at most `max_concurrency` concurrent invocations when the entry sets one); schedules run from EventBridge rules; topic consumers subscribe to their SNS topic.
Schedules and topic consumers are invoked asynchronously: failed events land in the stack's
async-failures DLQ (alarmed like every other DLQ).
"""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk_app.bundling import function_code
from cdk_app.config import DeploymentConfig
from cdk_app.function import (
    AppFunction,
    DatabaseAccess,
    EmailSending,
    FunctionResources,
    retention,
    runtime_layers,
    shared_managed_policies,
)
from cdk_app.nag import suppress
from cdk_app.naming import Naming
from cdk_app.table import FunctionSpec, RouteTable
from lambdas.routes import Route, Schedule, TopicConsumer, Worker
from stacks.auth import AuthStack
from stacks.base import AppStack

CORS_HEADERS = ["authorization", "content-type", "x-correlation-id"]
CORS_METHODS = [
    apigw.CorsHttpMethod.GET,
    apigw.CorsHttpMethod.POST,
    apigw.CorsHttpMethod.PUT,
    apigw.CorsHttpMethod.PATCH,
    apigw.CorsHttpMethod.DELETE,
]
ACCESS_LOG_FORMAT = apigw_v1.AccessLogFormat.json_with_standard_fields(
    caller=False,
    http_method=True,
    ip=True,
    protocol=True,
    request_time=True,
    resource_path=True,
    response_length=True,
    status=True,
    user=False,
)


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return ACCESS_LOG_FORMAT


class ApiStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        table: RouteTable,
        database: DatabaseAccess,
        bucket_names: dict[str, str],
        queues: dict[str, sqs.IQueue],
        topics: dict[str, sns.ITopic],
        work_dead_letter_queues: dict[str, sqs.IQueue],
        secrets: dict[str, secretsmanager.ISecret],
        email: EmailSending,
        auth: AuthStack,
        public_base_url: str | None,
        assets_base_url: str | None,
        stub_dependencies: bool,
    ) -> None:
        super().__init__(
            scope,
            stack_name,
            config=config,
            naming=naming,
            description="HTTP API and functions",
        )
        self.table = table
        self._queues = queues
        self._topics = topics
        self._async_failures: sqs.Queue | None = None

        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=naming.resource_prefix,
            description=f"OutreachPass {naming.stage} API",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=list(config.cors_origins),
                allow_headers=CORS_HEADERS,
                allow_methods=CORS_METHODS,
                expose_headers=["x-correlation-id"],
                max_age=cdk.Duration.hours(1),
            ),
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(config.log_retention_days), removal_policy=self.removal_policy
        )
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=config.throttling.rate_limit, burst_limit=config.throttling.burst_limit
            ),
            access_log_settings=_AccessLogSettings(access_logs),
        )
        self.api_domain = f"{self.http_api.api_id}.execute-api.{config.region}.{cdk.Aws.URL_SUFFIX}"
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt",
            auth.issuer,
            jwt_audience=[auth.app_client.user_pool_client_id],
            authorizer_name="cognito-jwt",
        )

        core, dependencies = runtime_layers(self, stub_dependencies=stub_dependencies)
        tracing, vpc_access = shared_managed_policies(self)
        self.resources = FunctionResources(
            naming=naming,
            stage=config.stage,
            public_base_url=public_base_url or self.http_api.api_endpoint,
            log_level=config.log_level,
            log_retention_days=config.log_retention_days,
            removal_policy=self.removal_policy,
            code=function_code(),
            layers=(core, dependencies),
            tracing_policy=tracing,
            vpc_access_policy=vpc_access,
            database=database,
            bucket_names=bucket_names,
            queues=queues,
            dead_letter_queues=work_dead_letter_queues,
            secrets=secrets,
            email=email,
            user_pool=auth.user_pool,
            assets_base_url=assets_base_url,
        )
        self.functions: dict[str, AppFunction] = {}
        for spec in table.function_specs():
            self.functions[spec.slug] = self._function(spec)
        cdk.CfnOutput(self, "ApiEndpoint", value=self.http_api.api_endpoint)

    @property
    def async_failures(self) -> sqs.Queue:
        """DLQ for asynchronous invocations (schedules, topic consumers) that failed all retries."""
        if self._async_failures is None:
            self._async_failures = sqs.Queue(
                self,
                "AsyncFailuresDeadLetterQueue",
                retention_period=cdk.Duration.days(14),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
        return self._async_failures

    @property
    def dead_letter_queues(self) -> dict[str, sqs.IQueue]:
        return {"async_failures": self._async_failures} if self._async_failures else {}

    def _function(self, spec: FunctionSpec) -> AppFunction:
        entry = spec.entry
        if isinstance(entry, Route):
            return self._route(spec, entry)
        if isinstance(entry, Worker):
            return self._worker(spec, entry)
        if isinstance(entry, Schedule):
            return self._schedule(spec, entry)
        if isinstance(entry, TopicConsumer):
            return self._topic_consumer(spec, entry)
        raise TypeError(f"{spec.slug}: not a route table entry")

    def _route(self, spec: FunctionSpec, route: Route) -> AppFunction:
        # SnapStart (config `snapstart`): the route invokes the function's `live` alias, whose
        # published version is restored from a snapshot; the invoke permission is on that alias.
        snapstart = self.config.snapstart_for(public=route.is_public)
        function = AppFunction(self, spec.construct_id, spec=spec, resources=self.resources, snapstart=snapstart)
        http_route = apigw.HttpRoute(
            self,
            f"{spec.construct_id}Route",
            http_api=self.http_api,
            route_key=apigw.HttpRouteKey.with_(route.path, apigw.HttpMethod[route.method]),
            integration=integrations.HttpLambdaIntegration(f"{spec.construct_id}Integration", function.invoke_target),
            authorizer=None if route.is_public else self.authorizer,
        )
        if route.is_public:
            suppress(
                http_route,
                "AwsSolutions-APIG4",
                f"{route.route_key} is public by design (cards, wallet web service, tracking; ARCHITECTURE.md §4); "
                "WAF rate limits it at the edge and the handler finds the tenant from the random card id",
            )
        return function

    def _worker(self, spec: FunctionSpec, worker: Worker) -> AppFunction:
        queue = self._queues[worker.queue]
        function = AppFunction(self, spec.construct_id, spec=spec, resources=self.resources, consume_queue=queue)
        function.function.add_event_source(
            event_sources.SqsEventSource(
                queue,
                batch_size=worker.batch_size,
                max_batching_window=cdk.Duration.seconds(worker.max_batching_window_s)
                if worker.max_batching_window_s
                else None,
                report_batch_item_failures=True,
                max_concurrency=worker.max_concurrency,  # ScalingConfig.MaximumConcurrency; None = unbounded
            )
        )
        return function

    def _schedule(self, spec: FunctionSpec, job: Schedule) -> AppFunction:
        function = AppFunction(
            self, spec.construct_id, spec=spec, resources=self.resources, dead_letter_queue=self.async_failures
        )
        events.Rule(
            self,
            f"{spec.construct_id}Schedule",
            description=spec.description,
            schedule=events.Schedule.expression(job.expression),
            targets=[
                targets.LambdaFunction(function.function, retry_attempts=2, dead_letter_queue=self.async_failures)
            ],
        )
        return function

    def _topic_consumer(self, spec: FunctionSpec, consumer: TopicConsumer) -> AppFunction:
        function = AppFunction(
            self, spec.construct_id, spec=spec, resources=self.resources, dead_letter_queue=self.async_failures
        )
        self._topics[consumer.topic].add_subscription(
            subscriptions.LambdaSubscription(function.function, dead_letter_queue=self.async_failures)
        )
        return function
