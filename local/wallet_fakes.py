"""APNs and the Google Wallet API, faked at the transport for the local stack and the tests.

Neither Apple's nor Google's servers are reachable from a development machine (nor should a
test depend on them), so the real clients (outreachpass.integrations.wallet.apns and
.google_wallet) run unchanged over a fake transport:

- FakeApns is an httpx.MockTransport: it records every push (device token, topic, provider
  token, payload), answers 200 (or what a test scripted for a token, e.g. 410 Unregistered)
  and logs "would push";
- FakeGoogleWallet is a requests transport adapter: it answers the OAuth token request of
  the service account and keeps generic classes and objects in memory with the REST API's
  status codes (200, 404, 409), checking the bearer token it issued; it logs "would insert" /
  "would patch". It also stands in for Google's callback signing: it serves its own root
  signing key at Google's key URL (/gp/m/issuer/keys) and signs save / delete callbacks the
  way Google does (ECv2SigningOnly, a fresh intermediate key per message), so the real
  verification of integrations.wallet.google_callbacks runs on them.

`install_fakes()` puts them under the runtime clients (once per process, the same instances
afterwards) and returns them, so tests can look at what was sent.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("local.wallet")


class FakeApns:
    def __init__(self) -> None:
        import httpx

        self.sent: list[dict[str, Any]] = []
        self.responses: dict[str, tuple[int, str | None]] = {}  # push token -> (status, reason)
        self._lock = threading.Lock()
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: Any) -> Any:
        import httpx

        token = request.url.path.rsplit("/", 1)[-1]
        topic = request.headers.get("apns-topic")
        record = {
            "host": request.url.host,
            "path": request.url.path,
            "push_token": token,
            "topic": topic,
            "authorization": request.headers.get("authorization"),
            "payload": request.content,
        }
        with self._lock:
            self.sent.append(record)
            status, reason = self.responses.get(token, (200, None))
        log.info("APNs (local fake): would push to device %s... for %s -> %s", token[:8], topic, status)
        headers = {"apns-id": str(uuid.uuid4())}
        if reason:
            return httpx.Response(status, json={"reason": reason}, headers=headers)
        return httpx.Response(status, headers=headers)

    def pushes_to(self, push_token: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.sent if r["push_token"] == push_token]


class FakeGoogleWallet:
    """A requests adapter (BaseAdapter's interface) standing in for oauth2 and walletobjects."""

    KEYS_PATH = "/gp/m/issuer/keys"

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.classes: dict[str, dict[str, Any]] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.token_requests = 0
        self.keys_requests = 0
        self.root_key = ec.generate_private_key(ec.SECP256R1())  # Google's root signing key, for callbacks
        self.fail_next: list[int] = []  # statuses to answer the next API calls with (e.g. 503)
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    # requests.adapters.BaseAdapter
    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None, proxies: Any = None) -> Any:
        parts = urlsplit(request.url)
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        with self._lock:
            if parts.path.endswith("/token"):
                return self._token(request, body)
            if parts.path == self.KEYS_PATH:
                self.keys_requests += 1
                return _response(request, 200, self.root_keys_document(), headers={"cache-control": "public, max-age=3600"})
            self.calls.append((request.method, parts.path))
            if self.fail_next:
                return _response(request, self.fail_next.pop(0), {"error": {"code": 503, "message": "scripted failure"}})
            authorization = request.headers.get("Authorization") or request.headers.get("authorization") or ""
            if authorization.removeprefix("Bearer ") not in self._tokens:
                return _response(request, 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials."}})
            return self._api(request, parts.path, json.loads(body) if body else None)

    def close(self) -> None:
        pass

    def _token(self, request: Any, body: str) -> Any:
        form = parse_qs(body)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"] or not form.get("assertion"):
            return _response(request, 400, {"error": "invalid_grant"})
        self.token_requests += 1
        token = f"ya29.local-{secrets.token_urlsafe(16)}"
        self._tokens.add(token)
        return _response(request, 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def _api(self, request: Any, path: str, body: dict[str, Any] | None) -> Any:
        kind, _, resource_id = path.split("/walletobjects/v1/", 1)[-1].partition("/")
        store = {"genericClass": self.classes, "genericObject": self.objects}.get(kind)
        if store is None:
            return _response(request, 404, {"error": {"code": 404, "message": f"unknown resource {kind}"}})
        resource_id = unquote(resource_id)
        if request.method == "POST" and not resource_id:
            assert body is not None
            if body["id"] in store:
                return _response(request, 409, {"error": {"code": 409, "message": "Resource already exists"}})
            store[body["id"]] = dict(body)
            log.info("Google Wallet (local fake): would insert %s %s", kind, body["id"])
            return _response(request, 200, store[body["id"]])
        if resource_id not in store:
            return _response(request, 404, {"error": {"code": 404, "message": "Resource not found"}})
        if request.method == "PATCH":
            store[resource_id].update(body or {})
            log.info("Google Wallet (local fake): would patch %s %s", kind, resource_id)
        return _response(request, 200, store[resource_id])

    # --- callbacks, signed as Google signs them (ECv2SigningOnly) ------------------------------------

    def root_keys_document(self, *, expires_in_ms: int = 86_400_000) -> dict[str, Any]:
        from cryptography.hazmat.primitives import serialization

        der = self.root_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"keys": [{"keyValue": base64.b64encode(der).decode(), "protocolVersion": "ECv2SigningOnly",
                          "keyExpiration": str(_now_ms() + expires_in_ms)}]}

    def signed_callback(
        self, *, recipient_id: str, class_id: str, object_id: str, event_type: str, nonce: str | None = None,
        expires_ms: int | None = None, key_expires_ms: int | None = None, sender_id: str = "GooglePayPasses",
        root_key: Any = None,
    ) -> bytes:
        """The body Google posts for a save ("save") or delete ("del") of an object."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        protocol = "ECv2SigningOnly"
        intermediate = ec.generate_private_key(ec.SECP256R1())
        der = intermediate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        signed_key = json.dumps({"keyValue": base64.b64encode(der).decode(),
                                 "keyExpiration": str(key_expires_ms if key_expires_ms is not None else _now_ms() + 3_600_000)})
        message = json.dumps({
            "classId": class_id, "objectId": object_id, "eventType": event_type,
            "expTimeMillis": expires_ms if expires_ms is not None else _now_ms() + 300_000,
            "count": 1, "nonce": nonce or str(uuid.uuid4()),
        })
        sign = ec.ECDSA(hashes.SHA256())
        key_signature = (root_key or self.root_key).sign(_length_value(sender_id, protocol, signed_key), sign)
        signature = intermediate.sign(_length_value(sender_id, recipient_id, protocol, message), sign)
        return json.dumps({
            "signature": base64.b64encode(signature).decode(),
            "intermediateSigningKey": {"signedKey": signed_key, "signatures": [base64.b64encode(key_signature).decode()]},
            "protocolVersion": protocol,
            "signedMessage": message,
        }).encode()

    def callback_url(self, object_id: str) -> str:
        """The callback URL of the object's class (what Google would post to)."""
        with self._lock:
            return self.classes[self.objects[object_id]["classId"]]["callbackOptions"]["url"]


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def _length_value(*parts: str) -> bytes:
    return b"".join(len(data).to_bytes(4, "little") + data for data in (part.encode() for part in parts))


def _response(request: Any, status: int, payload: Any, headers: dict[str, str] | None = None) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode()
    response.headers = CaseInsensitiveDict({"content-type": "application/json; charset=UTF-8", **(headers or {})})
    response.encoding = "utf-8"
    response.url = request.url
    response.request = request
    response.reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 409: "Conflict"}.get(status, "")
    return response


_installed: tuple[FakeApns, FakeGoogleWallet] | None = None
_install_lock = threading.Lock()


def install_fakes() -> tuple[FakeApns, FakeGoogleWallet]:
    """Put the fakes under the runtime's APNs and Google clients (the same instances every time)."""
    global _installed
    from outreachpass.integrations.wallet import apns, google_wallet

    with _install_lock:
        if _installed is None:
            _installed = (FakeApns(), FakeGoogleWallet())
        fake_apns, fake_google = _installed
    apns.set_transport(fake_apns.transport)
    google_wallet.set_adapter(fake_google)
    return fake_apns, fake_google
