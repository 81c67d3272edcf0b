"""The Api stack against the route table: one function and one route per entry, the right
authorizer, the runtime settings every function shares, and roles that grant only the entry's Needs."""

from __future__ import annotations

import pytest

from cdk_app.naming import pascal
from cdk_app.table import RouteTable
from lambdas import routes
from tests.infra.templates import (
    DATA_SERVICES,
    as_list,
    flatten,
    function_statements,
    functions_by_handler,
    granted,
    output_target,
    ref_id,
    resources,
    route_function,
)

API_STACK = "OutreachPass-staging-Api"
ALWAYS_GRANTED = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
SQS_CONSUME_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
}
VPC_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


@pytest.fixture(scope="module")
def api(synthesized) -> dict:
    return synthesized.template(API_STACK)


@pytest.fixture(scope="module")
def http_routes(api) -> dict[str, dict]:
    by_key = {}
    for route in resources(api, "AWS::ApiGatewayV2::Route").values():
        key = route["Properties"]["RouteKey"]
        assert key not in by_key, f"route {key} defined twice"
        by_key[key] = route
    return by_key


def test_every_table_entry_has_exactly_one_function_and_nothing_else_exists(api):
    specs = RouteTable.from_module().function_specs()
    handlers = functions_by_handler(api)
    expected = sorted(spec.handler_path for spec in specs)
    assert sorted(path for path, ids in handlers.items() for _ in ids) == expected


def test_every_route_has_one_http_route_invoking_its_own_function(api, http_routes):
    assert set(http_routes) == {route.route_key for route in routes.ROUTES}
    invoked = set()
    for route in routes.ROUTES:
        function_id = route_function(api, http_routes[route.route_key])
        assert api["Resources"][function_id]["Properties"]["Handler"] == f"{route.handler}.handler"
        invoked.add(function_id)
    assert len(invoked) == len(routes.ROUTES)  # one function per route, none shared


def test_protected_routes_use_the_cognito_jwt_authorizer_and_public_routes_none(api, http_routes):
    (authorizer_id, authorizer), *others = resources(api, "AWS::ApiGatewayV2::Authorizer").items()
    assert others == []
    properties = authorizer["Properties"]
    assert properties["AuthorizerType"] == "JWT"
    issuer = flatten(properties["JwtConfiguration"]["Issuer"])
    assert issuer.startswith("https://cognito-idp.eu-west-1.amazonaws.com/<output:OutreachPass-staging-Auth.")
    audience = [flatten(value) for value in properties["JwtConfiguration"]["Audience"]]
    assert len(audience) == 1 and audience[0].startswith("<output:OutreachPass-staging-Auth.")
    assert properties["IdentitySource"] == ["$request.header.Authorization"]
    public = [route for route in routes.ROUTES if route.is_public]
    assert public, "the table should have public routes (at least /health)"
    for route in routes.ROUTES:
        http_route = http_routes[route.route_key]["Properties"]
        if route.is_public:
            assert http_route.get("AuthorizationType", "NONE") == "NONE", route.route_key
            assert "AuthorizerId" not in http_route, route.route_key
        else:
            assert http_route["AuthorizationType"] == "JWT", route.route_key
            assert ref_id(http_route["AuthorizerId"]) == authorizer_id, route.route_key


