"""Names of stacks and named AWS resources, so every stack and test agrees on them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

APP_NAME = "OutreachPass"
RESOURCE_PREFIX = "outreachpass"
FUNCTION_NAME_MAX = 64


def pascal(text: str) -> str:
    """'admin-events_list' -> 'AdminEventsList' (construct ids)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class Naming:
    """Names for one copy of the application: the shared platform, or a silo tenant's own copy."""

    stage: str
    silo_key: str | None = None

    @property
    def stack_prefix(self) -> str:
        parts = [APP_NAME, self.stage, *([self.silo_key] if self.silo_key else [])]
        return "-".join(parts)

    @property
    def resource_prefix(self) -> str:
        parts = [RESOURCE_PREFIX, self.stage, *([self.silo_key] if self.silo_key else [])]
        return "-".join(parts)

    def stack(self, part: str) -> str:
        """'Api' -> 'OutreachPass-prod-Api' (platform) or 'OutreachPass-prod-acme-Api' (silo copy)."""
        return f"{self.stack_prefix}-{part}"

    def tenant_stack(self, tenant_key: str) -> str:
        return f"{APP_NAME}-{self.stage}-Tenant-{tenant_key}"

    def tenant_edge_stack(self, tenant_key: str) -> str:
        return f"{APP_NAME}-{self.stage}-{tenant_key}-Edge"

    def secret_name(self, logical_name: str) -> str:
        """Secrets Manager name operators fill in: outreachpass/<stage>[/<silo>]/<name>."""
        return "/".join([RESOURCE_PREFIX, self.stage, *([self.silo_key] if self.silo_key else []), logical_name])

    def function_name(self, slug: str) -> str:
        name = f"{self.resource_prefix}-{slug}"
        if len(name) <= FUNCTION_NAME_MAX:
            return name
        # Keep names unique and within Lambda's limit: cut and add a hash of the full name.
        return f"{name[: FUNCTION_NAME_MAX - 7]}-{short_hash(name)}"

    def bucket_name(self, logical_name: str, account: str) -> str:
        """Fixed, predictable bucket names, so policies name them without cross-stack references."""
        return f"{self.resource_prefix}-{account}-{logical_name.replace('_', '-')}"

    def configuration_set(self, tenant_key: str | None = None) -> str:
        return f"{self.resource_prefix}-{tenant_key}" if tenant_key else self.resource_prefix

    @property
    def metrics_namespace(self) -> str:
        return APP_NAME
