"""DELETE /api/v1/admin/suppressions/{email}: take an address off the suppression list (later sends
mail it again). 204; 404 SUPPRESSION_NOT_FOUND when it is not on the list."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router
from outreachpass.services.email.suppressions import remove_suppression

router = new_router()


@router.delete("/api/v1/admin/suppressions/<email>", status_code=204)
def suppressions_delete(email: str):  # type: ignore[no-untyped-def]  # 204: no body to describe
    # The address arrives percent-encoded (%40) or not, depending on the client: either is the address.
    remove_suppression(current_principal(), unquote(email))
    return Response(status_code=204, body="")


handler = http_handler(router, roles=("admin",))
