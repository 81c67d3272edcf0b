"""Entries other engineers will add (workers, schedules, topic consumers, upload triggers, routes with rich
Needs) are wired generically: a synthetic route table proves it before the real table has any."""

from __future__ import annotations

from dataclasses import replace

import pytest

import routes
from cdk_app.naming import pascal
from cdk_app.table import RouteTable
from routes import BucketGrant, Needs, Route, Schedule, TopicConsumer, UploadTrigger, Worker
from tests.infra.conftest import TEST_CONFIG, synthesize
from tests.infra.templates import (
    DATA_SERVICES,
    FunctionStacks,
    as_list,
    bucket_notifications,
    flatten,
    function_statements,
    granted,
    output_target,
    ref_id,
    resources,
    service_grants,
)

IMPORT_WORKER = Worker(
    "imports",
    queue="imports",
    handler="handlers.workers.imports",
    batch_size=5,
    max_batching_window_s=2,
    needs=Needs(buckets=(BucketGrant("uploads", "read", "imports/"),), timeout_s=600),
    max_concurrency=3,
)
RETENTION_JOB = Schedule("retention", handler="handlers.jobs.retention", expression="cron(15 3 * * ? *)")
SES_CONSUMER = TopicConsumer("ses_events", topic="ses_events", handler="handlers.track.ses_events")
RICH_ROUTE = Route(
    "POST",
    "/api/v1/admin/synthetic-rich",
    "handlers.admin.synthetic_rich",
    roles=("admin",),
    needs=Needs(
        buckets=(BucketGrant("assets", "read_write", "logos/"), BucketGrant("uploads", "write", "imports/")),
        send_queues=("emails",),
        secrets=("tracking_hmac",),
        send_email=True,
        read_email_identities=True,
        cognito_admin=True,
    ),
)
PUBLIC_NO_DATABASE = Route(
    "GET", "/synthetic/{card_id}/public", "handlers.public.synthetic_public", roles=None, needs=Needs(database=False)
)
# Another bucket, no suffix, and a queue that receives from two buckets' triggers.
ARCHIVE_TRIGGER = UploadTrigger("archive", prefix="restores/", queue="images")
PREFIX = "OutreachPass-wiring"


@pytest.fixture(scope="module")
def wired(tmp_path_factory):
    table = replace(
        RouteTable.from_module(),
        routes=(*routes.ROUTES, RICH_ROUTE, PUBLIC_NO_DATABASE),
        workers=(IMPORT_WORKER,),
        schedules=(RETENTION_JOB,),
        topic_consumers=(SES_CONSUMER,),
        upload_triggers=(*routes.UPLOAD_TRIGGERS, ARCHIVE_TRIGGER),
    )
    # No domain: the configuration of a first deploy (dev), where the edge's name is not known at synth.
    # The second origin key generation: a rotation (test_a_rotation_generation_changes_the_distribution).
    config = {
        **{k: v for k, v in TEST_CONFIG.items() if k != "domain"},
        "stage": "wiring",
        "tenants": [],
        "origin_verify_generation": 2,
    }
    return synthesize(tmp_path_factory.mktemp("wiring.out"), config, table)


def _function(wired, handler: str) -> tuple[dict, str]:
    """(template of the function's stack, its logical id)."""
    return FunctionStacks(wired.templates, PREFIX).function(f"{handler}.handler")


def test_worker_consumes_its_queue_with_partial_batch_responses(wired):
    api, function_id = _function(wired, IMPORT_WORKER.handler)
    (mapping,) = resources(api, "AWS::Lambda::EventSourceMapping").values()
    properties = mapping["Properties"]
    assert ref_id(properties["FunctionName"]) == function_id
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (properties["BatchSize"], properties["MaximumBatchingWindowInSeconds"]) == (5, 2)
    assert properties["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert "ImportsQueue" in flatten(properties["EventSourceArn"])
    grants = granted(function_statements(api, function_id))
    consume = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}
    assert consume <= set(grants)
    assert all("ImportsQueue" in resource for action in consume for resource in grants[action])
    assert grants["s3:GetObject"] == {"arn:<AWS::Partition>:s3:::outreachpass-wiring-123456789012-uploads/imports/*"}
    assert "s3:PutObject" not in grants  # read grant only


