"""The local SQS event source mapping, against real queues in moto, and the AWS resources
the local stack creates from the route table.

The worker is tests/fixtures/local_sqs_worker.py, bound to the stack's real `imports`
queue (with its DLQ and RedrivePolicy from routes.QUEUES).
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel

import routes
from local.aws import bucket_names
from local.poller import SqsPoller
from tests.fixtures import local_sqs_worker

QUEUE = "imports"
MAX_RECEIVES = routes.QUEUES[[q.name for q in routes.QUEUES].index(QUEUE)].max_receive_count


def make_worker(batch_size=10):
    return routes.Worker(name="test-imports", queue=QUEUE, handler="tests.fixtures.local_sqs_worker", batch_size=batch_size)


@pytest.fixture
def queue(local_stack):
    """The imports queue and its DLQ, empty, and a poller with the test worker on it."""
    sqs = local_stack.boto("sqs")
    resources = local_stack.resources.queues[QUEUE]
    for url in (resources.url, resources.dlq_url):
        drain(sqs, url)
    local_sqs_worker.reset()

    def poller(batch_size=10, **kwargs):
        return SqsPoller(
            sqs_client=lambda: local_stack.boto("sqs"),
            bindings=local_stack.bindings([make_worker(batch_size)]),
            region=local_stack.region,
            registry=local_stack.registry,
            **kwargs,
        )

    yield {"sqs": sqs, "url": resources.url, "dlq_url": resources.dlq_url, "arn": resources.arn, "poller": poller}
    for url in (resources.url, resources.dlq_url):
        drain(sqs, url)


def drain(sqs, url):
    """Delete whatever is visible (PurgeQueue is limited to once a minute)."""
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])


def send(queue, *bodies, **attributes):
    ids = []
    for body in bodies:
        kwargs = {"MessageAttributes": attributes} if attributes else {}
        ids.append(queue["sqs"].send_message(QueueUrl=queue["url"], MessageBody=body, **kwargs)["MessageId"])
    return ids


def all_messages(sqs, url):
    """Every message visible in a queue now (receives them with a zero visibility timeout)."""
    found = {}
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0).get("Messages", [])
        new = [m for m in batch if m["MessageId"] not in found]
        if not new:
            return found
        found.update({m["MessageId"]: m["Body"] for m in new})


def release(queue, report):
    """Make the messages a test left in flight visible, for the fixture to drain them."""
    for batch in report.batches:
        for handle in batch.failed_receipt_handles:
            queue["sqs"].change_message_visibility(QueueUrl=queue["url"], ReceiptHandle=handle, VisibilityTimeout=0)


def counts(queue):
    attributes = queue["sqs"].get_queue_attributes(
        QueueUrl=queue["url"], AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return {"visible": int(attributes["ApproximateNumberOfMessages"]), "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"])}


def processed_ids():
    return [r["messageId"] for batch in local_sqs_worker.BATCHES for r in batch["records"]]


# --- resources from the route table ---------------------------------------------------------


def test_every_queue_has_a_dlq_with_the_tables_max_receive_count(local_stack):
    sqs = local_stack.boto("sqs")
    for spec in routes.QUEUES:
        queue = local_stack.resources.queues[spec.name]
        attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == queue.dlq_arn
        assert int(redrive["maxReceiveCount"]) == spec.max_receive_count
        assert local_stack.env[routes.queue_env(spec.name)] == queue.url


def test_buckets_secrets_mail_and_user_pool_exist_as_the_env_says(local_stack):
    env = local_stack.env
    s3 = local_stack.boto("s3")
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert set(bucket_names()) == {"assets", "uploads", "archive"}
    for name in bucket_names():
        assert env[routes.bucket_env(name)] in existing

    secrets = local_stack.boto("secretsmanager")
    for name in routes.SECRETS:
        described = secrets.describe_secret(SecretId=env[routes.secret_env(name)])
        assert described["Name"] == f"outreachpass/{local_stack.config.stage}/{name}"

    ses = local_stack.boto("ses")
    verified = ses.list_identities()["Identities"]
    assert env["DEFAULT_SENDER"] in verified
    assert env["SES_CONFIGURATION_SET"] in [c["Name"] for c in ses.list_configuration_sets()["ConfigurationSets"]]

    pool = local_stack.boto("cognito-idp").describe_user_pool(UserPoolId=env["USER_POOL_ID"])["UserPool"]
    custom = {a["Name"] for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")}
    assert custom == {"custom:tenant_id", "custom:role"}
    for key in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "DATABASE_URL", "PUBLIC_BASE_URL", "USER_POOL_CLIENT_ID", "STAGE"):
        assert env[key], key
    assert env["PUBLIC_BASE_URL"] == local_stack.api_url


def test_mail_sent_by_code_is_captured(local_stack):
    ses = local_stack.boto("sesv2")
    ses.send_email(
        FromEmailAddress=local_stack.env["DEFAULT_SENDER"],
        Destination={"ToAddresses": ["ada@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Your card"}, "Body": {"Text": {"Data": "Hello Ada"}}}},
    )
    mails = local_stack.sent_emails()
    assert any(m["subject"] == "Your card" and "ada@example.com" in json.dumps(m["destinations"]) for m in mails)
    page = local_stack.request("GET", "/_local/mail")
    assert page.status == 200
    assert any(m["subject"] == "Your card" for m in page.json())


# --- the event source mapping ---------------------------------------------------------------


def test_records_have_the_sqs_event_shape_and_successes_are_deleted(queue, local_stack):
    ids = send(queue, "ok", "ok", kind={"DataType": "String", "StringValue": "import"})
    report = queue["poller"]().run_once()
    assert report.succeeded == 2 and report.failed == 0
    assert sorted(processed_ids()) == sorted(ids)
    batch = local_sqs_worker.BATCHES[0]
    SqsModel(Records=batch["records"])  # Powertools' model of the event accepts it
    record = batch["records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue["arn"]
    assert record["awsRegion"] == local_stack.region
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= set(record["attributes"])
    assert record["messageAttributes"]["kind"]["stringValue"] == "import"
    assert batch["endpoint"] == local_stack.aws_endpoint_url  # the worker sees the stack's env
    assert batch["function_name"] == "outreachpass-local-tests-fixtures-local-sqs-worker"
    assert all_messages(queue["sqs"], queue["url"]) == {}


def test_partial_batch_failure_keeps_only_the_failed_record(queue):
    ok1, bad, ok2 = send(queue, "ok", "fail", "ok")
    report = queue["poller"](retry_delay_s=30).run_once(retries=False)
    assert report.invocations == 1
    assert sorted(report.batches[0].succeeded) == sorted([ok1, ok2])
    assert report.batches[0].failed == [bad]
    # The failed one waits (invisible) for its retry; the others are gone.
    assert counts(queue) == {"visible": 0, "in_flight": 1}
    release(queue, report)


def test_a_failing_message_goes_to_the_dlq_after_max_receive_count(queue):
    ok, bad = send(queue, "ok", "fail")
    report = queue["poller"]().run_once()
    assert processed_ids().count(bad) == MAX_RECEIVES  # tried exactly maxReceiveCount times
    assert processed_ids().count(ok) == 1
    assert report.failed == MAX_RECEIVES
    assert all_messages(queue["sqs"], queue["url"]) == {}
    assert all_messages(queue["sqs"], queue["dlq_url"]) == {bad: "fail"}


def test_an_exception_fails_the_whole_batch_and_it_is_retried(queue):
    ok, flaky = send(queue, "ok", "crash-once")
    report = queue["poller"]().run_once()
    assert report.batches[0].error is not None
    assert sorted(report.batches[0].failed) == sorted([ok, flaky])  # the whole batch
    assert processed_ids().count(ok) == 2  # retried with the batch
    assert processed_ids().count(flaky) == 2
    assert all_messages(queue["sqs"], queue["url"]) == {}
    assert all_messages(queue["sqs"], queue["dlq_url"]) == {}


def test_a_response_naming_an_unknown_message_fails_the_whole_batch(queue):
    ids = send(queue, "ok", "bad-id")
    report = queue["poller"](retry_delay_s=30).run_once(retries=False)
    assert report.invocations == 1
    assert sorted(report.batches[0].failed) == sorted(ids)
    assert report.batches[0].succeeded == []
    assert counts(queue) == {"visible": 0, "in_flight": 2}
    release(queue, report)


def test_batches_are_no_larger_than_the_workers_batch_size(queue):
    ids = send(queue, *["ok"] * 5)
    report = queue["poller"](batch_size=2).run_once()
    assert report.succeeded == 5
    assert all(len(batch["records"]) <= 2 for batch in local_sqs_worker.BATCHES)
    assert sorted(processed_ids()) == sorted(ids)


def test_the_background_poller_processes_messages_and_stops(queue):
    poller = queue["poller"](wait_time_s=1)
    poller.start()
    try:
        (sent,) = send(queue, "ok")
        deadline = time.monotonic() + 60  # a bound against hanging, not a speed requirement
        while sent not in processed_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sent in processed_ids()
    finally:
        poller.stop()
    assert not any(t.name == "sqs-test-imports" and t.is_alive() for t in threading.enumerate())


def test_the_stacks_own_run_workers_once_covers_the_route_tables_workers(local_stack):
    # routes.WORKERS drives it: every table worker is bound to its queue.
    assert [b.worker for b in local_stack.poller.bindings] == list(routes.WORKERS)
    report = local_stack.run_workers_once()
    assert report.failed == 0


def test_resources_are_recreated_after_another_test_reset_moto(local_stack, tenant_factory):
    from moto import mock_aws

    old_pool = local_stack.user_pool_id
    with mock_aws():  # what another test in the same process may do: it empties moto on entry and exit
        pass
    assert local_stack.ensure_provisioned() is True
    assert local_stack.user_pool_id != old_pool
    assert local_stack.env["USER_POOL_ID"] == local_stack.user_pool_id
    sqs = local_stack.boto("sqs")
    for spec in routes.QUEUES:
        attributes = sqs.get_queue_attributes(QueueUrl=local_stack.resources.queues[spec.name].url, AttributeNames=["RedrivePolicy"])
        assert json.loads(attributes["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == spec.max_receive_count
    token = local_stack.token_for(tenant_factory(), "admin")
    assert local_stack.request("GET", "/api/v1/admin/events", token=token).status == 200
    assert local_stack.ensure_provisioned() is False  # nothing to do the second time
