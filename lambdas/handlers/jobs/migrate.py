"""CloudFormation custom resource (CDK Provider framework, onEvent): apply the SQL migrations.

Runs at deploy time, before the functions that need the new schema (they depend on the
resource). On Create and Update it runs outreachpass.db.migrate.deploy (the database, the
roles, the app role's password from its secret, the pending migrations); on Delete it does
nothing (the data outlives the stack). A failure raises, so the deployment fails and rolls
back.

To re-run on every change of the SQL, the stack passes a hash of the migrations as a
resource property: a changed property is an Update.
"""

from __future__ import annotations

import logging
from typing import Any

from outreachpass.db.migrate.deploy import run_deploy_migrations

PHYSICAL_RESOURCE_ID = "outreachpass-migrations"

log = logging.getLogger(__name__)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logging.getLogger("outreachpass").setLevel(logging.INFO)  # the runner's progress, in CloudWatch
    log.setLevel(logging.INFO)
    request_type = event.get("RequestType")
    log.info("migrations custom resource: %s", request_type)
    if request_type == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_RESOURCE_ID, "Data": {"applied": ""}}
    if request_type not in ("Create", "Update"):
        raise ValueError(f"unexpected RequestType {request_type!r}")
    applied = run_deploy_migrations()
    log.info("migrations applied: %s", ", ".join(applied) or "none")
    return {"PhysicalResourceId": PHYSICAL_RESOURCE_ID, "Data": {"applied": ",".join(applied)}}