def test_worker_queue_keeps_its_dead_letter_queue_and_alarm(wired):
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources(wired.template("OutreachPass-wiring-Monitoring"), "AWS::CloudWatch::Alarm").values()
    }
    assert alarms["outreachpass-wiring-DeadLettersImports"]["Threshold"] == 0
    duration = alarms["outreachpass-wiring-WorkerImportsDuration"]
    assert duration["Threshold"] == 600 * 1000 * 0.8  # background work: 80 % of its own timeout


def test_schedule_runs_from_an_eventbridge_rule_with_retries_and_a_dead_letter_queue(wired):
    api, function_id = _function(wired, RETENTION_JOB.handler)
    (rule,) = resources(api, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == RETENTION_JOB.expression
    (target,) = rule["Properties"]["Targets"]
    assert ref_id(target["Arn"]) == function_id
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    dead_letters = ref_id(target["DeadLetterConfig"]["Arn"])
    assert api["Resources"][dead_letters]["Type"] == "AWS::SQS::Queue"
    alarms = [
        a["Properties"]
        for a in resources(wired.template("OutreachPass-wiring-Monitoring"), "AWS::CloudWatch::Alarm").values()
    ]
    assert any(a["AlarmName"] == "outreachpass-wiring-DeadLettersAsyncFailures" for a in alarms)


def test_topic_consumer_subscribes_to_the_ses_events_topic(wired):
    api, function_id = _function(wired, SES_CONSUMER.handler)
    (subscription,) = resources(api, "AWS::SNS::Subscription").values()
    properties = subscription["Properties"]
    assert properties["Protocol"] == "lambda"
    assert ref_id(properties["Endpoint"]) == function_id
    assert "SesEventsTopic" in flatten(properties["TopicArn"])
    assert "RedrivePolicy" in properties
    permissions = [
        p["Properties"]
        for p in resources(api, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    assert [ref_id(p["FunctionName"]) for p in permissions] == [function_id]


def test_rich_route_role_grants_exactly_its_needs_and_nothing_wider(wired):
    api, function_id = _function(wired, RICH_ROUTE.handler)
    grants = granted(function_statements(api, function_id))
    bucket = "arn:<AWS::Partition>:s3:::outreachpass-wiring-123456789012-{}"
    assert grants["s3:GetObject"] == {bucket.format("assets/logos/*")}
    assert grants["s3:PutObject"] == {bucket.format("assets/logos/*"), bucket.format("uploads/imports/*")}
    assert len(grants["sqs:SendMessage"]) == 1 and "EmailsQueue" in next(iter(grants["sqs:SendMessage"]))
    secrets = grants["secretsmanager:GetSecretValue"]
    assert (
        len(secrets) == 2 and any("TrackingHmacSecret" in s for s in secrets) and any("AppSecret" in s for s in secrets)
    )
    assert grants["ses:SendEmail"] == {
        "arn:<AWS::Partition>:ses:eu-west-1:123456789012:identity/outreachpass.example.com",
        "arn:<AWS::Partition>:ses:eu-west-1:123456789012:configuration-set/outreachpass-wiring",
    }
    # A sender is checked against exactly the identities the senders may use.
    assert grants["ses:GetEmailIdentity"] == {"arn:<AWS::Partition>:ses:eu-west-1:123456789012:identity/outreachpass.example.com"}
    cognito = {action for action in grants if action.startswith("cognito-idp:")}
    assert "cognito-idp:AdminCreateUser" in cognito and "cognito-idp:AdminDeleteUser" not in cognito
    assert all(
        resource.endswith("UserPool6BA7E5F2.Arn>") or "UserPool" in resource
        for action in cognito
        for resource in grants[action]
    )
    for action, granted_on in grants.items():
        if action.split(":")[0] in DATA_SERVICES:
            assert "*" not in granted_on, action


def test_rich_route_environment_names_each_resource_by_the_contract(wired):
    api, function_id = _function(wired, RICH_ROUTE.handler)
    environment = api["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    assert environment["ASSETS_BUCKET"] == "outreachpass-wiring-123456789012-assets"
    assert environment["UPLOADS_BUCKET"] == "outreachpass-wiring-123456789012-uploads"
    assert "EmailsQueue" in flatten(environment["EMAILS_QUEUE_URL"])
    assert "TrackingHmacSecret" in flatten(environment["TRACKING_HMAC_SECRET_ARN"])
    assert environment["SES_CONFIGURATION_SET"] == "outreachpass-wiring"
    assert environment["DEFAULT_SENDER"] == "cards@outreachpass.example.com"
    assert "UserPool" in flatten(environment["USER_POOL_ID"])


def test_a_route_without_database_stays_out_of_the_vpc_and_away_from_the_secret(wired):
    api, function_id = _function(wired, PUBLIC_NO_DATABASE.handler)
    properties = api["Resources"][function_id]["Properties"]
    assert "VpcConfig" not in properties
    assert not {key for key in properties["Environment"]["Variables"] if key.startswith("DB_")}
    grants = granted(function_statements(api, function_id))
    assert set(grants) == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "secretsmanager:GetSecretValue",  # the origin-verify secret every public route checks, nothing else
    }
    assert grants["secretsmanager:GetSecretValue"] == {
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:outreachpass/wiring/origin_verify-??????"
    }
    assert all(
        "*" not in as_list(s["Resource"]) or s["Action"][0].startswith("xray:")
        for s in function_statements(api, function_id)
    )


def test_upload_triggers_notify_their_queue_which_admits_each_source_bucket(wired):
    storage = wired.template("OutreachPass-wiring-Storage")
    messaging = wired.template("OutreachPass-wiring-Messaging")
    queue_ids = {
        name: next(i for i in resources(messaging, "AWS::SQS::Queue") if i.startswith(pascal(name) + "Queue"))
        for name in ("imports", "images")
    }
    bucket = "outreachpass-wiring-123456789012-{}"
    triggers = (*routes.UPLOAD_TRIGGERS, ARCHIVE_TRIGGER)
    assert bucket_notifications(storage, messaging) == {
        (bucket.format(t.bucket), "s3:ObjectCreated:*", t.prefix, t.suffix, queue_ids[t.queue]) for t in triggers
    }
    assert service_grants(messaging, "s3.amazonaws.com") == {
        (queue_ids[t.queue], "sqs:SendMessage", f"arn:<AWS::Partition>:s3:::{bucket.format(t.bucket)}", "123456789012")
        for t in triggers
    }


def test_without_a_domain_public_links_and_images_point_at_the_distributions_own_name(wired):
    """A first deploy (no domain): links in cards, QR codes, e-mails and passes, and the card page's images,
    still go through CloudFront (its *.cloudfront.net name), never the execute-api URL."""
    edge = wired.template(f"{PREFIX}-Edge")
    (distribution_id,) = resources(edge, "AWS::CloudFront::Distribution")
    functions = FunctionStacks(wired.templates, PREFIX)
    for _, _, function in functions.resources("AWS::Lambda::Function"):
        environment = function["Properties"]["Environment"]["Variables"]
        for variable in ("PUBLIC_BASE_URL", "ASSETS_BASE_URL"):
            value = environment[variable]
            assert value["Fn::Join"][1][0] == "https://", variable
            assert output_target(edge, value["Fn::Join"][1][1]) == distribution_id, variable
            assert "execute-api" not in flatten(value) and "HttpApi" not in flatten(value)
    patterns = [b["PathPattern"] for b in edge["Resources"][distribution_id]["Properties"]["DistributionConfig"]["CacheBehaviors"]]
    assert {"/avatars/*", "/logos/*"} <= set(patterns)


def test_a_rotation_generation_changes_the_distribution(wired, synthesized):
    """Raising origin_verify_generation (a rotation, docs/deploying.md) changes the distribution, so
    CloudFormation resolves the secret's new `current` into the origin header; the default is 1."""

    def comment(template: dict) -> str:
        (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
        return distribution["Properties"]["DistributionConfig"]["Comment"]

    assert comment(wired.template(f"{PREFIX}-Edge")) == "OutreachPass wiring (origin key 2)"
    assert comment(synthesized.template("OutreachPass-staging-Edge")) == (
        "OutreachPass staging cards.outreachpass.example.com (origin key 1)"
    )
