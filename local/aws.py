"""moto on loopback, and the AWS resources of the route table created in it.

The code under test talks to moto exactly as it talks to AWS: boto3 clients honour
`AWS_ENDPOINT_URL`, so nothing in the handlers knows it runs locally. Resources:
- S3 buckets assets / uploads / archive (the logical names of `routes.BucketGrant`);
- one SQS queue per `routes.QUEUES`, each with a DLQ and a RedrivePolicy whose
  maxReceiveCount is the table's (moto moves a message to the DLQ on the receive after
  the last allowed one, as SQS does);
- the SES sender identity and configuration set;
- one Secrets Manager secret per `routes.SECRETS` (values: see `register_secret_value`), and the
  origin-verify secret the edge would create (local.edge; the gateway sends its value as CloudFront does);
- the Cognito user pool (local.cognito).
"""

from __future__ import annotations

import json
import logging
import threading
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import routes
from local import edge
from local.config import ACCOUNT_ID, LocalConfig
from local.state import LocalState

log = logging.getLogger("local.aws")

DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# Secret values by logical name: a factory called once; its result is kept in the local
# state file so that it survives restarts (e.g. the tracking HMAC key keeps old links valid).
SecretFactory = Callable[[], str]
_SECRET_FACTORIES: dict[str, SecretFactory] = {}
_secret_lock = threading.Lock()


def register_secret_value(name: str, factory: SecretFactory | str) -> None:
    """Give the local secret `name` (a logical name from routes.SECRETS) its value.

    Feature code that needs a secret locally (e.g. a generated development signing
    certificate) registers a factory before the stack starts; a plain string is accepted
    too. Without a registration a secret holds "{}" (and is created anyway, so the
    function's <NAME>_SECRET_ARN always resolves). A running stack can also be given a
    value later with `LocalAws.put_secret_value`.
    """
    if name not in routes.SECRETS:
        raise ValueError(f"unknown secret '{name}': add it to routes.SECRETS first")
    with _secret_lock:
        _SECRET_FACTORIES[name] = (lambda value=factory: value) if isinstance(factory, str) else factory


def bucket_names() -> tuple[str, ...]:
    """The logical bucket names, read from routes.BucketGrant (not repeated here)."""
    hints = typing.get_type_hints(routes.BucketGrant)
    return typing.get_args(hints["bucket"])


