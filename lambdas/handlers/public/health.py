"""GET /health: liveness, and whether the database answers."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

from outreachpass.api import http_handler, new_router, ok
from outreachpass.models.envelope import Envelope
from outreachpass.services.health import check_database


class Health(BaseModel):
    status: str
    database: str

router = new_router()


@router.get("/health")
def health() -> Response[Envelope[Health]]:
    check_database()  # raises ServiceUnavailable (503) when the database does not answer
    return ok({"status": "ok", "database": "ok"})


handler = http_handler(router, roles=None)
