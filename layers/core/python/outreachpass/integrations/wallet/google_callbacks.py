"""Google Wallet save / delete callbacks: verifying the signed message Google posts.

Google posts, to the `callbackOptions.url` of a pass class, a JSON body signed the way Google
Pay signs payment method tokens, protocol `ECv2SigningOnly` (what Tink's
PaymentMethodTokenRecipient verifies; Google's callback guide recommends it):

    {"protocolVersion": "ECv2SigningOnly",
     "signature": "<base64 DER ECDSA-SHA256 of the message, by the intermediate key>",
     "intermediateSigningKey": {"signedKey": "{\"keyValue\": \"<base64 DER SPKI>\", \"keyExpiration\": \"<ms>\"}",
                                "signatures": ["<base64 DER ECDSA-SHA256 of the signed key, by a root key>"]},
     "signedMessage": "{\"classId\": ..., \"objectId\": ..., \"eventType\": \"save\" | \"del\",
                        \"expTimeMillis\": <ms>, \"nonce\": ...}"}

Verification, as Tink does it:
1. the intermediate key: one of `signatures` verifies, with one of Google's root signing keys
   for ECv2SigningOnly that has not expired (GET KEYS_URL: {"keys": [{"keyValue",
   "protocolVersion", "keyExpiration"}]}), over length-value(sender id, protocol, signedKey);
   its keyExpiration has not passed;
2. the message: `signature` verifies with the intermediate key over length-value(sender id,
   recipient id, protocol, signedMessage), where the recipient id is our issuer id;
3. the message has not expired (expTimeMillis).
length-value(a, b, ...) is each part's UTF-8 bytes preceded by its length in 4 bytes,
little-endian. The sender id is "GooglePayPasses" (newer pages of Google's guide say
"GoogleWalletPasses"; both are accepted: the root keys decide).

The root keys are fetched with requests through the same transport adapter as the Wallet REST
API (google_wallet.set_adapter: tests and the local stack answer with their own keys), and
cached per container for the response's max-age (an hour when it gives none).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

PROTOCOL = "ECv2SigningOnly"
SENDER_IDS = ("GooglePayPasses", "GoogleWalletPasses")
KEYS_URL = "https://pay.google.com/gp/m/issuer/keys"
KEYS_CACHE_S = 3600
KEYS_TIMEOUT = (3, 5)
MAX_BODY_BYTES = 16 * 1024
EVENT_TYPES = {"save": "added", "del": "removed"}  # Google's eventType -> our wallet event


class CallbackRejected(Exception):
    """The body is not a message Google signed for us (or it has expired): refuse it."""


class KeysUnavailable(Exception):
    """Google's root signing keys could not be fetched now: answer so that Google retries."""


@dataclass(frozen=True)
class RootKey:
    public_key: Any  # cryptography EllipticCurvePublicKey
    expires_ms: int


@dataclass(frozen=True)
class CallbackMessage:
    class_id: str
    object_id: str
    event_type: str  # "save" | "del"
    nonce: str
    expires_ms: int
    sender_id: str


