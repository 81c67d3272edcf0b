"""Wallet credentials from Secrets Manager, checked before first use.

Three logical secrets (lambdas/routes.py SECRETS; Secrets Manager names
`outreachpass/<stage>/<name>`; JSON shapes in docs/wallet.md):

- `apple_pass`: the Pass Type ID certificate and its private key, Apple's WWDR G4
  intermediate, the pass type identifier and team identifier;
- `apns`: a token-signing key (.p8) for APNs; when empty, pushes authenticate with the
  Pass Type ID certificate instead (TLS client certificate, Apple's documented way);
- `google_wallet`: the issuer id and the service-account key JSON.

Values are read with Powertools parameters (cached for SECRET_MAX_AGE_S) on first use in a
container, never at import. The Apple credentials are checked once per value: the
certificate's UID must be the pass type identifier and its OU the team identifier, the
certificate must be valid now, the private key must belong to it and the WWDR certificate
must have issued it. Any failure raises WalletNotConfigured with a message that says what to
fix; it is logged at ERROR (the client sees a plain 503).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from outreachpass.config import settings
from outreachpass.errors import ServiceUnavailable
from outreachpass.observability import logger

SECRET_MAX_AGE_S = 300
EXPIRY_WARNING = timedelta(days=30)
APNS_ENVIRONMENTS = {
    "production": "https://api.push.apple.com",
    "sandbox": "https://api.sandbox.push.apple.com",
}

T = TypeVar("T")


class WalletNotConfigured(ServiceUnavailable):
    """The wallet credentials are missing or wrong. `detail` says what to fix (for logs and
    operators); the message the public sees stays generic."""

    code = "WALLET_NOT_CONFIGURED"

    def __init__(self, detail: str, *, platform: str = "wallet"):
        label = {"apple": "Apple Wallet", "google": "Google Wallet"}.get(platform, "Wallet")
        super().__init__(f"{label} passes are not available right now")
        self.detail = detail
        self.platform = platform

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class ApplePassCredentials:
    pass_type_identifier: str
    team_identifier: str
    certificate: Any  # cryptography x509.Certificate
    private_key: Any  # RSA or EC private key
    wwdr_certificate: Any
    fingerprint: str = ""

    @property
    def not_valid_after(self) -> datetime:
        moment: datetime = self.certificate.not_valid_after_utc
        return moment


@dataclass(frozen=True)
class ApnsCredentials:
    """Token-based APNs authentication (ES256 provider tokens)."""

    key_id: str
    team_id: str
    private_key_pem: str = field(repr=False)
    environment: str = "production"

    @property
    def endpoint(self) -> str:
        return APNS_ENVIRONMENTS[self.environment]


@dataclass(frozen=True)
class GoogleWalletCredentials:
    issuer_id: str
    service_account_info: dict[str, Any] = field(repr=False)

    @property
    def client_email(self) -> str:
        return str(self.service_account_info["client_email"])

    @property
    def private_key_id(self) -> str | None:
        return self.service_account_info.get("private_key_id")


# --- parsing and checks (pure: tests and the local stack call them with plain dicts) ---------


def _text(value: Mapping[str, Any], key: str, secret: str, platform: str) -> str:
    found = value.get(key)
    if not isinstance(found, str) or not found.strip():
        raise WalletNotConfigured(f"the {secret} secret has no '{key}' (see docs/wallet.md for its JSON shape)", platform=platform)
    return found


def _name_attribute(name: Any, oid: Any) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def parse_apple_pass_credentials(value: Mapping[str, Any], *, now: datetime | None = None) -> ApplePassCredentials:
    """Load and check the apple_pass secret value; raises WalletNotConfigured saying what is wrong."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    secret = "apple_pass"  # noqa: S105 (the secret's name, not its value)
    if not isinstance(value, Mapping) or not value:
        raise WalletNotConfigured("the apple_pass secret is empty: put the Pass Type ID certificate in it (docs/wallet.md)", platform="apple")
    try:
        certificate = x509.load_pem_x509_certificate(_text(value, "certificate_pem", secret, "apple").encode())
    except ValueError as exc:
        raise WalletNotConfigured(f"apple_pass.certificate_pem is not a PEM certificate ({exc})", platform="apple") from None
    try:
        wwdr = x509.load_pem_x509_certificate(_text(value, "wwdr_certificate_pem", secret, "apple").encode())
    except ValueError as exc:
        raise WalletNotConfigured(f"apple_pass.wwdr_certificate_pem is not a PEM certificate ({exc})", platform="apple") from None
    password = value.get("private_key_password")
    try:
        private_key = serialization.load_pem_private_key(
            _text(value, "private_key_pem", secret, "apple").encode(), password=password.encode() if password else None
        )
    except (ValueError, TypeError) as exc:
        raise WalletNotConfigured(
            f"apple_pass.private_key_pem cannot be loaded ({type(exc).__name__}: wrong format or private_key_password)",
            platform="apple",
        ) from None

    uid = _name_attribute(certificate.subject, NameOID.USER_ID)
    team = _name_attribute(certificate.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    pass_type_identifier = value.get("pass_type_identifier") or uid
    team_identifier = value.get("team_identifier") or team
    if not uid:
        raise WalletNotConfigured("the Apple pass certificate has no UID: it is not a Pass Type ID certificate", platform="apple")
    if pass_type_identifier != uid:
        raise WalletNotConfigured(
            f"passTypeIdentifier '{pass_type_identifier}' does not match the certificate's UID '{uid}': "
            "use the certificate issued for this pass type, or fix apple_pass.pass_type_identifier",
            platform="apple",
        )
    if not team or team_identifier != team:
        raise WalletNotConfigured(
            f"teamIdentifier '{team_identifier}' does not match the certificate's OU '{team}': "
            "fix apple_pass.team_identifier (your Apple Developer team id)",
            platform="apple",
        )
    moment = now or datetime.now(UTC)
    if certificate.not_valid_after_utc <= moment:
        raise WalletNotConfigured(
            f"the Apple pass certificate for {uid} expired on {certificate.not_valid_after_utc:%Y-%m-%d}: "
            "create a new one in the Apple Developer portal and update the apple_pass secret",
            platform="apple",
        )
    if certificate.not_valid_before_utc > moment:
        raise WalletNotConfigured(
            f"the Apple pass certificate for {uid} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            platform="apple",
        )
    if wwdr.not_valid_after_utc <= moment:
        raise WalletNotConfigured(
            f"the WWDR certificate expired on {wwdr.not_valid_after_utc:%Y-%m-%d}: download Apple's current WWDR G4 certificate",
            platform="apple",
        )
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(serialization.Encoding.DER, public) != certificate.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise WalletNotConfigured("apple_pass.private_key_pem is not the private key of apple_pass.certificate_pem", platform="apple")
    try:
        certificate.verify_directly_issued_by(wwdr)
    except Exception as exc:  # InvalidSignature, or a name / key type mismatch
        raise WalletNotConfigured(
            f"the WWDR certificate did not issue the pass certificate ({type(exc).__name__}): "
            "use Apple's WWDR G4 intermediate (the issuer of Pass Type ID certificates)",
            platform="apple",
        ) from None
    if certificate.not_valid_after_utc - EXPIRY_WARNING <= moment:
        logger().warning(
            "the Apple pass certificate expires soon: renew it",
            extra={"pass_type_identifier": uid, "not_valid_after": certificate.not_valid_after_utc.isoformat()},
        )
    fingerprint = certificate.fingerprint(_sha256()).hex()
    return ApplePassCredentials(
        pass_type_identifier=uid,
        team_identifier=team,
        certificate=certificate,
        private_key=private_key,
        wwdr_certificate=wwdr,
        fingerprint=fingerprint,
    )


def _sha256() -> Any:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def parse_apns_credentials(value: Mapping[str, Any] | None) -> ApnsCredentials | None:
    """The apns secret: None when empty (pushes then use the Pass Type ID certificate)."""
    if not value:
        return None
    environment = str(value.get("environment") or "production")
    if environment not in APNS_ENVIRONMENTS:
        raise WalletNotConfigured(f"apns.environment must be one of {sorted(APNS_ENVIRONMENTS)}, not '{environment}'", platform="apple")
    pem = _text(value, "private_key_pem", "apns", "apple")
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise WalletNotConfigured("apns.private_key_pem is not a PEM private key (the .p8 file from Apple)", platform="apple") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise WalletNotConfigured("apns.private_key_pem must be an ES256 (P-256) key, the .p8 file from Apple", platform="apple")
    return ApnsCredentials(
        key_id=_text(value, "key_id", "apns", "apple"),
        team_id=_text(value, "team_id", "apns", "apple"),
        private_key_pem=pem,
        environment=environment,
    )


def parse_google_wallet_credentials(value: Mapping[str, Any]) -> GoogleWalletCredentials:
    """The google_wallet secret: {"issuer_id", "service_account": {key file}}, or the key
    file's fields at the top level next to issuer_id."""
    if not isinstance(value, Mapping) or not value:
        raise WalletNotConfigured("the google_wallet secret is empty: put the issuer id and service-account key in it (docs/wallet.md)", platform="google")
    issuer_id = str(value.get("issuer_id") or "").strip()
    if not issuer_id.isdigit():
        raise WalletNotConfigured("google_wallet.issuer_id must be your Google Wallet issuer id (digits)", platform="google")
    info = value.get("service_account") or {k: v for k, v in value.items() if k != "issuer_id"}
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except ValueError:
            raise WalletNotConfigured("google_wallet.service_account is not the service-account JSON", platform="google") from None
    for key in ("client_email", "private_key", "token_uri"):
        if not isinstance(info.get(key), str) or not info[key]:
            raise WalletNotConfigured(f"google_wallet.service_account has no '{key}': paste the whole key file", platform="google")
    try:
        from google.auth import crypt

        crypt.RSASigner.from_service_account_info(info)
    except (ValueError, TypeError):
        raise WalletNotConfigured("google_wallet.service_account.private_key is not an RSA private key", platform="google") from None
    return GoogleWalletCredentials(issuer_id=issuer_id, service_account_info=dict(info))


# --- loading from Secrets Manager (cached) -------------------------------------------------------

_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _read_secret(name: str, platform: str) -> dict[str, Any]:
    arn = settings().secrets.get(name)
    if not arn:
        raise WalletNotConfigured(
            f"no {name} secret is configured for this function ({name.upper()}_SECRET_ARN is unset): add it to the route's Needs",
            platform=platform,
        )
    from outreachpass.integrations.secrets import SecretUnavailable, secret_json

    try:
        value = secret_json(arn, max_age_s=0)  # _cached keeps the parsed value SECRET_MAX_AGE_S
    except ValueError:
        raise WalletNotConfigured(f"the {name} secret is not JSON (see docs/wallet.md)", platform=platform) from None
    except SecretUnavailable as exc:
        logger().warning("reading a wallet secret failed", extra={"secret": name, "error": type(exc.__cause__ or exc).__name__})
        raise ServiceUnavailable("Wallet credentials could not be read, please retry shortly") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WalletNotConfigured(f"the {name} secret must be a JSON object", platform=platform)
    return value


def _cached(name: str, platform: str, parse: Callable[[dict[str, Any]], T]) -> T:
    """Parsed (and checked) once per SECRET_MAX_AGE_S: a rotated secret, or a certificate that
    expires while the container is warm, is noticed within that time."""
    now = time.monotonic()
    entry = _cache.get(name)
    if entry is not None and entry[0] > now:
        return cast(T, entry[1])  # what `parse` made for this name
    raw = _read_secret(name, platform)
    try:
        parsed = parse(raw)
    except WalletNotConfigured as exc:
        logger().error("wallet credentials are not usable", extra={"secret": name, "reason": exc.detail})
        raise
    with _cache_lock:
        _cache[name] = (now + SECRET_MAX_AGE_S, parsed)
    return parsed


def apple_pass_credentials() -> ApplePassCredentials:
    return _cached("apple_pass", "apple", parse_apple_pass_credentials)


def apns_credentials() -> ApnsCredentials | None:
    return _cached("apns", "apple", parse_apns_credentials)


def google_wallet_credentials() -> GoogleWalletCredentials:
    return _cached("google_wallet", "google", parse_google_wallet_credentials)


def reset_credentials() -> None:
    """Forget parsed credentials (tests that change a secret's value)."""
    with _cache_lock:
        _cache.clear()
