"""The Api stack (the HTTP API) and the function stacks against the route table: one function and one route
per entry in the stack of its group, the right authorizer, the runtime settings every function shares, and
roles that grant only the entry's Needs."""

from __future__ import annotations

import pytest

import routes
from cdk_app.naming import pascal
from cdk_app.table import RouteTable
from tests.infra.templates import (
    DATA_SERVICES,
    FunctionStacks,
    as_list,
    flatten,
    function_statements,
    granted,
    output_target,
    ref_id,
    resources,
    route_function,
)

API_STACK = "OutreachPass-staging-Api"
PREFIX = "OutreachPass-staging"
ORIGIN_SECRET_ENV = routes.secret_env(routes.ORIGIN_VERIFY_SECRET)
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
def functions(synthesized) -> FunctionStacks:
    return FunctionStacks(synthesized.templates, PREFIX)


@pytest.fixture(scope="module")
def http_routes(functions) -> dict[str, tuple[dict, dict]]:
    return functions.http_routes()


def test_every_table_entry_has_exactly_one_function_in_its_groups_stack_and_nothing_else_exists(functions, api):
    specs = RouteTable.from_module().function_specs()
    handlers = functions.by_handler()
    expected = sorted(spec.handler_path for spec in specs)
    assert sorted(path for path, ids in handlers.items() for _ in ids) == expected
    for spec in specs:
        assert functions.stack_of(spec.handler_path) == f"{PREFIX}-{spec.group}", spec.slug
    assert not resources(api, "AWS::Lambda::Function")  # the API's own stack holds no function


def test_every_route_has_one_http_route_on_the_shared_api_invoking_its_own_function(http_routes, api):
    assert set(http_routes) == {route.route_key for route in routes.ROUTES}
    (api_id,) = resources(api, "AWS::ApiGatewayV2::Api")
    invoked = set()
    for route in routes.ROUTES:
        template, http_route = http_routes[route.route_key]
        function_id = route_function(template, http_route)
        assert template["Resources"][function_id]["Properties"]["Handler"] == f"{route.handler}.handler"
        assert output_target(api, http_route["Properties"]["ApiId"]) == api_id  # the one HTTP API
        invoked.add((id(template), function_id))
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
        http_route = http_routes[route.route_key][1]["Properties"]
        if route.is_public:
            assert http_route.get("AuthorizationType", "NONE") == "NONE", route.route_key
            assert "AuthorizerId" not in http_route, route.route_key
        else:
            assert http_route["AuthorizationType"] == "JWT", route.route_key
            assert output_target(api, http_route["AuthorizerId"]) == authorizer_id, route.route_key


