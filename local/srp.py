"""Cognito's SRP-6a (USER_SRP_AUTH), both halves, for the local pool's front door.

moto answers USER_SRP_AUTH with random numbers and accepts any PASSWORD_VERIFIER response,
so with moto alone any password signs in. `local.cognito_proxy` plays Cognito's server half
with `SrpServer` (the verifier comes from the password moto stores); `SrpClient` is the
browser's half in Python, for tests and scripts. The console's TypeScript client
(web/src/features/auth/srp.ts) is checked against amazon-cognito-identity-js, AWS's own
client; the browser suite signs in through this server, so the three agree.

Numbers as Cognito uses them: the 3072-bit group of RFC 5054 with g = 2, SHA-256,
k = H(N | g), u = H(A | B), x = H(salt | H(pool_name | user_id | ":" | password)), the
session key K = HKDF-SHA256(S, salt=u, info="Caldera Derived Key")[:16], and the claim
signature HMAC-SHA256(K, pool_name | user_id | secret_block | timestamp), where every
number is hashed as its big-endian bytes with a leading zero byte when the top bit is set
(`pad_hex`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"


def pad_hex(value: int) -> str:
    """Even-length hex, with "00" in front when the first digit has the top bit set."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    if text[0] in "89abcdef":
        text = "00" + text
    return text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(_hash_hex(pad_hex(N) + pad_hex(G)), 16)


def pool_name(user_pool_id: str) -> str:
    """The part of a pool id after the region: eu-west-1_AbC123 -> AbC123."""
    return user_pool_id.split("_", 1)[1]


def x_value(pool: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool}{user_id}:{password}".encode()).hexdigest()
    return int(_hash_hex(pad_hex(int(salt_hex, 16)) + inner), 16)


def u_value(a_public: int, b_public: int) -> int:
    return int(_hash_hex(pad_hex(a_public) + pad_hex(b_public)), 16)


def session_key(s_value: int, u: int) -> bytes:
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s_value)), hashlib.sha256).digest()
    return hmac.new(prk, INFO + b"\x01", hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, pool: str, user_id: str, secret_block: str, timestamp: str) -> str:
    message = pool.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def timestamp(now: datetime | None = None) -> str:
    """Cognito's TIMESTAMP: 'Tue Sep 3 09:07:05 UTC 2024' (English names, day not padded)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[now.weekday()]} {months[now.month - 1]} {now.day} {now:%H:%M:%S} UTC {now.year}"


@dataclass
class SrpServer:
    """Cognito's half for one sign-in: made from the user's password, checks the client's claim."""

    pool: str
    user_id: str
    salt_hex: str
    verifier: int
    a_public: int
    b_private: int
    b_public: int
    secret_block: str

    @classmethod
    def start(cls, *, user_pool_id: str, user_id: str, password: str, srp_a_hex: str) -> SrpServer:
        a_public = int(srp_a_hex, 16)
        if a_public % N == 0:
            raise ValueError("SRP_A is not a valid public value")
        pool = pool_name(user_pool_id)
        salt_hex = secrets.token_hex(16)
        verifier = pow(G, x_value(pool, user_id, password, salt_hex), N)
        while True:
            b_private = secrets.randbelow(N - 2) + 2
            b_public = (K * verifier + pow(G, b_private, N)) % N
            if b_public % N and u_value(a_public, b_public):
                break
        secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
        return cls(pool, user_id, salt_hex, verifier, a_public, b_private, b_public, secret_block)

    def expected_signature(self, timestamp_text: str) -> str:
        u = u_value(self.a_public, self.b_public)
        s_value = pow(self.a_public * pow(self.verifier, u, N), self.b_private, N)
        return claim_signature(session_key(s_value, u), self.pool, self.user_id, self.secret_block, timestamp_text)

    def verify(self, signature: str, timestamp_text: str) -> bool:
        return hmac.compare_digest(self.expected_signature(timestamp_text).encode(), signature.encode())


class SrpClient:
    """The browser's half, as amazon-cognito-identity-js computes it."""

    def __init__(self, user_pool_id: str, a_private: int | None = None):
        self.pool = pool_name(user_pool_id)
        self.a_private = a_private if a_private is not None else int.from_bytes(secrets.token_bytes(128), "big")
        self.a_public = pow(G, self.a_private, N)

    @property
    def srp_a(self) -> str:
        return format(self.a_public, "x")

    def claim(self, *, user_id: str, password: str, salt_hex: str, srp_b_hex: str, secret_block: str, when: str | None = None) -> dict[str, str]:
        b_public = int(srp_b_hex, 16)
        if b_public % N == 0:
            raise ValueError("SRP_B is not a valid public value")
        u = u_value(self.a_public, b_public)
        x = x_value(self.pool, user_id, password, salt_hex)
        s_value = pow((b_public - K * pow(G, x, N)) % N, self.a_private + u * x, N)
        when = when or timestamp()
        return {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "TIMESTAMP": when,
            "PASSWORD_CLAIM_SIGNATURE": claim_signature(session_key(s_value, u), self.pool, user_id, secret_block, when),
        }
