"""Google Wallet: generic classes and objects through the Wallet REST API, and the save JWT.

- The REST calls go through google-auth's `AuthorizedSession` (a requests session that gets
  and refreshes an OAuth access token for the service account, scope wallet_object.issuer).
  `set_adapter` mounts another requests transport adapter under both the API session and the
  token requests: tests and the local stack use it to fake Google at the transport.
- The "Add to Google Wallet" link is `https://pay.google.com/gp/v/save/<jwt>`: a JWT signed
  RS256 with the service-account key that only references the object inserted through the
  API (`payload.genericObjects: [{"id": ...}]`), which keeps the URL far below the
  1,800-character limit browsers and Google allow.

Ids are `<issuer id>.<suffix>`, the suffix made of letters, digits, '.', '_' and '-'.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from outreachpass.integrations.wallet.credentials import GoogleWalletCredentials

SCOPE = "https://www.googleapis.com/auth/wallet_object.issuer"
SAVE_URL = "https://pay.google.com/gp/v/save/"
MAX_SAVE_URL = 1800
TIMEOUT = (5, 15)  # connect, read (seconds)


class GoogleWalletError(Exception):
    """Google could not take the call now (throttled, down, unreachable): retry later."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class GoogleWalletRejected(GoogleWalletError):
    """Google refused the call (a 4xx other than 404/409/429): retrying the same call will not help."""


_adapter: Any = None
_clients: dict[tuple[str, str, str], GoogleWalletClient] = {}
_lock = threading.Lock()


def set_adapter(adapter: Any) -> None:
    """Send every Google call (token and API) through this requests adapter; None for the network."""
    global _adapter
    with _lock:
        _adapter = adapter
        _clients.clear()


def transport_adapter() -> Any:
    """The adapter set with set_adapter (None: the network), for other calls to Google (the
    callbacks' signing keys)."""
    with _lock:
        return _adapter


def client_for(credentials: GoogleWalletCredentials, api_url: str) -> GoogleWalletClient:
    """One client per container and credentials: the access token is reused until it expires."""
    key = (credentials.client_email, credentials.private_key_id or "", api_url)
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = GoogleWalletClient(credentials, api_url, adapter=_adapter)
            _clients[key] = found
        return found


def object_suffix_ok(value: str) -> bool:
    return bool(value) and all(c.isalnum() or c in "._-" for c in value)


class GoogleWalletClient:
    def __init__(self, credentials: GoogleWalletCredentials, api_url: str, *, adapter: Any = None):
        self.credentials = credentials
        self.api_url = api_url.rstrip("/")
        self._adapter = adapter
        self._session: Any = None
        self._lock = threading.Lock()

    def _http(self) -> Any:
        with self._lock:
            if self._session is None:
                import requests
                from google.auth.transport.requests import AuthorizedSession, Request
                from google.oauth2 import service_account

                credentials = service_account.Credentials.from_service_account_info(
                    self.credentials.service_account_info, scopes=[SCOPE]
                )
                token_session = requests.Session()
                session = AuthorizedSession(credentials, auth_request=Request(session=token_session))
                if self._adapter is not None:
                    for mounted in (session, token_session):
                        mounted.mount("https://", self._adapter)
                        mounted.mount("http://", self._adapter)
                self._session = session
            return self._session

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        import requests
        from google.auth.exceptions import GoogleAuthError

        try:
            response = self._http().request(method, f"{self.api_url}/{path}", json=body, timeout=TIMEOUT)
        except GoogleAuthError as exc:
            raise GoogleWalletRejected(f"Google refused the service account's credentials: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise GoogleWalletError(f"Google Wallet unreachable: {type(exc).__name__}") from exc
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            payload = {}
        status = response.status_code
        if status == 429 or status >= 500:
            raise GoogleWalletError(f"Google Wallet is busy or down: {method} {path.split('/')[0]} -> {status}", status=status)
        if status >= 400 and status not in (404, 409):
            message = (payload.get("error") or {}).get("message") if isinstance(payload, dict) else None
            raise GoogleWalletRejected(f"Google Wallet refused {method} {path.split('/')[0]}: {status} {message or ''}".strip(), status=status)
        return status, payload if isinstance(payload, dict) else {}

    # --- classes --------------------------------------------------------------------------------

    def ensure_class(self, body: dict[str, Any]) -> None:
        """Insert the generic class, or patch it with `body` when it exists (409): a class made
        before a field was added (e.g. callbackOptions) gets it too."""
        status, _ = self._call("POST", "genericClass", body)
        if status == 409:
            status, _ = self._call("PATCH", f"genericClass/{quote(body['id'], safe='')}", body)
        if status != 200:
            raise GoogleWalletRejected(f"Google Wallet did not create class {body['id']}: {status}", status=status)

    # --- objects --------------------------------------------------------------------------------

    def upsert_object(self, body: dict[str, Any]) -> dict[str, Any]:
        """Insert the generic object, or patch it when it exists already."""
        status, payload = self._call("POST", "genericObject", body)
        if status == 409:
            return self.patch_object(body, insert_if_missing=False)
        if status != 200:
            raise GoogleWalletRejected(f"Google Wallet did not insert object {body['id']}: {status}", status=status)
        return payload

    def patch_object(self, body: dict[str, Any], *, insert_if_missing: bool = True) -> dict[str, Any]:
        """Patch the object with `body` (saved passes show the change); insert it when Google has none."""
        status, payload = self._call("PATCH", f"genericObject/{quote(body['id'], safe='')}", body)
        if status == 404 and insert_if_missing:
            return self.upsert_object(body)
        if status != 200:
            raise GoogleWalletRejected(f"Google Wallet did not patch object {body['id']}: {status}", status=status)
        return payload


def save_jwt(credentials: GoogleWalletCredentials, object_ids: Iterable[str], *, origins: Iterable[str], now: int | None = None) -> str:
    """The save-to-wallet JWT for objects already inserted through the API (RS256, the
    service account's key; `kid` is its private_key_id)."""
    from google.auth import crypt, jwt

    signer = crypt.RSASigner.from_service_account_info(credentials.service_account_info)
    payload = {
        "iss": credentials.client_email,
        "aud": "google",
        "typ": "savetowallet",
        "iat": int(now if now is not None else time.time()),
        "origins": list(origins),
        "payload": {"genericObjects": [{"id": object_id} for object_id in object_ids]},
    }
    token = jwt.encode(signer, payload)
    return token.decode() if isinstance(token, bytes) else token


def save_url(token: str) -> str:
    url = SAVE_URL + token
    if len(url) > MAX_SAVE_URL:
        raise ValueError(f"the save URL is {len(url)} characters, over Google's {MAX_SAVE_URL}")
    return url


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