def test_stage_has_throttling_access_logs_and_cors_from_config(api):
    (stage,) = resources(api, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (300, 600)
    assert ref_id(stage["Properties"]["AccessLogSettings"]["DestinationArn"]) in api["Resources"]
    (http_api,) = resources(api, "AWS::ApiGatewayV2::Api").values()
    cors = http_api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://admin.outreachpass.example.com"]
    assert "authorization" in cors["AllowHeaders"]


def test_functions_are_arm64_python312_traced_with_powertools_environment_and_retained_logs(functions):
    for template, logical_id, function in functions.resources("AWS::Lambda::Function"):
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.12", logical_id
        assert properties["Architectures"] == ["arm64"], logical_id
        assert properties["TracingConfig"] == {"Mode": "Active"}, logical_id
        # core + dependencies, and AWS's secrets extension where the function reads a secret
        assert len(properties["Layers"]) in (2, 3), logical_id
        environment = properties["Environment"]["Variables"]
        assert environment["POWERTOOLS_SERVICE_NAME"] == "outreachpass"
        assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "OutreachPass"
        assert environment["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert environment["STAGE"] == "staging"
        assert environment["PUBLIC_BASE_URL"] == "https://cards.outreachpass.example.com"
        log_group = template["Resources"][ref_id(properties["LoggingConfig"]["LogGroup"])]
        assert log_group["Properties"]["RetentionInDays"] == 90


def test_database_functions_run_in_the_vpc_and_reach_postgres_through_the_proxy(functions):
    for spec in RouteTable.from_module().function_specs():
        template, function_id = functions.function(spec.handler_path)
        properties = template["Resources"][function_id]["Properties"]
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


def test_no_function_gets_a_wildcard_resource_on_a_data_service(functions):
    for template, logical_id, _ in functions.resources("AWS::Lambda::Function"):
        for statement in function_statements(template, logical_id):
            if "*" in as_list(statement["Resource"]):
                services = {action.split(":")[0] for action in as_list(statement["Action"])}
                assert not services & set(DATA_SERVICES), (logical_id, statement)


def test_each_function_role_grants_exactly_what_its_table_entry_names(functions):
    secrets_in_table = {routes.secret_env(name) for name in routes.SECRETS}
    for spec in RouteTable.from_module().function_specs():
        template, function_id = functions.function(spec.handler_path)
        grants = granted(function_statements(template, function_id))
        expected = set(ALWAYS_GRANTED)
        if spec.needs.database:
            expected |= VPC_ACTIONS | {"secretsmanager:GetSecretValue"}
        if spec.needs.secrets or spec.is_public_route:  # public routes read the origin-verify secret
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
        if spec.needs.read_email_identities:
            expected.add("ses:GetEmailIdentity")
        if spec.needs.cognito_admin:
            expected |= {a for a in grants if a.startswith("cognito-idp:Admin")} | {"cognito-idp:ListUsers"}
        assert set(grants) == expected, spec.slug
        environment = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        secret_variables = {key for key in environment if key.endswith("_SECRET_ARN") and key != "DB_SECRET_ARN"}
        assert secret_variables - {ORIGIN_SECRET_ENV} == {routes.secret_env(name) for name in spec.needs.secrets} & (
            secrets_in_table
        )
        assert (ORIGIN_SECRET_ENV in environment) == spec.is_public_route, spec.slug


def test_public_routes_read_the_origin_verify_secret_replica_in_their_own_region(functions):
    public = [spec for spec in RouteTable.from_module().function_specs() if spec.is_public_route]
    assert {spec.group for spec in public} == {"ApiPublic", "ApiWallet"}
    name = "outreachpass/staging/origin_verify"
    for spec in public:
        template, function_id = functions.function(spec.handler_path)
        environment = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        # By name in eu-west-1 (the replica), not the primary's ARN in us-east-1.
        assert flatten(environment[ORIGIN_SECRET_ENV]) == f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}"
        granted_on = granted(function_statements(template, function_id))["secretsmanager:GetSecretValue"]
        assert f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-??????" in granted_on, spec.slug


@pytest.fixture(scope="module")
def messaging(synthesized) -> dict:
    return synthesized.template("OutreachPass-staging-Messaging")


@pytest.fixture(scope="module")
def workers(synthesized) -> dict:
    return synthesized.template(f"{PREFIX}-Workers")


def _function_of(template: dict, handler: str) -> str:
    (function_id,) = [
        logical_id
        for logical_id, function in resources(template, "AWS::Lambda::Function").items()
        if function["Properties"]["Handler"] == f"{handler}.handler"
    ]
    return function_id


def test_every_worker_of_the_table_consumes_its_queue_as_the_entry_says(workers, messaging):
    api = workers
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


def test_the_email_sender_is_capped_below_the_ses_send_rate(workers):
    api = workers
    (send_emails,) = [worker for worker in routes.WORKERS if worker.queue == "emails"]
    assert send_emails.max_concurrency is not None and 2 <= send_emails.max_concurrency <= 10
    (mapping,) = [
        m["Properties"]
        for m in resources(api, "AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["FunctionName"]) == _function_of(api, send_emails.handler)
    ]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == send_emails.max_concurrency


def test_every_schedule_of_the_table_runs_from_its_rule_with_retries_and_a_dead_letter_queue(workers):
    api = workers
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


def test_every_topic_consumer_of_the_table_is_subscribed_to_its_topic(workers, messaging):
    api = workers
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


def test_googles_wallet_callback_is_a_public_route_of_the_wallet_stack_checked_for_its_origin(functions, http_routes):
    """POST /wallet/google/callback lives beside Apple's web service (-ApiWallet), takes no JWT (the
    message's ECv2 signature authenticates Google), reads the Google Wallet secret for its issuer id
    and, like every public route, the origin-verify secret (Google is given the distribution's URL)."""
    route = routes.find_route("POST", "/wallet/google/callback")
    template, http_route = http_routes[route.route_key]
    assert template is functions.templates[f"{PREFIX}-ApiWallet"]
    assert http_route["Properties"].get("AuthorizationType", "NONE") == "NONE"
    function_id = route_function(template, http_route)
    environment = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    assert {ORIGIN_SECRET_ENV, routes.secret_env("google_wallet")} <= set(environment)
    assert "secretsmanager:GetSecretValue" in granted(function_statements(template, function_id))


SECRETS_EXTENSION_LAYER = "arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:4"


def test_functions_that_read_a_secret_carry_the_secrets_extension_and_its_port_the_others_do_not(functions):
    """Database functions (the proxy's credentials), public routes (origin-verify) and functions whose Needs
    name a secret read it through the Parameters and Secrets extension (no boto3 in the function): AWS's
    arm64 layer of the stack's region beside our two, and the port the runtime's client reads. The role is
    unchanged: the extension reads with it (test_each_function_role_grants_exactly_what_its_table_entry_names)."""
    carrying = 0
    for spec in RouteTable.from_module().function_specs():
        template, function_id = functions.function(spec.handler_path)
        properties = template["Resources"][function_id]["Properties"]
        environment = properties["Environment"]["Variables"]
        if not (spec.needs.database or spec.needs.secrets or spec.is_public_route):
            assert len(properties["Layers"]) == 2, spec.slug
            assert "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT" not in environment, spec.slug
            continue
        carrying += 1
        external = [layer for layer in properties["Layers"] if isinstance(layer, str)]
        assert external == [SECRETS_EXTENSION_LAYER], spec.slug
        assert len(properties["Layers"]) == 3, spec.slug  # and ours, by Ref
        assert environment["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773", spec.slug
        assert environment["SECRETS_MANAGER_TTL"] == "300", spec.slug
    assert carrying > 40  # every database function at least: the table is read, not empty