def test_stage_has_throttling_access_logs_and_cors_from_config(api):
    (stage,) = resources(api, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (300, 600)
    assert ref_id(stage["Properties"]["AccessLogSettings"]["DestinationArn"]) in api["Resources"]
    (http_api,) = resources(api, "AWS::ApiGatewayV2::Api").values()
    cors = http_api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://admin.outreachpass.example.com"]
    assert "authorization" in cors["AllowHeaders"]


def test_functions_are_arm64_python312_traced_with_powertools_environment_and_retained_logs(api):
    for logical_id, function in resources(api, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.12", logical_id
        assert properties["Architectures"] == ["arm64"], logical_id
        assert properties["TracingConfig"] == {"Mode": "Active"}, logical_id
        assert len(properties["Layers"]) == 2, logical_id  # core + dependencies
        environment = properties["Environment"]["Variables"]
        assert environment["POWERTOOLS_SERVICE_NAME"] == "outreachpass"
        assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "OutreachPass"
        assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert environment["STAGE"] == "staging"
        assert environment["PUBLIC_BASE_URL"] == "https://cards.outreachpass.example.com"
        log_group = api["Resources"][ref_id(properties["LoggingConfig"]["LogGroup"])]
        assert log_group["Properties"]["RetentionInDays"] == 90


def test_database_functions_run_in_the_vpc_and_reach_postgres_through_the_proxy(api):
    for spec in RouteTable.from_module().function_specs():
        (function_id,) = functions_by_handler(api)[spec.handler_path]
        properties = api["Resources"][function_id]["Properties"]
        environment = properties["Environment"]["Variables"]
        if not spec.needs.database:  # no database, no VPC: nothing to reach, and a faster cold start
            assert "VpcConfig" not in properties, spec.slug
            assert "DB_HOST" not in environment, spec.slug
            continue
        assert "VpcConfig" in properties, spec.slug
        assert flatten(environment["DB_HOST"]).startswith("<output:OutreachPass-staging-Data.")
        assert environment["DB_PORT"] == "5432"
        assert environment["DB_NAME"] == "outreachpass"
        assert "AppSecret" in flatten(environment["DB_SECRET_ARN"])


def test_no_function_gets_a_wildcard_resource_on_a_data_service(api):
    for logical_id in resources(api, "AWS::Lambda::Function"):
        for statement in function_statements(api, logical_id):
            if "*" in as_list(statement["Resource"]):
                services = {action.split(":")[0] for action in as_list(statement["Action"])}
                assert not services & set(DATA_SERVICES), (logical_id, statement)


def test_each_function_role_grants_exactly_what_its_table_entry_names(api):
    secrets_in_table = {routes.secret_env(name) for name in routes.SECRETS}
    for spec in RouteTable.from_module().function_specs():
        (function_id,) = functions_by_handler(api)[spec.handler_path]
        grants = granted(function_statements(api, function_id))
        expected = set(ALWAYS_GRANTED)
        if spec.needs.database:
            expected |= VPC_ACTIONS | {"secretsmanager:GetSecretValue"}
        if spec.needs.secrets:
            expected.add("secretsmanager:GetSecretValue")
        if spec.needs.buckets:
            expected |= {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"} & _bucket_actions(spec.needs)
        if spec.needs.send_queues:
            expected.add("sqs:SendMessage")
        if spec.needs.dead_letters:  # reads its DLQs without consuming them
            expected |= {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
        if spec.kind == "worker":  # the event source mapping consumes the worker's own queue
            expected |= SQS_CONSUME_ACTIONS
        if spec.kind in ("schedule", "topic_consumer"):  # failed async invocations go to the async-failures DLQ
            expected.add("sqs:SendMessage")
        if spec.needs.send_email:
            expected |= {"ses:SendEmail", "ses:SendRawEmail"}
        if spec.needs.cognito_admin:
            expected |= {a for a in grants if a.startswith("cognito-idp:Admin")} | {"cognito-idp:ListUsers"}
        assert set(grants) == expected, spec.slug
        environment = api["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        assert {key for key in environment if key.endswith("_SECRET_ARN") and key != "DB_SECRET_ARN"} == {
            routes.secret_env(name) for name in spec.needs.secrets
        } & secrets_in_table


@pytest.fixture(scope="module")
def messaging(synthesized) -> dict:
    return synthesized.template("OutreachPass-staging-Messaging")


def _function_of(api: dict, handler: str) -> str:
    (function_id,) = functions_by_handler(api)[f"{handler}.handler"]
    return function_id


def test_every_worker_of_the_table_consumes_its_queue_as_the_entry_says(api, messaging):
    mappings = {
        ref_id(m["Properties"]["FunctionName"]): m["Properties"]
        for m in resources(api, "AWS::Lambda::EventSourceMapping").values()
    }
    assert len(mappings) == len(routes.WORKERS)  # one mapping per worker, nothing else consumes
    for worker in routes.WORKERS:
        properties = mappings[_function_of(api, worker.handler)]
        queue = output_target(messaging, properties["EventSourceArn"])
        assert queue and queue.startswith(pascal(worker.queue) + "Queue"), worker.name
        assert properties["BatchSize"] == worker.batch_size, worker.name
        assert properties.get("MaximumBatchingWindowInSeconds", 0) == worker.max_batching_window_s, worker.name
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"], worker.name
        if worker.max_concurrency is None:
            assert "ScalingConfig" not in properties, worker.name
        else:
            assert properties["ScalingConfig"] == {"MaximumConcurrency": worker.max_concurrency}, worker.name


def test_the_email_sender_is_capped_below_the_ses_send_rate(api):
    (send_emails,) = [worker for worker in routes.WORKERS if worker.queue == "emails"]
    assert send_emails.max_concurrency is not None and 2 <= send_emails.max_concurrency <= 10
    (mapping,) = [
        m["Properties"]
        for m in resources(api, "AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["FunctionName"]) == _function_of(api, send_emails.handler)
    ]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == send_emails.max_concurrency


def test_every_schedule_of_the_table_runs_from_its_rule_with_retries_and_a_dead_letter_queue(api):
    rules = {
        ref_id(target["Arn"]): (rule["Properties"], target)
        for rule in resources(api, "AWS::Events::Rule").values()
        for target in rule["Properties"]["Targets"]
    }
    assert len(rules) == len(routes.SCHEDULES)
    for job in routes.SCHEDULES:
        rule, target = rules[_function_of(api, job.handler)]
        assert rule["ScheduleExpression"] == job.expression, job.name
        assert rule.get("State", "ENABLED") == "ENABLED", job.name
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2, job.name
        assert "AsyncFailures" in flatten(target["DeadLetterConfig"]["Arn"]), job.name


def test_every_topic_consumer_of_the_table_is_subscribed_to_its_topic(api, messaging):
    subscriptions = {
        ref_id(s["Properties"]["Endpoint"]): s["Properties"] for s in resources(api, "AWS::SNS::Subscription").values()
    }
    assert len(subscriptions) == len(routes.TOPIC_CONSUMERS)
    for consumer in routes.TOPIC_CONSUMERS:
        subscription = subscriptions[_function_of(api, consumer.handler)]
        assert subscription["Protocol"] == "lambda"
        topic = output_target(messaging, subscription["TopicArn"])
        assert topic and topic.startswith(pascal(consumer.topic) + "Topic"), consumer.name
        assert "AsyncFailures" in flatten(subscription["RedrivePolicy"]["deadLetterTargetArn"]), consumer.name


def _bucket_actions(needs: routes.Needs) -> set[str]:
    actions: set[str] = set()
    for grant in needs.buckets:
        if grant.access in ("read", "read_write"):
            actions.add("s3:GetObject")
        if grant.access in ("write", "read_write"):
            actions |= {"s3:PutObject", "s3:AbortMultipartUpload"}
    return actions