def length_value(*parts: str) -> bytes:
    return b"".join(len(data).to_bytes(4, "little") + data for data in (part.encode("utf-8") for part in parts))


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise CallbackRejected(f"{what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRejected(f"{what} is not base64") from None


def _ec_public_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(der)
    except ValueError:
        raise CallbackRejected("a key is not a DER public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise CallbackRejected("a key is not a P-256 key")
    return key


def _verifies(public_key: Any, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _millis(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise CallbackRejected(f"{what} is not a time in milliseconds") from None


def _json_object(text: Any, what: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise CallbackRejected(f"{what} is not a JSON string")
    try:
        value = json.loads(text)
    except ValueError:
        raise CallbackRejected(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise CallbackRejected(f"{what} is not a JSON object")
    return value


def verify_callback(body: bytes, *, recipient_id: str, root_keys: list[RootKey], now_ms: int | None = None) -> CallbackMessage:
    """The callback message, once its signatures check out; CallbackRejected otherwise."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRejected("body too large")
    token = _json_object(body.decode("utf-8", errors="replace"), "the body")
    if set(token) != {"protocolVersion", "signature", "intermediateSigningKey", "signedMessage"}:
        raise CallbackRejected("the body must hold exactly protocolVersion, signature, intermediateSigningKey and signedMessage")
    if token["protocolVersion"] != PROTOCOL:
        raise CallbackRejected(f"protocolVersion is not {PROTOCOL}")
    intermediate = token["intermediateSigningKey"]
    if not isinstance(intermediate, dict) or set(intermediate) != {"signedKey", "signatures"}:
        raise CallbackRejected("intermediateSigningKey must hold exactly signedKey and signatures")
    signed_key = intermediate["signedKey"]
    signatures = intermediate["signatures"]
    if not isinstance(signed_key, str) or not isinstance(signatures, list) or not signatures:
        raise CallbackRejected("intermediateSigningKey is malformed")
    key_signatures = [_b64(value, "an intermediate key signature") for value in signatures[:10]]

    # 1. The intermediate key, signed by one of Google's root keys (unexpired).
    roots = [key for key in root_keys if key.expires_ms > now]
    if not roots:
        raise KeysUnavailable("no unexpired Google root signing key")
    sender_id = next(
        (
            sender for sender in SENDER_IDS
            if any(_verifies(root.public_key, signature, length_value(sender, PROTOCOL, signed_key))
                   for root in roots for signature in key_signatures)
        ),
        None,
    )
    if sender_id is None:
        raise CallbackRejected("the intermediate signing key is not signed by Google")
    key_document = _json_object(signed_key, "signedKey")
    if _millis(key_document.get("keyExpiration"), "keyExpiration") <= now:
        raise CallbackRejected("the intermediate signing key has expired")
    intermediate_key = _ec_public_key(_b64(key_document.get("keyValue"), "keyValue"))

    # 2. The message, signed by the intermediate key, for us (the recipient id is our issuer id).
    signed_message = token["signedMessage"]
    if not isinstance(signed_message, str):
        raise CallbackRejected("signedMessage is not a string")
    signature = _b64(token["signature"], "signature")
    if not _verifies(intermediate_key, signature, length_value(sender_id, recipient_id, PROTOCOL, signed_message)):
        raise CallbackRejected("the message signature does not verify (or the message is for another issuer)")

    # 3. Not expired, and the fields we use are there.
    message = _json_object(signed_message, "signedMessage")
    expires = _millis(message.get("expTimeMillis"), "expTimeMillis")
    if expires <= now:
        raise CallbackRejected("the message has expired")
    fields: dict[str, str] = {}
    for name in ("classId", "objectId", "eventType", "nonce"):
        value = message.get(name)
        if not isinstance(value, str) or not value or len(value) > 300:
            raise CallbackRejected(f"{name} is missing or malformed")
        fields[name] = value
    return CallbackMessage(
        class_id=fields["classId"], object_id=fields["objectId"], event_type=fields["eventType"], nonce=fields["nonce"],
        expires_ms=expires, sender_id=sender_id,
    )


# --- Google's root signing keys ------------------------------------------------------------------

_keys: tuple[float, list[RootKey]] | None = None
_keys_lock = threading.Lock()
_MAX_AGE = re.compile(r"max-age=(\d+)")


def parse_root_keys(document: Any) -> list[RootKey]:
    """The ECv2SigningOnly keys of Google's key document (others, and keys without an
    expiration, are left out as Tink does)."""
    entries = document.get("keys") if isinstance(document, dict) else None
    keys = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("protocolVersion") != PROTOCOL or "keyExpiration" not in entry:
            continue
        try:
            keys.append(RootKey(public_key=_ec_public_key(_b64(entry.get("keyValue"), "keyValue")),
                                expires_ms=_millis(entry["keyExpiration"], "keyExpiration")))
        except CallbackRejected:
            continue
    return keys


def root_signing_keys(url: str = KEYS_URL) -> list[RootKey]:
    """Google's root signing keys, cached per container (the response's max-age, else an hour)."""
    global _keys
    now = time.monotonic()
    cached = _keys
    if cached is not None and cached[0] > now:
        return cached[1]
    with _keys_lock:
        if _keys is not None and _keys[0] > now:
            return _keys[1]
        import requests

        from outreachpass.integrations.wallet.google_wallet import transport_adapter

        session = requests.Session()
        adapter = transport_adapter()
        if adapter is not None:
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        try:
            response = session.get(url, timeout=KEYS_TIMEOUT)
            response.raise_for_status()
            keys = parse_root_keys(response.json())
        except (requests.RequestException, ValueError) as exc:
            raise KeysUnavailable(f"Google's signing keys could not be fetched: {type(exc).__name__}") from exc
        if not keys:
            raise KeysUnavailable("Google's key document holds no ECv2SigningOnly key")
        found = _MAX_AGE.search(response.headers.get("cache-control") or "")
        max_age = int(found.group(1)) if found else KEYS_CACHE_S
        _keys = (now + max(60, min(max_age, 24 * 3600)), keys)
        return keys


def reset_root_keys() -> None:
    global _keys
    with _keys_lock:
        _keys = None
