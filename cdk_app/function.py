"""The per-entry Lambda function: code, layers, environment, log group and a role granting only its Needs.

With `snapstart`, the function is published with SnapStart (`ON_PUBLISHED_VERSIONS`) and gets a
version (CDK's `current_version`: a new one whenever code, layers or configuration change) and the
alias `live` on it; its caller (the HTTP API) must invoke `invoke_target`, the alias, because
`$LATEST` never runs from a snapshot. Replaced versions are deleted, not retained: each published
version with SnapStart holds a cached snapshot, which is billed.

The role is closed to later additions (`without_policy_updates`): whatever CDK integrations would
add implicitly (event sources, dead-letter queues, tracing) is written here explicitly, so the
policy is exactly what the table entry names and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

import routes as route_contract
from cdk_app.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, core_layer_code, dependencies_layer_code
from cdk_app.config import DeploymentConfig
from cdk_app.nag import suppress, wildcard_finding
from cdk_app.naming import Naming
from cdk_app.table import FunctionSpec

_T = TypeVar("_T")

LIVE_ALIAS = "live"  # the alias SnapStart functions are invoked through

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}

S3_READ_ACTIONS = ("s3:GetObject",)
S3_WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")
SQS_SEND_ACTIONS = ("sqs:SendMessage",)
# Reading a DLQ without consuming it (the messages stay for the alarm, inspection and redrive).
SQS_PEEK_ACTIONS = ("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes")
SQS_CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue",)
SES_SEND_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")
SES_IDENTITY_READ_ACTIONS = ("ses:GetEmailIdentity",)
COGNITO_ADMIN_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:ListUsers",
)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# The same actions as the AWS managed AWSLambdaVPCAccessExecutionRole policy.
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def retention(days: int) -> logs.RetentionDays:
    return _RETENTION[days]


def object_arn(bucket_name: str, prefix: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:s3:::{bucket_name}/{prefix}*"


def object_arn_pattern(bucket_name: str, prefix: str) -> str:
    """object_arn as cdk-nag prints it (the partition reference flattened)."""
    return f"arn:<AWS::Partition>:s3:::{bucket_name}/{prefix}*"


@dataclass(frozen=True)
class DatabaseAccess:
    """How functions reach PostgreSQL: through the RDS Proxy, as the application role."""

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    security_group: ec2.ISecurityGroup
    host: str
    port: str
    name: str
    app_secret: secretsmanager.ISecret


@dataclass(frozen=True)
class EmailSending:
    """SES resources the send_email functions may use (platform and tenant identities and sets)."""

    identity_arns: tuple[str, ...]
    configuration_set_arns: tuple[str, ...]
    configuration_set: str  # the default set, passed as SES_CONFIGURATION_SET
    default_sender: str


@dataclass(frozen=True)
class FunctionResources:
    """Everything a stack shares between its functions; each function takes only what its Needs name."""

    naming: Naming
    stage: str
    public_base_url: str
    log_level: str
    log_retention_days: int
    removal_policy: cdk.RemovalPolicy
    code: lambda_.Code
    layers: tuple[lambda_.ILayerVersion, ...]
    tracing_policy: iam.IManagedPolicy
    vpc_access_policy: iam.IManagedPolicy
    database: DatabaseAccess | None = None
    bucket_names: dict[str, str] = field(default_factory=dict)  # logical name -> fixed bucket name
    queues: dict[str, sqs.IQueue] = field(default_factory=dict)
    dead_letter_queues: dict[str, sqs.IQueue] = field(default_factory=dict)  # a work queue's name -> its DLQ
    secrets: dict[str, secretsmanager.ISecret] = field(default_factory=dict)
    email: EmailSending | None = None
    user_pool: cognito.IUserPool | None = None
    assets_base_url: str | None = None  # the edge serving the public assets; None: the card page presigns
    # The origin-verify secret every public route reads, in this region, by name: its ARN without the
    # random suffix (GetSecretValue accepts it; the policy adds the suffix's "-??????").
    origin_secret_arn: str | None = None
    # The Parameters and Secrets extension, added to every function that reads a secret (reads_secrets).
    secrets_extension: lambda_.ParamsAndSecretsLayerVersion | None = None


SECRETS_EXTENSION_PORT = 2773  # the extension's default; outreachpass.integrations.secrets reads the variable
SECRETS_EXTENSION_TTL_S = 300  # as long as the functions keep a value themselves (DEFAULT_MAX_AGE_S)


def secrets_extension(config: DeploymentConfig) -> lambda_.ParamsAndSecretsLayerVersion | None:
    """The AWS Parameters and Secrets Lambda Extension as the deployment configures it (None: off).

    Its layer is AWS's, one per region and architecture: the configured ARN, else the arm64 layer of
    the version CDK knows in the stack's region. It reads with the function's own role, so the
    function's policy stays exactly secretsmanager:GetSecretValue on the secrets it names."""
    if not config.secrets_extension:
        return None
    ttl = cdk.Duration.seconds(SECRETS_EXTENSION_TTL_S)
    if config.secrets_extension_layer_arn:
        return lambda_.ParamsAndSecretsLayerVersion.from_version_arn(
            config.secrets_extension_layer_arn, cache_enabled=True, http_port=SECRETS_EXTENSION_PORT, secrets_manager_ttl=ttl
        )
    return lambda_.ParamsAndSecretsLayerVersion.from_version(
        lambda_.ParamsAndSecretsVersions.V1_0_103, cache_enabled=True, http_port=SECRETS_EXTENSION_PORT, secrets_manager_ttl=ttl
    )


