"""What every OutreachPass stack shares: environment, availability zones, tags, termination protection,
removal policy."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from cdk_app.config import DeploymentConfig
from cdk_app.naming import APP_NAME, Naming

# Resource types whose CloudFormation schema has no Tags (CDK would still try).
UNTAGGABLE = ("AWS::RDS::DBProxyTargetGroup",)


class AppStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        config: DeploymentConfig,
        naming: Naming,
        description: str,
        region: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            stack_name,
            stack_name=stack_name,
            description=f"{APP_NAME} ({naming.stage}): {description}",
            env=cdk.Environment(account=config.account, region=region or config.region),
            termination_protection=config.is_production_like,
        )
        self.config = config
        self.naming = naming
        tags = {"app": APP_NAME, "stage": config.stage, **({"tenant": naming.silo_key} if naming.silo_key else {})}
        for key, value in tags.items():
            cdk.Tags.of(self).add(key, value, exclude_resource_types=list(UNTAGGABLE))

    @property
    def availability_zones(self) -> list[str]:
        """The config's zones, not a look-up: CDK would otherwise ask AWS (credentials, network) for the
        account's zones whenever a VPC is built, and `cdk synth` must work offline from a clean clone."""
        if self.region == self.config.region:
            return list(self.config.zones)
        return [f"{self.region}a", f"{self.region}b"]  # the edge (us-east-1) builds no VPC

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        """Data outlives a stack everywhere but dev."""
        return cdk.RemovalPolicy.RETAIN if self.config.is_production_like else cdk.RemovalPolicy.DESTROY
