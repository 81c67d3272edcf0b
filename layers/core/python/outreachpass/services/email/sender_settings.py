"""GET/PUT /api/v1/admin/email-settings: who the tenant's card e-mails come from.

A from address must be one SES may send from: the address, its domain or a parent domain is a
verified SES identity (integrations/email/identities). Anything else is refused when it is set,
with SENDER_NOT_VERIFIED naming what to verify, rather than accepted and failing every message
of the next send. The send worker reads the settings for every batch (services/email/compose.
resolve_sender); a field left null falls back to the platform's sender (DEFAULT_SENDER), the
event's brand name, no Reply-To.
"""

from __future__ import annotations

from typing import Any

from outreachpass.data import email_settings as settings_data
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import FieldError, ServiceUnavailable, ValidationFailed
from outreachpass.models.email_settings import EmailSettingsPut
from outreachpass.observability import logger
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change

FIELDS = ("from_name", "from_email", "reply_to")


def get_settings(principal: Principal) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        row = settings_data.get(conn, principal.tenant_id)
    return _shape(row)


def put_settings(principal: Principal, request: EmailSettingsPut) -> dict[str, Any]:
    if request.from_email:
        check_sender(request.from_email)  # before the transaction: SES is not asked while a row is locked
    with tenant_tx(principal.tenant_id) as conn:
        before = settings_data.get(conn, principal.tenant_id)
        row = settings_data.put(conn, principal.tenant_id, from_name=request.from_name, from_email=request.from_email,
                                reply_to=request.reply_to)
        record_change(conn, principal, action="email_settings.update", entity_type="tenant_email_settings",
                      entity_id=principal.tenant_id,
                      before={key: before[key] for key in FIELDS} if before else None,
                      after={key: row[key] for key in FIELDS})
    return _shape(row)


def check_sender(address: str) -> None:
    """Refuses (400 SENDER_NOT_VERIFIED on from_email) an address SES may not send from."""
    from outreachpass.integrations.email.identities import IdentityLookupFailed, sending_identity

    try:
        coverage = sending_identity(address)
    except IdentityLookupFailed as exc:
        logger().warning("SES identity lookup failed", extra={"error": str(exc)})
        raise ServiceUnavailable("SES could not be asked whether this sender is verified; please retry shortly") from exc
    if coverage.verified:
        return
    domain = address.rpartition("@")[2]
    if coverage.identity is None:
        reason = f"{domain} is not an SES identity of this platform: verify the domain {domain} in SES (its DKIM records) first"
    else:
        reason = f"the SES identity {coverage.identity} is not verified yet ({coverage.status or 'unknown status'}): finish its verification first"
    raise ValidationFailed(
        f"Mail cannot be sent from {address}: {reason}", code="SENDER_NOT_VERIFIED", details=[FieldError("from_email", reason)]
    )


def _shape(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {}
    return {**{key: row.get(key) for key in FIELDS}, "updated_at": row.get("updated_at")}
