"""Handler conventions: the resolver every route module uses, the envelope, errors and auth."""

from outreachpass.api.app import http_handler, new_router
from outreachpass.api.auth import current_principal
from outreachpass.api.envelope import created, ok, page
from outreachpass.principal import Principal

__all__ = ["Principal", "created", "current_principal", "http_handler", "new_router", "ok", "page"]
