"""APNs for Apple Wallet pass updates: HTTP/2 POSTs with an empty payload, topic = pass type id.

A Wallet update push carries nothing: `{}` to `/3/device/<push token>` with `apns-topic` set
to the pass type identifier; the device then asks our web service what changed. APNs is
HTTP/2 only (httpx with h2).

Authentication, whichever the credentials allow:
- token (the `apns` secret holds a .p8 key): an ES256 provider token (`iss` = team id,
  `kid` = key id), cached and renewed every TOKEN_TTL_S (APNs refuses tokens older than an
  hour and throttles renewals more often than every 20 minutes);
- certificate (the `apns` secret is empty): TLS client authentication with the Pass Type ID
  certificate and key, as Apple documents for Wallet.

The endpoint is settings().apns_url when set (APNS_URL), else production or sandbox as the
`apns` secret says (production without one). `set_transport` swaps the HTTP transport
underneath the real client: tests and the local stack use it to fake APNs.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from outreachpass.integrations.wallet.credentials import APNS_ENVIRONMENTS, ApnsCredentials, ApplePassCredentials

TOKEN_TTL_S = 50 * 60
PAYLOAD = b"{}"
# Reasons after which the token will never work again: drop the registration.
GONE_REASONS = frozenset({"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"})
# Our fault (credentials, topic): retrying does not help until an operator fixes them.
CONFIGURATION_REASONS = frozenset(
    {"InvalidProviderToken", "MissingProviderToken", "BadCertificate", "BadCertificateEnvironment", "Forbidden", "TopicDisallowed", "BadTopic", "MissingTopic"}
)


class ApnsError(Exception):
    """APNs could not take the pushes now (throttled, down, unreachable): retry later."""


class ApnsConfigurationError(ApnsError):
    """APNs refuses our credentials or topic: an operator has to fix the apns / apple_pass secret."""


@dataclass(frozen=True)
class PushResult:
    push_token: str
    status: int
    reason: str | None = None
    apns_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def gone(self) -> bool:
        """The device no longer takes pushes for this pass (unregistered, bad token)."""
        return self.status == 410 or (self.status == 400 and self.reason in GONE_REASONS)


_transport: Any = None
_clients: dict[tuple[Any, ...], ApnsClient] = {}
_lock = threading.Lock()


def set_transport(transport: Any) -> None:
    """Use this httpx transport for APNs (a fake, in tests and the local stack); None for the network."""
    global _transport
    with _lock:
        _transport = transport
        for found in _clients.values():
            found.close()
        _clients.clear()


def endpoint_for(token: ApnsCredentials | None, configured: str | None) -> str:
    if configured:
        return configured
    return token.endpoint if token is not None else APNS_ENVIRONMENTS["production"]


def client_for(*, endpoint: str, token: ApnsCredentials | None, certificate: ApplePassCredentials | None) -> ApnsClient:
    """One client per container and credentials (HTTP/2 connections are reused across pushes)."""
    key = (endpoint, token, certificate.fingerprint if certificate is not None and token is None else None)
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = ApnsClient(endpoint, token=token, certificate=None if token else certificate, transport=_transport)
            _clients[key] = found
        return found


class ApnsClient:
    def __init__(
        self,
        endpoint: str,
        *,
        token: ApnsCredentials | None = None,
        certificate: ApplePassCredentials | None = None,
        transport: Any = None,
        timeout_s: float = 10.0,
    ):
        if token is None and certificate is None:
            raise ApnsConfigurationError("APNs needs an apns token key or the Pass Type ID certificate")
        self.endpoint = endpoint.rstrip("/")
        self._token_credentials = token
        self._certificate = certificate
        self._transport = transport
        self._timeout_s = timeout_s
        self._http: Any = None
        self._provider_token: tuple[float, str] | None = None
        self._lock = threading.Lock()

    # --- HTTP/2 client ------------------------------------------------------------------------

    def _client(self) -> Any:
        if self._http is None:
            import httpx

            kwargs: dict[str, Any] = {
                "http2": True,
                "base_url": self.endpoint,
                "timeout": httpx.Timeout(self._timeout_s, connect=5.0),
                "limits": httpx.Limits(max_connections=4, max_keepalive_connections=4),
            }
            if self._transport is not None:
                kwargs["transport"] = self._transport
            elif self._token_credentials is None:
                kwargs["verify"] = self._tls_context()
            self._http = httpx.Client(**kwargs)
        return self._http

    def _tls_context(self) -> Any:
        """TLS with the Pass Type ID certificate as the client certificate (certificate auth)."""
        import ssl

        from cryptography.hazmat.primitives import serialization

        assert self._certificate is not None
        context = ssl.create_default_context()
        pem = self._certificate.certificate.public_bytes(serialization.Encoding.PEM) + self._certificate.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # ssl only loads a client certificate from a file: a private temporary one, removed at once.
        fd, path = tempfile.mkstemp(prefix="apns-", suffix=".pem")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            context.load_cert_chain(path)
        finally:
            os.unlink(path)
        return context

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- provider tokens ------------------------------------------------------------------------

    def _bearer(self, *, renew: bool = False) -> str | None:
        credentials = self._token_credentials
        if credentials is None:
            return None
        with self._lock:
            now = time.time()
            if renew or self._provider_token is None or self._provider_token[0] <= now:
                from google.auth import crypt, jwt

                signer = crypt.ES256Signer.from_string(credentials.private_key_pem, key_id=credentials.key_id)
                token = jwt.encode(signer, {"iss": credentials.team_id, "iat": int(now)}, header={"alg": "ES256", "kid": credentials.key_id})
                self._provider_token = (now + TOKEN_TTL_S, token.decode() if isinstance(token, bytes) else token)
            return self._provider_token[1]

    # --- pushing --------------------------------------------------------------------------------

    def push(self, push_token: str, *, topic: str) -> PushResult:
        """One empty push. Raises ApnsError when APNs cannot take it now (retry later) and
        ApnsConfigurationError when it refuses our credentials or topic."""
        result = self._send(push_token, topic, renew=False)
        if result.status == 403 and result.reason == "ExpiredProviderToken":
            result = self._send(push_token, topic, renew=True)
        if result.ok or result.gone:
            return result
        if result.reason in CONFIGURATION_REASONS or result.status == 403:
            raise ApnsConfigurationError(f"APNs refused the push: {result.status} {result.reason}")
        if result.status == 429 or result.status >= 500:
            raise ApnsError(f"APNs is busy or down: {result.status} {result.reason}")
        # Anything else (a malformed token, a payload APNs dislikes) concerns this device only.
        return result

    def push_many(self, push_tokens: Iterable[str], *, topic: str) -> list[PushResult]:
        return [self.push(token, topic=topic) for token in push_tokens]

    def _send(self, push_token: str, topic: str, *, renew: bool) -> PushResult:
        import httpx

        headers = {"apns-topic": topic, "content-type": "application/json"}
        bearer = self._bearer(renew=renew)
        if bearer:
            headers["authorization"] = f"bearer {bearer}"
        try:
            response = self._client().post(f"/3/device/{push_token}", content=PAYLOAD, headers=headers)
        except httpx.HTTPError as exc:
            raise ApnsError(f"APNs unreachable: {type(exc).__name__}") from exc
        reason = None
        if response.status_code != 200:
            try:
                reason = response.json().get("reason")
            except ValueError:
                reason = None
        return PushResult(push_token=push_token, status=response.status_code, reason=reason, apns_id=response.headers.get("apns-id"))
