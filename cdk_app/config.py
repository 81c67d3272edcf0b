"""The typed deployment configuration: one JSON file per deployment, validated before any stack is built.

`cdk.json` names the file in its context (`"config": "config/dev.json"`); `-c config=<file>` picks
another. A deployment may also inline the whole object as the `deployment` context value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parent.parent

# The only values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

Hostname = Annotated[
    str,
    Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        max_length=253,
        description="lower-case DNS name",
    ),
]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s<>]+@([a-z0-9-]+\.)+[a-z]{2,63}$")]


SnapStartMode = Literal["public", "all", "off"]


class ConfigError(Exception):
    """The deployment configuration is missing or invalid; the message says where and why."""


class _Model(BaseModel):
    # Typos in a deployment file must fail loudly, not be ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DomainConfig(_Model):
    """The platform's public domain; with a hosted zone the stacks validate certificates and add records."""

    name: Hostname
    hosted_zone_id: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]{4,32}$")
    hosted_zone_name: Hostname | None = None

    @model_validator(mode="after")
    def _zone_contains_name(self) -> DomainConfig:
        if self.hosted_zone_name and not (
            self.name == self.hosted_zone_name or self.name.endswith("." + self.hosted_zone_name)
        ):
            raise ValueError(f"domain {self.name!r} is not inside hosted zone {self.hosted_zone_name!r}")
        if self.hosted_zone_name and not self.hosted_zone_id:
            raise ValueError("hosted_zone_name needs hosted_zone_id")
        return self

    @property
    def zone_name(self) -> str:
        return self.hosted_zone_name or self.name


class AuroraConfig(_Model):
    """Aurora Serverless v2 capacity, in ACUs (0 lets the cluster pause when idle)."""

    min_acu: float = Field(default=0.5, ge=0, le=256)
    max_acu: float = Field(default=4, ge=1, le=256)
    readers: int = Field(default=0, ge=0, le=15, description="serverless v2 readers (a second AZ for failover)")

    @field_validator("min_acu", "max_acu")
    @classmethod
    def _half_steps(cls, value: float) -> float:
        if (value * 2) != int(value * 2):
            raise ValueError("ACUs come in steps of 0.5")
        return value

    @model_validator(mode="after")
    def _min_not_above_max(self) -> AuroraConfig:
        if self.min_acu > self.max_acu:
            raise ValueError(f"min_acu ({self.min_acu}) is above max_acu ({self.max_acu})")
        return self


class ThrottleConfig(_Model):
    """HTTP API stage throttling (steady requests per second and burst)."""

    rate_limit: int = Field(default=200, ge=1, le=10_000)
    burst_limit: int = Field(default=400, ge=1, le=5_000)