def reads_secrets(spec: FunctionSpec) -> bool:
    """Whether the function reads a Secrets Manager secret at run time: the database's credentials,
    a secret its Needs name, or (public routes) the origin-verify secret."""
    return bool(spec.needs.database or spec.needs.secrets or spec.is_public_route)


def shared_managed_policies(scope: Construct) -> tuple[iam.ManagedPolicy, iam.ManagedPolicy]:
    """Tracing and VPC-networking permissions every function role shares; both need Resource '*'."""
    tracing = iam.ManagedPolicy(
        scope,
        "FunctionTracingPolicy",
        description="X-Ray segments from Lambda functions",
        statements=[iam.PolicyStatement(actions=list(XRAY_ACTIONS), resources=["*"])],
    )
    vpc_access = iam.ManagedPolicy(
        scope,
        "FunctionVpcAccessPolicy",
        description="Elastic network interfaces for Lambda functions in the VPC",
        statements=[iam.PolicyStatement(actions=list(VPC_ACCESS_ACTIONS), resources=["*"])],
    )
    reason = "{} do not support resource-level permissions; this policy holds no other action"
    suppress(tracing, wildcard_finding("*"), reason.format("X-Ray PutTraceSegments/PutTelemetryRecords"))
    suppress(vpc_access, wildcard_finding("*"), reason.format("Lambda VPC network-interface actions"))
    return tracing, vpc_access


