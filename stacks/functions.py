"""Function stacks: one Lambda function per route table entry of one group (cdk_app.table.FunctionGroup).

  -ApiPublic    card pages, vCard, QR, wallet downloads, tracking, /health
  -ApiWallet    the Apple Wallet web service and Google Wallet's save / delete callbacks
  -ApiAdmin     events, attendees, cards, imports, jobs, passes, e-mails (and the routes to come there)
  -ApiSettings  brands, users, feature flags (tenant administration)
  -ApiReports   analytics and the audit log
  -Workers      SQS workers, schedules, topic consumers (and the async-failures DLQ)

Routes attach to the HTTP API of the Api stack, with its JWT authorizer unless public, and invoke a SnapStart
alias where the config's `snapstart` says so; public routes also get the origin-verify secret. Workers
consume their queue with partial batch responses (and at most `max_concurrency` concurrent invocations when
the entry sets one); schedules run from EventBridge rules; topic consumers subscribe to their SNS topic.
Schedules and topic consumers are invoked asynchronously: failed events land in the stack's
async-failures DLQ (alarmed like every other DLQ).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
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
    runtime_layers,
    secrets_extension,
    shared_managed_policies,
)
from cdk_app.nag import suppress
from cdk_app.naming import Naming
from cdk_app.table import FunctionGroup, FunctionSpec
from routes import Route, Schedule, TopicConsumer, Worker
from stacks.api import ApiStack
from stacks.auth import AuthStack
from stacks.base import AppStack

GROUP_DESCRIPTIONS: dict[str, str] = {
    "ApiPublic": "public route functions (cards, tracking, health)",
    "ApiWallet": "wallet functions (Apple's web service, Google's callbacks)",
    "ApiAdmin": "admin route functions (events, attendees, cards, jobs)",
    "ApiSettings": "admin route functions (brands, users, feature flags)",
    "ApiReports": "admin route functions (analytics, audit log)",
    "Workers": "workers, schedules and topic consumers",
}


@dataclass(frozen=True)
class SharedResources:
    """What every function stack of one application copy may hand to its functions."""

    database: DatabaseAccess
    bucket_names: dict[str, str]
    queues: dict[str, sqs.IQueue]
    topics: dict[str, sns.ITopic]
    work_dead_letter_queues: dict[str, sqs.IQueue]  # a work queue's name -> its DLQ (Needs.dead_letters)
    secrets: dict[str, secretsmanager.ISecret]
    email: EmailSending
    auth: AuthStack
    api: ApiStack
    public_base_url: str
    assets_base_url: str | None
    origin_secret_name: str  # the replica of the edge's origin-verify secret in this region


class FunctionsStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        group: FunctionGroup,
        specs: tuple[FunctionSpec, ...],
        shared: SharedResources,
        stub_dependencies: bool,
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description=GROUP_DESCRIPTIONS[group])
        self.group = group
        self._shared = shared
        self._async_failures: sqs.Queue | None = None
        core, dependencies = runtime_layers(self, stub_dependencies=stub_dependencies)
        tracing, vpc_access = shared_managed_policies(self)
        # By name: a cross-region reference to the edge's secret would give the primary's ARN (us-east-1).
        origin_secret = secretsmanager.Secret.from_secret_name_v2(self, "OriginVerifySecret", shared.origin_secret_name)
        self.resources = FunctionResources(
            naming=naming,
            stage=config.stage,
            public_base_url=shared.public_base_url,
            log_level=config.log_level,
            log_retention_days=config.log_retention_days,
            removal_policy=self.removal_policy,
            code=function_code(tests_only=stub_dependencies),
            layers=(core, dependencies),
            tracing_policy=tracing,
            vpc_access_policy=vpc_access,
            database=shared.database,
            bucket_names=shared.bucket_names,
            queues=shared.queues,
            dead_letter_queues=shared.work_dead_letter_queues,
            secrets=shared.secrets,
            email=shared.email,
            user_pool=shared.auth.user_pool,
            assets_base_url=shared.assets_base_url,
            origin_secret_arn=origin_secret.secret_arn,
            secrets_extension=secrets_extension(config),
        )
        self.functions: dict[str, AppFunction] = {spec.slug: self._function(spec) for spec in specs}

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
        api = self._shared.api
        http_route = apigw.HttpRoute(
            self,
            f"{spec.construct_id}Route",
            http_api=api.http_api,
            route_key=apigw.HttpRouteKey.with_(route.path, apigw.HttpMethod[route.method]),
            integration=integrations.HttpLambdaIntegration(f"{spec.construct_id}Integration", function.invoke_target),
            authorizer=None if route.is_public else api.authorizer,
        )
        if route.is_public:
            suppress(
                http_route,
                "AwsSolutions-APIG4",
                f"{route.route_key} is public by design (cards, wallet web service, tracking; docs/architecture.md); "
                "it answers only requests that came through CloudFront and its WAF (origin verification), and the "
                "handler finds the tenant from the random card id",
            )
        return function

    def _worker(self, spec: FunctionSpec, worker: Worker) -> AppFunction:
        queue = self._shared.queues[worker.queue]
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
        self._shared.topics[consumer.topic].add_subscription(
            subscriptions.LambdaSubscription(function.function, dead_letter_queue=self.async_failures)
        )
        return function
