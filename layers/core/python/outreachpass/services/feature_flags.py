"""Feature flags: per tenant, replaced as a whole by the admin API, read by any service.

    {"google_wallet": {"enabled": true, "value": null}, "email.batch_size": {"enabled": true, "value": 50}}

`is_enabled(conn, tenant_id, key)` is the one-line check for services (inside their
tenant transaction); an unknown flag is off.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import feature_flags as flags_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.jsonutil import to_jsonable
from outreachpass.models.feature_flags import FeatureFlagsReplace
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change


def get_flags(principal: Principal) -> dict[str, dict[str, Any]]:
    with tenant_tx(principal.tenant_id) as conn:
        return _as_mapping(flags_data.list_all(conn, principal.tenant_id))


def replace_flags(principal: Principal, request: FeatureFlagsReplace) -> dict[str, dict[str, Any]]:
    """The tenant's flags become exactly `request`: flags not named are removed. One audit entry
    with the whole set before and after, when anything changed."""
    wanted = {key: {"enabled": flag.enabled, "value": to_jsonable(flag.value)} for key, flag in request.root.items()}
    with tenant_tx(principal.tenant_id) as conn:
        rows = flags_data.list_all(conn, principal.tenant_id, for_update=True)
        before = {row["flag_key"]: {"enabled": row["enabled"], "value": row["value"]} for row in rows}
        if before == wanted:
            return _as_mapping(rows)
        flags_data.delete_except(conn, principal.tenant_id, list(wanted))
        flags_data.upsert(conn, principal.tenant_id, wanted)
        record_change(
            conn, principal, action="feature_flags.replace", entity_type="feature_flags", entity_id=principal.tenant_id,
            before={"flags": before}, after={"flags": wanted},
        )
        return _as_mapping(flags_data.list_all(conn, principal.tenant_id))


def is_enabled(conn: Conn, tenant_id: UUID, flag_key: str, *, default: bool = False) -> bool:
    row = flags_data.get(conn, tenant_id, flag_key)
    return default if row is None else bool(row["enabled"])


def _as_mapping(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["flag_key"]: {"enabled": row["enabled"], "value": row["value"], "updated_at": row["updated_at"]} for row in rows}
