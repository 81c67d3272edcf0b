"""Local wallet credentials: a development CA, a Pass Type ID certificate, an APNs key and a
Google service-account key, generated once and kept under `<data_dir>/wallet/`.

None of this is trusted by a phone: the pass certificate is signed by a local root CA (and a
local stand-in for Apple's WWDR intermediate), not by Apple, so an iPhone refuses the
.pkpass files it signs; the APNs key and the service account are not known to Apple or
Google. They exist so that every code path (signing, the web service, pushes, the Google
save JWT) runs locally and in the tests exactly as in AWS. For real credentials see
docs/wallet.md.

`install_wallet_credentials(aws, data_dir)` (called by the local stack at start):
- generates the files when missing (or when the pass certificate is about to expire);
- stores them as the values of the `apple_pass`, `apns` and `google_wallet` secrets in moto
  Secrets Manager, in the JSON shapes the runtime reads (outreachpass.integrations.wallet.
  credentials, documented in docs/wallet.md);
- installs the local fakes of APNs and the Google Wallet API at the transport
  (local.wallet_fakes), since neither is reachable from a development machine: pushes and
  Google calls are logged as "would push" / "would insert" instead of failing.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("local.wallet")

PASS_TYPE_IDENTIFIER = "pass.dev.outreachpass.local"  # noqa: S105 (an identifier, not a password)
TEAM_IDENTIFIER = "LOCALTEAM1"
APNS_KEY_ID = "LOCALKEY01"
GOOGLE_ISSUER_ID = "3388000000000000001"
GOOGLE_CLIENT_EMAIL = "wallet-local@outreachpass-local.iam.gserviceaccount.com"
# Apple's OID for the Pass Type ID certificate's extended key usage.
APPLE_PASS_EKU = "1.2.840.113635.100.4.14"  # noqa: S105 (an OID)
RENEW_BEFORE = timedelta(days=30)
RELAY_INTERVAL_S = 2.0

_lock = threading.Lock()


@dataclass(frozen=True)
class WalletFiles:
    """Where the generated credentials live (PEM files, mode 0600 for private keys)."""

    directory: Path

    @property
    def root_ca(self) -> Path:  # what `openssl smime -verify -CAfile` trusts
        return self.directory / "root_ca.pem"

    @property
    def root_ca_key(self) -> Path:
        return self.directory / "root_ca.key.pem"

    @property
    def wwdr(self) -> Path:
        return self.directory / "wwdr.pem"

    @property
    def wwdr_key(self) -> Path:
        return self.directory / "wwdr.key.pem"

    @property
    def pass_certificate(self) -> Path:
        return self.directory / "pass.pem"

    @property
    def pass_key(self) -> Path:
        return self.directory / "pass.key.pem"

    @property
    def apns_key(self) -> Path:
        return self.directory / f"AuthKey_{APNS_KEY_ID}.p8"

    @property
    def google_service_account(self) -> Path:
        return self.directory / "google_service_account.json"


@dataclass
class LocalWallet:
    """What the local stack keeps: the files, the secret values and the installed fakes, and
    the local stand-in for the wallet_outbox_relay schedule (EventBridge runs it in AWS)."""

    files: WalletFiles
    secrets: dict[str, dict[str, Any]]
    apns: Any = None  # local.wallet_fakes.FakeApns
    google: Any = None  # local.wallet_fakes.FakeGoogleWallet
    _relay: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def start_relay(self, interval_s: float = RELAY_INTERVAL_S) -> None:
        """Relay committed card changes to the wallet_push queue every few seconds (`make dev`),
        so a change reaches the (fake) devices while you watch. Never raises into the stack."""
        if self._relay is not None:
            return
        self._stop.clear()
        # Imported here, not in the thread: concurrent first imports of a package on two threads
        # can see each other's half-initialised modules.
        from outreachpass.services.wallet.push import dispatch_outbox

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    dispatch_outbox()
                except Exception:
                    log.warning("wallet: the local outbox relay failed; it tries again in %.0f s", interval_s, exc_info=True)

        self._relay = threading.Thread(target=loop, name="wallet-outbox-relay", daemon=True)
        self._relay.start()

    def stop_relay(self) -> None:
        self._stop.set()
        if self._relay is not None:
            self._relay.join(timeout=10)
            self._relay = None


def wallet_files(data_dir: Path) -> WalletFiles:
    return WalletFiles(Path(data_dir) / "wallet")


def ensure_credentials(data_dir: Path) -> WalletFiles:
    """Generate whatever is missing (or expiring) under <data_dir>/wallet; reuse the rest."""
    files = wallet_files(data_dir)
    with _lock:
        files.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(files.directory, 0o700)
        if not (files.root_ca.exists() and files.root_ca_key.exists() and files.wwdr.exists() and files.wwdr_key.exists()):
            _generate_authorities(files)
        if not (files.pass_certificate.exists() and files.pass_key.exists()) or _expiring(files.pass_certificate):
            _generate_pass_certificate(files)
        if not files.apns_key.exists():
            _generate_apns_key(files)
        if not files.google_service_account.exists():
            _generate_service_account(files)
    return files


def secret_values(files: WalletFiles) -> dict[str, dict[str, Any]]:
    """The secret values, in the shapes of docs/wallet.md."""
    return {
        "apple_pass": {
            "pass_type_identifier": PASS_TYPE_IDENTIFIER,
            "team_identifier": TEAM_IDENTIFIER,
            "certificate_pem": files.pass_certificate.read_text(),
            "private_key_pem": files.pass_key.read_text(),
            "wwdr_certificate_pem": files.wwdr.read_text(),
        },
        "apns": {
            "key_id": APNS_KEY_ID,
            "team_id": TEAM_IDENTIFIER,
            "private_key_pem": files.apns_key.read_text(),
            "environment": "sandbox",
        },
        "google_wallet": {
            "issuer_id": GOOGLE_ISSUER_ID,
            "service_account": json.loads(files.google_service_account.read_text()),
        },
    }


def install_wallet_credentials(aws: Any, data_dir: Path, *, fakes: bool = True) -> LocalWallet:
    """Generate (once) and register the wallet secrets in moto; install the APNs/Google fakes.

    `aws` is the stack's local.aws.LocalAws (put_secret_value). The values are checked the
    way the runtime checks real ones, so a broken setup fails the start with a clear message.
    """
    from outreachpass.integrations.wallet.credentials import (
        parse_apns_credentials,
        parse_apple_pass_credentials,
        parse_google_wallet_credentials,
    )

    files = ensure_credentials(data_dir)
    values = secret_values(files)
    parse_apple_pass_credentials(values["apple_pass"])
    parse_apns_credentials(values["apns"])
    parse_google_wallet_credentials(values["google_wallet"])
    for name, value in values.items():
        aws.put_secret_value(name, json.dumps(value))
    wallet = LocalWallet(files=files, secrets=values)
    if fakes:
        from local.wallet_fakes import install_fakes

        wallet.apns, wallet.google = install_fakes()
    log.info(
        "wallet: local development credentials in %s (signed by a local CA: passes will not install on a phone; "
        "APNs and Google Wallet are faked locally)",
        files.directory,
    )
    return wallet


# --- generation -----------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _expiring(path: Path) -> bool:
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return True
    return certificate.not_valid_after_utc - RENEW_BEFORE < _now()


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _rsa_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(**attributes: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    oids = {
        "uid": NameOID.USER_ID,
        "cn": NameOID.COMMON_NAME,
        "ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "o": NameOID.ORGANIZATION_NAME,
        "c": NameOID.COUNTRY_NAME,
    }
    return x509.Name([x509.NameAttribute(oids[key], value) for key, value in attributes.items()])


def _ca_certificate(subject: Any, key: Any, issuer: Any, issuer_key: Any, *, days: int, path_length: int | None) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _generate_authorities(files: WalletFiles) -> None:
    from cryptography.hazmat.primitives import serialization

    root_key = _rsa_key()
    root_name = _name(cn="OutreachPass Local Development Root CA", ou="Not trusted by any device", o="OutreachPass Local", c="US")
    root = _ca_certificate(root_name, root_key, root_name, root_key, days=3650, path_length=1)
    wwdr_key = _rsa_key()
    wwdr_name = _name(
        cn="OutreachPass Local Stand-in for Apple WWDR CA", ou="G4", o="OutreachPass Local", c="US"
    )
    wwdr = _ca_certificate(wwdr_name, wwdr_key, root_name, root_key, days=3650, path_length=0)
    _write(files.root_ca_key, _key_pem(root_key), private=True)
    _write(files.root_ca, root.public_bytes(serialization.Encoding.PEM))
    _write(files.wwdr_key, _key_pem(wwdr_key), private=True)
    _write(files.wwdr, wwdr.public_bytes(serialization.Encoding.PEM))
    # A new intermediate means the pass certificate must be re-issued under it.
    for stale in (files.pass_certificate, files.pass_key):
        stale.unlink(missing_ok=True)
    log.info("wallet: generated a local root CA and WWDR stand-in in %s", files.directory)


def _generate_pass_certificate(files: WalletFiles) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    wwdr = x509.load_pem_x509_certificate(files.wwdr.read_bytes())
    wwdr_key = serialization.load_pem_private_key(files.wwdr_key.read_bytes(), password=None)
    key = _rsa_key()
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            _name(
                uid=PASS_TYPE_IDENTIFIER,
                cn=f"Pass Type ID: {PASS_TYPE_IDENTIFIER}",
                ou=TEAM_IDENTIFIER,
                o="OutreachPass Local",
                c="US",
            )
        )
        .issuer_name(wwdr.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ObjectIdentifier(APPLE_PASS_EKU)]), critical=False
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(wwdr_key.public_key()), critical=False)
        .sign(wwdr_key, hashes.SHA256())
    )
    _write(files.pass_key, _key_pem(key), private=True)
    _write(files.pass_certificate, certificate.public_bytes(serialization.Encoding.PEM))
    log.info("wallet: issued a local Pass Type ID certificate for %s (team %s)", PASS_TYPE_IDENTIFIER, TEAM_IDENTIFIER)


def _generate_apns_key(files: WalletFiles) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    _write(files.apns_key, _key_pem(ec.generate_private_key(ec.SECP256R1())), private=True)


def _generate_service_account(files: WalletFiles) -> None:
    key = _rsa_key()
    info = {
        "type": "service_account",
        "project_id": "outreachpass-local",
        "private_key_id": secrets.token_hex(20),
        "private_key": _key_pem(key).decode(),
        "client_email": GOOGLE_CLIENT_EMAIL,
        "client_id": str(secrets.randbelow(10**20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }
    _write(files.google_service_account, json.dumps(info, indent=2).encode(), private=True)