class TenantConfig(_Model):
    """A tenant with its own stack: pool shares the platform, silo gets its own copy of it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9]{1,19}$", description="short id used in stack and resource names")
    tier: Literal["pool", "silo"]
    brand_domain: Hostname | None = None
    sender: EmailAddress

    @property
    def sender_domain(self) -> str:
        return self.sender.rsplit("@", 1)[1]


class DeploymentConfig(_Model):
    stage: str = Field(pattern=r"^[a-z][a-z0-9]{1,11}$")
    account: str = Field(pattern=r"^\d{12}$")
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    # Explicit AZs keep synth offline (no context look-ups); default: the region's "a" and "b".
    availability_zones: tuple[str, ...] = ()
    # NAT gateways give the wallet functions their way out to Apple and Google; AWS services
    # are reached through VPC endpoints either way. 0 = fully isolated subnets.
    nat_gateways: int = Field(default=1, ge=0, le=3)
    # Interface endpoints for Secrets Manager, SQS, SES and Cognito (billed per endpoint and AZ). Without
    # them the functions reach those APIs through the NAT gateway, which then must exist.
    interface_endpoints: bool = True
    # RDS Proxy between the functions and Aurora (billed for at least 8 ACUs). Without it each warm
    # function holds its own connection to the writer: fine for a dev stage's handful of users.
    rds_proxy: bool = True
    domain: DomainConfig | None = None
    sender: EmailAddress
    alarm_email: EmailAddress
    log_retention_days: int = 30
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    aurora: AuroraConfig = AuroraConfig()
    cors_origins: tuple[str, ...] = Field(min_length=1)
    throttling: ThrottleConfig = ThrottleConfig()
    card_page_requests_per_minute_per_ip: int = Field(default=60, ge=10, le=2_000_000_000)
    # The card page's beacons and tracked links are unauthenticated: a second WAF limit, over 5 minutes.
    tracking_requests_per_5_minutes_per_ip: int = Field(default=300, ge=10, le=2_000_000_000)
    tenants: tuple[TenantConfig, ...] = ()
    # Raised by one to rotate the origin-verify secret (docs/deploying.md): CloudFront then sends the new value.
    origin_verify_generation: int = Field(default=1, ge=1)
    # Lambda SnapStart for the HTTP API's functions: "public" (routes without roles: cards, wallet,
    # tracking, health), "all" (every route) or "off". Workers, schedules and consumers never use it.
    snapstart: SnapStartMode = "public"
    # The AWS Parameters and Secrets Lambda Extension beside every function that reads a secret (database,
    # origin-verify, tracking and wallet keys): the function reads it over localhost and imports no AWS SDK
    # for it. Off: those functions read their secrets with boto3 (docs/deploying.md, "Secrets extension").
    secrets_extension: bool = True
    # Its layer's ARN (region-specific; AWS publishes one per region and architecture). Unset: the arm64
    # layer of the version CDK knows (ParamsAndSecretsVersions.V1_0_103) in the deployment's region.
    secrets_extension_layer_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$"
    )

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch accepts only {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _https_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            local = origin.startswith(("http://localhost", "http://127.0.0.1"))
            if not (origin.startswith("https://") or local) or origin.endswith("/"):
                raise ValueError(f"{origin!r}: origins are https://host[:port] without a trailing slash")
        return origins

    @model_validator(mode="after")
    def _consistent(self) -> DeploymentConfig:
        keys = [tenant.key for tenant in self.tenants]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate tenant keys: {', '.join(duplicates)}")
        for zone in self.availability_zones:
            if not zone.startswith(self.region):
                raise ValueError(f"availability zone {zone!r} is not in region {self.region!r}")
        # One SES identity per domain per account and region: senders cannot share a domain.
        senders = [self.sender.rsplit("@", 1)[1], *(tenant.sender_domain for tenant in self.tenants)]
        shared = sorted({domain for domain in senders if senders.count(domain) > 1})
        if shared:
            raise ValueError(f"sender domains must differ between the platform and each tenant: {', '.join(shared)}")
        hosts = [
            *([self.domain.name] if self.domain else []),
            *(t.brand_domain for t in self.tenants if t.brand_domain),
        ]
        repeated = sorted({host for host in hosts if hosts.count(host) > 1})
        if repeated:
            raise ValueError(f"a domain can front only one distribution: {', '.join(repeated)}")
        arn = self.secrets_extension_layer_arn
        if arn and arn.split(":")[3] != self.region:
            raise ValueError(f"secrets_extension_layer_arn is in {arn.split(':')[3]!r}: a function can use a layer of its own region only ({self.region!r})")
        if self.nat_gateways > len(self.zones):
            raise ValueError(f"nat_gateways ({self.nat_gateways}) exceeds the number of availability zones")
        if not self.interface_endpoints and not self.nat_gateways:
            raise ValueError("without interface_endpoints the functions need a NAT gateway (nat_gateways >= 1)")
        return self

    @property
    def zones(self) -> tuple[str, ...]:
        return self.availability_zones or (f"{self.region}a", f"{self.region}b")

    @property
    def is_production_like(self) -> bool:
        """Everything but dev keeps its data: deletion protection, retained resources, a reader."""
        return self.stage != "dev"

    def snapstart_for(self, *, public: bool) -> bool:
        """Whether an HTTP route's function (public: it has no roles) is published with SnapStart."""
        return self.snapstart == "all" or (self.snapstart == "public" and public)

    @property
    def pool_tenants(self) -> tuple[TenantConfig, ...]:
        return tuple(tenant for tenant in self.tenants if tenant.tier == "pool")

    @property
    def silo_tenants(self) -> tuple[TenantConfig, ...]:
        return tuple(tenant for tenant in self.tenants if tenant.tier == "silo")


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"invalid deployment config ({source}):"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  - {where}: {item['msg']}")
    return "\n".join(lines)


def parse_config(data: object, source: str) -> DeploymentConfig:
    try:
        return DeploymentConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from None


def load_config_file(path: str | Path) -> DeploymentConfig:
    file = Path(path)
    if not file.is_absolute():
        file = REPO_ROOT / file
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"deployment config file not found: {file}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{file}: not valid JSON ({error})") from None
    return parse_config(data, str(file))


def config_from_context(config_path: object, inline: object) -> DeploymentConfig:
    """The file named by the `config` context value, else the inline `deployment` context object."""
    if config_path:
        return load_config_file(str(config_path))
    if inline is not None:
        return parse_config(inline, "context 'deployment'")
    raise ConfigError("no deployment config: set the 'config' context (cdk.json, or -c config=config/dev.json)")