class MotoServer:
    """moto's ThreadedMotoServer on 127.0.0.1, any free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._host = host
        self._port = port
        self._server: Any = None
        self.endpoint_url: str | None = None

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        # moto's werkzeug server logs every request at INFO; our own log says enough.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


@dataclass
class QueueResources:
    name: str
    url: str
    arn: str
    dlq_url: str
    dlq_arn: str
    max_receive_count: int


@dataclass
class AwsResources:
    endpoint_url: str
    region: str
    buckets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, QueueResources] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # logical name -> ARN
    origin_verify: str = ""  # the value CloudFront would send (local.edge)
    ses_configuration_set: str = ""
    sender: str = ""

    def env(self) -> dict[str, str]:
        """The environment contract of lambdas/routes.py for these resources."""
        env: dict[str, str] = {}
        for name, bucket in self.buckets.items():
            env[routes.bucket_env(name)] = bucket
        for name, queue in self.queues.items():
            env[routes.queue_env(name)] = queue.url
            env[routes.dead_letter_env(name)] = queue.dlq_url
        for name, arn in self.secrets.items():
            env[routes.secret_env(name)] = arn
        env["SES_CONFIGURATION_SET"] = self.ses_configuration_set
        env["DEFAULT_SENDER"] = self.sender
        return env


class LocalAws:
    """Creates the resources in moto and hands out clients for it."""

    def __init__(self, config: LocalConfig, endpoint_url: str, state: LocalState):
        self.config = config
        self.endpoint_url = endpoint_url
        self.state = state
        self._session: Any = None
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session(region_name=self.config.region, **DUMMY_CREDENTIALS)
        return self._session.client(
            service,
            endpoint_url=self.endpoint_url,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    def provision(self) -> AwsResources:
        resources = AwsResources(endpoint_url=self.endpoint_url, region=self.config.region)
        self._buckets(resources)
        self._queues(resources)
        self._upload_triggers(resources)
        self._ses(resources)
        self._secrets(resources)
        return resources

    def _buckets(self, resources: AwsResources) -> None:
        s3 = self.client("s3")
        for name in bucket_names():
            bucket = self.config.resource_name(name)
            s3.create_bucket(Bucket=bucket)
            resources.buckets[name] = bucket

    def _queues(self, resources: AwsResources) -> None:
        sqs = self.client("sqs")
        visibility = str(self.config.visibility_timeout_s)
        for queue in routes.QUEUES:
            base = self.config.resource_name(queue.name)
            dlq_url = sqs.create_queue(QueueName=f"{base}-dlq", Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
            dlq_arn = self._queue_arn(sqs, dlq_url)
            redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count})
            url = sqs.create_queue(QueueName=base, Attributes={"VisibilityTimeout": visibility, "RedrivePolicy": redrive})["QueueUrl"]
            resources.queues[queue.name] = QueueResources(
                name=queue.name,
                url=url,
                arn=self._queue_arn(sqs, url),
                dlq_url=dlq_url,
                dlq_arn=dlq_arn,
                max_receive_count=queue.max_receive_count,
            )

    def _upload_triggers(self, resources: AwsResources) -> None:
        """S3 -> SQS notifications of routes.UPLOAD_TRIGGERS; moto delivers them as S3 does
        (including the s3:TestEvent it sends when a configuration is put)."""
        s3 = self.client("s3")
        by_bucket: dict[str, list[dict[str, Any]]] = {}
        for index, trigger in enumerate(routes.UPLOAD_TRIGGERS):
            rules = [{"Name": "prefix", "Value": trigger.prefix}]
            if trigger.suffix:
                rules.append({"Name": "suffix", "Value": trigger.suffix})
            by_bucket.setdefault(trigger.bucket, []).append(
                {
                    "Id": f"{trigger.queue}-{index}",
                    "QueueArn": resources.queues[trigger.queue].arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            )
        for bucket, configurations in by_bucket.items():
            s3.put_bucket_notification_configuration(
                Bucket=resources.buckets[bucket], NotificationConfiguration={"QueueConfigurations": configurations}
            )

    @staticmethod
    def _queue_arn(sqs: Any, url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def _ses(self, resources: AwsResources) -> None:
        ses = self.client("ses")
        sender = self.config.sender
        ses.verify_email_identity(EmailAddress=sender)
        ses.verify_domain_identity(Domain=sender.split("@", 1)[1])
        configuration_set = self.config.resource_name("default")
        ses.create_configuration_set(ConfigurationSet={"Name": configuration_set})
        resources.ses_configuration_set = configuration_set
        resources.sender = sender

    def _secrets(self, resources: AwsResources) -> None:
        client = self.client("secretsmanager")
        with _secret_lock:
            factories = dict(_SECRET_FACTORIES)
        for name in routes.SECRETS:
            factory = factories.get(name)
            value = self.state.get_or_create(f"secret:{name}", factory) if factory else "{}"
            arn = client.create_secret(Name=self.config.secret_name(name), SecretString=value)["ARN"]
            resources.secrets[name] = arn
        origin = self.state.get_or_create(f"secret:{routes.ORIGIN_VERIFY_SECRET}", edge.new_secret_value)
        name = self.config.secret_name(routes.ORIGIN_VERIFY_SECRET)
        resources.secrets[routes.ORIGIN_VERIFY_SECRET] = client.create_secret(Name=name, SecretString=origin)["ARN"]
        resources.origin_verify = edge.current_value(origin)

    def put_secret_value(self, name: str, value: str) -> None:
        """Replace a secret's value in the running stack (not persisted)."""
        self.client("secretsmanager").put_secret_value(SecretId=self.config.secret_name(name), SecretString=value)

    def sent_emails(self) -> list[dict[str, Any]]:
        """Mail "sent" through SES (v1 or v2) in this process's moto, oldest first."""
        from moto.ses.models import ses_backends

        backend = ses_backends[ACCOUNT_ID][self.config.region]
        mails: list[dict[str, Any]] = []
        for message in list(backend.sent_messages):
            mails.append(
                {
                    "id": getattr(message, "id", None) or ",".join(getattr(message, "ids", []) or []),
                    "kind": type(message).__name__,
                    "source": getattr(message, "source", None),
                    "destinations": getattr(message, "destinations", None),
                    "subject": getattr(message, "subject", None),
                    "body": getattr(message, "body", None),
                    "template": getattr(message, "template", None),
                    "template_data": getattr(message, "template_data", None),
                    "raw": getattr(message, "raw_data", None),
                }
            )
        return mails