class AppFunction(Construct):
    """One Lambda function for one table entry (or a deploy-time job), with its own role and log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        resources: FunctionResources,
        consume_queue: sqs.IQueue | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        extra_environment: dict[str, str] | None = None,
        extra_statements: list[iam.PolicyStatement] | None = None,
        extra_layers: tuple[lambda_.ILayerVersion, ...] = (),
        snapstart: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        needs = spec.needs
        database = resources.database if needs.database else None
        if needs.database and database is None:
            raise ValueError(f"{spec.slug} needs the database but this stack has no database access")
        self.function_name = resources.naming.function_name(spec.slug)

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=retention(resources.log_retention_days),
            removal_policy=resources.removal_policy,
        )
        statements = [
            iam.PolicyStatement(actions=list(LOG_ACTIONS), resources=[self.log_group.log_group_arn]),
            *self._need_statements(spec, resources),
            *(extra_statements or []),
        ]
        if consume_queue is not None:
            statements.append(
                iam.PolicyStatement(actions=list(SQS_CONSUME_ACTIONS), resources=[consume_queue.queue_arn])
            )
        if dead_letter_queue is not None:
            statements.append(
                iam.PolicyStatement(actions=list(SQS_SEND_ACTIONS), resources=[dead_letter_queue.queue_arn])
            )
        managed = [resources.tracing_policy, *([resources.vpc_access_policy] if needs.database else [])]
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{self.function_name}: exactly the access its table entry names",
            managed_policies=managed,
            inline_policies={"Needs": iam.PolicyDocument(statements=statements)},
        )
        for grant in needs.buckets:
            suppress(
                self.role,
                wildcard_finding(object_arn_pattern(resources.bucket_names[grant.bucket], grant.prefix)),
                f"object actions on the keys under {grant.bucket}/{grant.prefix}, the prefix the table entry grants",
            )

        self.function = lambda_.Function(
            self,
            "Function",
            function_name=self.function_name,
            description=spec.description,
            code=resources.code,
            handler=spec.handler_path,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            memory_size=needs.memory_mb,
            timeout=cdk.Duration.seconds(needs.timeout_s),
            layers=[*resources.layers, *extra_layers],
            params_and_secrets=resources.secrets_extension if reads_secrets(spec) else None,
            # Closed role: CDK integrations cannot widen it behind the table's back.
            role=self.role.without_policy_updates(),
            environment={**self._environment(spec, resources), **(extra_environment or {})},
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self.log_group,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=2 if dead_letter_queue is not None else None,
            vpc=database.vpc if database else None,
            vpc_subnets=database.subnets if database else None,
            security_groups=[database.security_group] if database else None,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snapstart else None,
            current_version_options=lambda_.VersionOptions(removal_policy=cdk.RemovalPolicy.DESTROY)
            if snapstart
            else None,
        )
        # What a trigger invokes: the alias on the current version with SnapStart, else the function ($LATEST).
        self.alias: lambda_.Alias | None = None
        self.invoke_target: lambda_.IFunction = self.function
        if snapstart:
            self.alias = lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            self.invoke_target = self.alias
            cdk.Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish", "published: current_version and the live alias on it"
            )
        suppress(
            self.function,
            "AwsSolutions-L1",
            "python3.12 on purpose: the dependencies layer is built from cp312 arm64 wheels; "
            "moving runtimes is a deliberate change of both",
        )

    @staticmethod
    def _environment(spec: FunctionSpec, resources: FunctionResources) -> dict[str, str]:
        needs = spec.needs
        environment = {
            "STAGE": resources.stage,
            "PUBLIC_BASE_URL": resources.public_base_url,
            "POWERTOOLS_SERVICE_NAME": "outreachpass",
            "POWERTOOLS_METRICS_NAMESPACE": resources.naming.metrics_namespace,
            "POWERTOOLS_LOG_LEVEL": resources.log_level,
        }
        if resources.assets_base_url:
            environment["ASSETS_BASE_URL"] = resources.assets_base_url
        if needs.database and resources.database:
            environment |= {
                "DB_HOST": resources.database.host,
                "DB_PORT": resources.database.port,
                "DB_NAME": resources.database.name,
                "DB_SECRET_ARN": resources.database.app_secret.secret_arn,
            }
        for grant in needs.buckets:
            environment[route_contract.bucket_env(grant.bucket)] = resources.bucket_names[grant.bucket]
        for queue in needs.send_queues:
            environment[route_contract.queue_env(queue)] = resources.queues[queue].queue_url
        for queue in needs.dead_letters:
            environment[route_contract.dead_letter_env(queue)] = resources.dead_letter_queues[queue].queue_url
        for secret in needs.secrets:
            environment[route_contract.secret_env(secret)] = resources.secrets[secret].secret_arn
        if needs.cognito_admin:
            environment["USER_POOL_ID"] = _required(resources.user_pool, spec, "a user pool").user_pool_id
        if spec.is_public_route:
            secret = _required(resources.origin_secret_arn, spec, "the origin-verify secret")
            environment[route_contract.secret_env(route_contract.ORIGIN_VERIFY_SECRET)] = secret
        if needs.send_email:
            email = _required(resources.email, spec, "SES")
            environment |= {"SES_CONFIGURATION_SET": email.configuration_set, "DEFAULT_SENDER": email.default_sender}
        return environment

    @staticmethod
    def _need_statements(spec: FunctionSpec, resources: FunctionResources) -> list[iam.PolicyStatement]:
        needs = spec.needs
        statements: list[iam.PolicyStatement] = []
        if needs.database and resources.database:
            statements.append(
                iam.PolicyStatement(
                    actions=list(SECRET_READ_ACTIONS), resources=[resources.database.app_secret.secret_arn]
                )
            )
        for grant in needs.buckets:
            actions = {"read": S3_READ_ACTIONS, "write": S3_WRITE_ACTIONS}.get(
                grant.access, S3_READ_ACTIONS + S3_WRITE_ACTIONS
            )
            arn = object_arn(resources.bucket_names[grant.bucket], grant.prefix)
            statements.append(iam.PolicyStatement(actions=list(actions), resources=[arn]))
        if needs.send_queues:
            arns = [resources.queues[queue].queue_arn for queue in needs.send_queues]
            statements.append(iam.PolicyStatement(actions=list(SQS_SEND_ACTIONS), resources=arns))
        if needs.dead_letters:
            arns = [resources.dead_letter_queues[queue].queue_arn for queue in needs.dead_letters]
            statements.append(iam.PolicyStatement(actions=list(SQS_PEEK_ACTIONS), resources=arns))
        secret_arns = [resources.secrets[secret].secret_arn for secret in needs.secrets]
        if spec.is_public_route:  # public routes check the origin-verify header against it
            secret_arns.append(_required(resources.origin_secret_arn, spec, "the origin-verify secret") + "-??????")
        if secret_arns:
            statements.append(iam.PolicyStatement(actions=list(SECRET_READ_ACTIONS), resources=secret_arns))
        if needs.send_email:
            email = _required(resources.email, spec, "SES")
            statements.append(
                iam.PolicyStatement(
                    actions=list(SES_SEND_ACTIONS),
                    resources=[*email.identity_arns, *email.configuration_set_arns],
                )
            )
        if needs.read_email_identities:
            # The identities the senders may send from, no others: an address SES would cover with another
            # identity is refused (AccessDenied reads as "not ours"), as the send functions could not use it.
            email = _required(resources.email, spec, "SES")
            statements.append(iam.PolicyStatement(actions=list(SES_IDENTITY_READ_ACTIONS), resources=[*email.identity_arns]))
        if needs.cognito_admin:
            pool = _required(resources.user_pool, spec, "a user pool")
            statements.append(iam.PolicyStatement(actions=list(COGNITO_ADMIN_ACTIONS), resources=[pool.user_pool_arn]))
        return statements


def _required(value: _T | None, spec: FunctionSpec, what: str) -> _T:
    if value is None:
        raise ValueError(f"{spec.slug} needs {what}, which this stack does not provide")
    return value


def runtime_layers(scope: Construct, *, stub_dependencies: bool) -> tuple[lambda_.LayerVersion, lambda_.LayerVersion]:
    """The core and dependencies layers, created per stack (no cross-stack layer exports to get stuck on)."""
    common = {
        "compatible_runtimes": [LAMBDA_RUNTIME],
        "compatible_architectures": [LAMBDA_ARCHITECTURE],
    }
    core = lambda_.LayerVersion(
        scope, "CoreLayer", code=core_layer_code(tests_only=stub_dependencies), description="outreachpass runtime library", **common
    )
    dependencies = lambda_.LayerVersion(
        scope,
        "DependenciesLayer",
        code=dependencies_layer_code(stub=stub_dependencies),
        description="third-party packages from requirements.txt (cp312, manylinux aarch64)",
        **common,
    )
    return core, dependencies
