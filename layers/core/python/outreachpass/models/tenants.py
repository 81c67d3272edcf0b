"""Tenant onboarding input (platform tooling: ops/tenants.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from outreachpass.models.brands import BrandKey
from outreachpass.models.common import Name, RequestModel, StaffEmail, described, one_line

# Same rule as the tenants.tenant_key CHECK constraint: the tenant's key in the deployment config.
TenantKey = Annotated[str, StringConstraints(pattern=described(r"^[a-z0-9][a-z0-9-]{0,62}$", "use lower-case letters, digits and hyphens, starting with a letter or digit (at most 63)"))]


class TenantCreate(RequestModel):
    name: Name
    admin_email: StaffEmail
    admin_name: Annotated[str, one_line(200)] | None = None
    brand_key: BrandKey | None = None  # default: from the name ("Acme Events" -> ACME_EVENTS)
    tenant_key: TenantKey | None = None
    # Set as the admin's permanent password (sign in at once); None: Cognito e-mails an
    # invitation with a temporary password. Cognito's password policy applies.
    password: Annotated[str, StringConstraints(min_length=8, max_length=256, strip_whitespace=False)] | None = None
