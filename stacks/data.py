"""Data: the VPC (with interface endpoints unless the config turns them off), Aurora PostgreSQL 16
Serverless v2 behind an RDS Proxy (unless the config turns it off), its credentials, the integration
secrets operators fill in, and the custom resource that applies migrations on every deploy."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_app.bundling import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_RUNTIME,
    MIGRATIONS_MOUNT,
    function_code,
    migrations_digest,
    migrations_layer_code,
)
from cdk_app.config import DeploymentConfig
from cdk_app.function import (
    SECRET_READ_ACTIONS,
    AppFunction,
    DatabaseAccess,
    FunctionResources,
    retention,
    runtime_layers,
    shared_managed_policies,
)
from cdk_app.nag import suppress, wildcard_finding
from cdk_app.naming import Naming, pascal
from cdk_app.table import FunctionSpec, RouteTable
from routes import Needs
from stacks.base import AppStack

VPC_CIDR = "10.40.0.0/16"
ROTATION = cdk.Duration.days(30)
DB_NAME = "outreachpass"
DB_PORT = 5432
MASTER_USER = "outreachpass_admin"
APP_USER = "outreachpass_app"  # the non-owner role the functions connect as (row-level security applies)
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13
# An empty JSON object: the runtime reads it as "not configured" (and for apns: use the pass certificate).
NOT_CONFIGURED = "{}"
MIGRATE_HANDLER = "handlers.jobs.migrate"


class DataStack(AppStack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        table: RouteTable,
        stub_dependencies: bool,
    ) -> None:
        super().__init__(scope, stack_name, config=config, naming=naming, description="VPC, Aurora PostgreSQL, secrets")
        self._network()
        self._database()
        self.integration_secrets = {name: self._integration_secret(name) for name in table.secrets}
        self._migrations(stub_dependencies)

    # -- network -------------------------------------------------------------------------------
    def _network(self) -> None:
        app_subnet_type = (
            ec2.SubnetType.PRIVATE_WITH_EGRESS if self.config.nat_gateways else ec2.SubnetType.PRIVATE_ISOLATED
        )
        subnets = [
            ec2.SubnetConfiguration(name="App", subnet_type=app_subnet_type, cidr_mask=22),
            ec2.SubnetConfiguration(name="Data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
        ]
        if self.config.nat_gateways:
            subnets.insert(0, ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24))
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            availability_zones=list(self.config.zones),
            nat_gateways=self.config.nat_gateways,
            subnet_configuration=subnets,
        )
        suppress(
            self.vpc,
            "CloudFormation-Validate::W3010",
            "availability zones come from the deployment config on purpose: synth needs no AWS look-up",
        )
        flow_logs = logs.LogGroup(
            self, "VpcFlowLogs", retention=retention(self.config.log_retention_days), removal_policy=self.removal_policy
        )
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
        self.app_subnets = ec2.SubnetSelection(subnet_group_name="App")
        data_subnets = ec2.SubnetSelection(subnet_group_name="Data")

        # AWS services through endpoints, not the NAT: S3 (gateway, free) and, unless the config turns them
        # off to save their hourly price, the APIs the functions call.
        self.vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)
        if self.config.interface_endpoints:
            self._interface_endpoints()
        self._security_groups()
        self._data_subnets = data_subnets

    def _interface_endpoints(self) -> None:
        services = {
            "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
            "Ses": ec2.InterfaceVpcEndpointAwsService.EMAIL,
            "CognitoIdp": ec2.InterfaceVpcEndpointAwsService.COGNITO_IDP,
        }
        endpoints_security_group = ec2.SecurityGroup(
            self,
            "EndpointsSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from the VPC",
            allow_all_outbound=False,
        )
        # The literal CIDR (not the VPC's token) lets the synth-time checks see what is allowed.
        endpoints_security_group.add_ingress_rule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), "HTTPS from the VPC")
        for name, service in services.items():
            self.vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=service,
                subnets=self.app_subnets,
                open=False,
                security_groups=[endpoints_security_group],
            )

    def _security_groups(self) -> None:
        self.functions_security_group = ec2.SecurityGroup(
            self,
            "FunctionsSecurityGroup",
            vpc=self.vpc,
            description="Lambda functions that use the database",
            allow_all_outbound=True,
        )
        self.migrations_security_group = ec2.SecurityGroup(
            self,
            "MigrationsSecurityGroup",
            vpc=self.vpc,
            description="The deploy-time migrations function",
            allow_all_outbound=True,
        )
        self.database_security_group = ec2.SecurityGroup(
            self, "DatabaseSecurityGroup", vpc=self.vpc, description="Aurora cluster", allow_all_outbound=False
        )
        postgres = ec2.Port.tcp(DB_PORT)
        if self.config.rds_proxy:
            self.proxy_security_group = ec2.SecurityGroup(
                self, "ProxySecurityGroup", vpc=self.vpc, description="RDS Proxy", allow_all_outbound=True
            )
            self.proxy_security_group.add_ingress_rule(self.functions_security_group, postgres, "functions to the proxy")
            self.database_security_group.add_ingress_rule(self.proxy_security_group, postgres, "proxy to the cluster")
        else:
            self.database_security_group.add_ingress_rule(self.functions_security_group, postgres, "functions")
        self.database_security_group.add_ingress_rule(self.migrations_security_group, postgres, "migrations")

    # -- database ------------------------------------------------------------------------------
    def _database(self) -> None:
        config = self.config
        cluster_identifier = f"{self.naming.resource_prefix}-db"
        self.cluster_identifier = cluster_identifier
        # Created up front with our retention (instead of a log-retention custom resource).
        postgres_logs = logs.LogGroup(
            self,
            "PostgresLogs",
            log_group_name=f"/aws/rds/cluster/{cluster_identifier}/postgresql",
            retention=retention(config.log_retention_days),
            removal_policy=self.removal_policy,
        )
        parameters = rds.ParameterGroup(
            self,
            "ClusterParameters",
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            description="OutreachPass: TLS only, slow statements logged",
            parameters={"rds.force_ssl": "1", "log_min_duration_statement": "1000"},
        )
        readers = [
            rds.ClusterInstance.serverless_v2(f"Reader{index + 1}", scale_with_writer=True)
            for index in range(config.aurora.readers)
        ]
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=cluster_identifier,
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            parameter_group=parameters,
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            readers=readers,
            serverless_v2_min_capacity=config.aurora.min_acu,
            serverless_v2_max_capacity=config.aurora.max_acu,
            credentials=rds.Credentials.from_generated_secret(
                MASTER_USER, secret_name=self.naming.secret_name("database/master")
            ),
            default_database_name=DB_NAME,
            port=DB_PORT,
            vpc=self.vpc,
            vpc_subnets=self._data_subnets,
            security_groups=[self.database_security_group],
            storage_encrypted=True,
            iam_authentication=True,
            backup=rds.BackupProps(retention=cdk.Duration.days(7), preferred_window="02:00-03:00"),
            deletion_protection=config.is_production_like,
            removal_policy=cdk.RemovalPolicy.SNAPSHOT,
            cloudwatch_logs_exports=["postgresql"],
            copy_tags_to_snapshot=True,
        )
        self.cluster.node.add_dependency(postgres_logs)
        suppress(
            self.cluster,
            "AwsSolutions-RDS11",
            "the cluster accepts connections only from the proxy (or, without one, the functions) and migrations "
            "security groups inside the VPC; "
            "a non-default port would add no protection",
        )
        if not config.is_production_like:
            suppress(
                self.cluster,
                "AwsSolutions-RDS10",
                "dev is disposable; every other stage has deletion protection (config.is_production_like)",
            )
        self.master_secret = self.cluster.secret
        self.app_secret = rds.DatabaseSecret(
            self,
            "AppSecret",
            username=APP_USER,
            secret_name=self.naming.secret_name("database/app"),
            master_secret=self.master_secret,
        )
        self.app_secret.attach(self.cluster)
        # Both credentials rotate every 30 days, each user changing its own password (single user):
        # the migrations handler insists on the role outreachpass_app, so no alternating clone user.
        self.cluster.add_rotation_single_user(automatically_after=ROTATION, vpc_subnets=self.app_subnets)
        self.app_secret_rotation = secretsmanager.SecretRotation(
            self,
            "AppSecretRotation",
            application=secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
            secret=self.app_secret,
            target=self.cluster,
            vpc=self.vpc,
            vpc_subnets=self.app_subnets,
            automatically_after=ROTATION,
        )
        # The functions reach PostgreSQL through the proxy, or (config rds_proxy false) the writer itself.
        host = self._proxy() if self.config.rds_proxy else self.cluster.cluster_endpoint.hostname
        self.database_access = DatabaseAccess(
            vpc=self.vpc,
            subnets=self.app_subnets,
            security_group=self.functions_security_group,
            host=host,
            port=str(DB_PORT),
            name=DB_NAME,
            app_secret=self.app_secret,
        )
        cdk.CfnOutput(self, "ClusterEndpoint", value=self.cluster.cluster_endpoint.hostname)

    def _proxy(self) -> str:
        self.proxy = self.cluster.add_proxy(
            "Proxy",
            db_proxy_name=f"{self.naming.resource_prefix}-proxy",
            secrets=[self.app_secret],
            vpc=self.vpc,
            vpc_subnets=self._data_subnets,
            security_groups=[self.proxy_security_group],
            require_tls=True,
            # The migrations store the app role's password as a SCRAM verifier.
            client_password_auth_type=rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
            borrow_timeout=cdk.Duration.seconds(30),
        )
        cdk.CfnOutput(self, "ProxyEndpoint", value=self.proxy.endpoint)
        return self.proxy.endpoint

    def _integration_secret(self, name: str) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            f"{pascal(name)}Secret",
            secret_name=self.naming.secret_name(name),
            description=f"OutreachPass {name} credentials; the value is set by an operator (docs/deploying.md)",
            # A constant initial value: CloudFormation never overwrites the value an operator puts in.
            secret_string_value=cdk.SecretValue.unsafe_plain_text(NOT_CONFIGURED),
            removal_policy=self.removal_policy,
        )
        suppress(
            secret,
            "AwsSolutions-SMG4",
            f"{name} holds credentials issued by a third party (Apple, Google) or a signing key; operators rotate "
            "them with the issuer, as docs/deploying.md describes",
        )
        return secret

    # -- migrations ----------------------------------------------------------------------------
    def _migrations(self, stub_dependencies: bool) -> None:
        core, dependencies = runtime_layers(self, stub_dependencies=stub_dependencies)
        migrations_layer = lambda_.LayerVersion(
            self,
            "MigrationsLayer",
            code=migrations_layer_code(),
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            description=f"migrations/*.sql at {MIGRATIONS_MOUNT}",
        )
        tracing, vpc_access = shared_managed_policies(self)
        resources = FunctionResources(
            naming=self.naming,
            stage=self.config.stage,
            public_base_url="",
            log_level=self.config.log_level,
            log_retention_days=self.config.log_retention_days,
            removal_policy=self.removal_policy,
            code=function_code(tests_only=stub_dependencies),
            layers=(core, dependencies),
            tracing_policy=tracing,
            vpc_access_policy=vpc_access,
            # Migrations talk to the cluster directly (DDL and role management as the master user).
            database=DatabaseAccess(
                vpc=self.vpc,
                subnets=self.app_subnets,
                security_group=self.migrations_security_group,
                host=self.cluster.cluster_endpoint.hostname,
                port=str(DB_PORT),
                name=DB_NAME,
                app_secret=self.app_secret,
            ),
        )
        spec = FunctionSpec(
            kind="deploy_job",
            slug="migrate",
            handler=MIGRATE_HANDLER,
            needs=Needs(database=True, memory_mb=512, timeout_s=600),
            description="Applies migrations/*.sql and the application role at deploy time",
        )
        master_secret = self.master_secret
        assert master_secret is not None  # generated credentials always come with a secret
        migrate = AppFunction(
            self,
            "Migrate",
            spec=spec,
            resources=resources,
            extra_environment={"MASTER_SECRET_ARN": master_secret.secret_arn, "MIGRATIONS_DIR": MIGRATIONS_MOUNT},
            extra_statements=[
                iam.PolicyStatement(actions=list(SECRET_READ_ACTIONS), resources=[master_secret.secret_arn])
            ],
            extra_layers=(migrations_layer,),
        )
        provider_logs = logs.LogGroup(
            self,
            "MigrationsProviderLogs",
            retention=retention(self.config.log_retention_days),
            removal_policy=self.removal_policy,
        )
        provider = cr.Provider(self, "MigrationsProvider", on_event_handler=migrate.function, log_group=provider_logs)
        suppress_provider_framework(provider, migrate.function)
        migrations = cdk.CustomResource(
            self,
            "Migrations",
            service_token=provider.service_token,
            resource_type="Custom::DatabaseMigrations",
            # A new hash (a migration added or changed) makes CloudFormation call the handler again.
            properties={"MigrationsHash": migrations_digest(), "AppSecretArn": self.app_secret.secret_arn},
        )
        migrations.node.add_dependency(self.cluster)
        # The first rotation logs in as outreachpass_app, which the migrations create.
        self.app_secret_rotation.node.add_dependency(migrations)
        self.migrate_function = migrate


def suppress_provider_framework(provider: cr.Provider, handler: lambda_.IFunction) -> None:
    """The CDK Provider framework's own function: runtime and role are chosen by CDK, not by us."""
    reason = "the custom-resource Provider framework function and role are generated and maintained by CDK"
    suppress(provider, "AwsSolutions-L1", reason)
    suppress(
        provider,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason,
    )
    suppress(
        provider,
        wildcard_finding(f"<{cdk.Stack.of(provider).get_logical_id(handler.node.default_child)}.Arn>:*"),
        reason,
    )
