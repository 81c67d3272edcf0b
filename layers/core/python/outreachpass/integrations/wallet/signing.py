"""The .pkpass signature: a detached PKCS#7 (CMS SignedData) DER signature of manifest.json.

Signed with SHA-256 by the Pass Type ID certificate's key, with the signed attributes
OpenSSL adds by default (content type, signing time, message digest), and Apple's WWDR
intermediate embedded next to the signer certificate so a device can build the chain to
Apple's root. Done with cryptography's PKCS7SignatureBuilder (OpenSSL underneath).
"""

from __future__ import annotations

from typing import Any


def sign_manifest(manifest: bytes, *, certificate: Any, private_key: Any, intermediate: Any) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(certificate, private_key, hashes.SHA256())
        .add_certificate(intermediate)
        .sign(
            serialization.Encoding.DER,
            # Detached: the manifest is a file of its own. Binary: sign the bytes as they are,
            # no MIME canonicalisation. NoCapabilities: no S/MIME capability list (mail only).
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities],
        )
    )
