"""Apple Wallet .pkpass files: pass.json for a contact card, the manifest, the signature, the zip.

A .pkpass is a zip of pass.json, the images, manifest.json (the SHA-1 of every other file,
and nothing else) and `signature` (signing.sign_manifest). Pure functions of their inputs:
the caller supplies the content, the images and the credentials.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from outreachpass.integrations.wallet.signing import sign_manifest

MEDIA_TYPE = "application/vnd.apple.pkpass"
REQUIRED_IMAGES = ("icon.png", "icon@2x.png", "icon@3x.png")
# Apple's limit for what a device downloads is generous, but a contact card has no reason to
# be big: refuse to build one over this (a brand logo gone wrong).
MAX_PKPASS_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Colours:
    foreground: str  # "#rrggbb"
    background: str
    label: str


@dataclass(frozen=True)
class ApplePassContent:
    """What the pass shows and how the device finds updates."""

    serial_number: str
    authentication_token: str
    web_service_url: str  # <public base URL>/wallet (the device appends /v1/...)
    card_url: str  # the card page; the QR code adds ?src=qr
    organization_name: str
    display_name: str
    colours: Colours
    title: str | None = None
    org_name: str | None = None
    event_name: str | None = None
    event_dates: str | None = None  # "Thu 1 May - Fri 2 May 2031" (an en dash), in the event's time zone
    email: str | None = None
    phone: str | None = None
    logo_text: str | None = None
    voided: bool = False


def rgb(hex_colour: str) -> str:
    """"#1f2937" -> "rgb(31, 41, 55)" (Apple's colour syntax)."""
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def qr_url(card_url: str) -> str:
    return f"{card_url}{'&' if '?' in card_url else '?'}src=qr"


def _field(key: str, label: str, value: str | None, **extra: Any) -> list[dict[str, Any]]:
    if value is None or not str(value).strip():
        return []  # Apple requires a value; an empty field is left out
    return [{"key": key, "label": label, "value": str(value).strip(), **extra}]


def pass_json(content: ApplePassContent, *, pass_type_identifier: str, team_identifier: str) -> dict[str, Any]:
    """The pass.json dictionary of a `generic` pass for a contact card."""
    back = [
        *_field("email", "Email", content.email, dataDetectorTypes=["PKDataDetectorTypeLink"]),
        *_field("phone", "Phone", content.phone, dataDetectorTypes=["PKDataDetectorTypePhoneNumber"]),
        *_field(
            "card",
            "Contact card",
            content.card_url,
            attributedValue=f"<a href=\"{content.card_url}\">Open the contact card</a>",
        ),
    ]
    document: dict[str, Any] = {
        "formatVersion": 1,
        "passTypeIdentifier": pass_type_identifier,
        "serialNumber": content.serial_number,
        "teamIdentifier": team_identifier,
        "organizationName": content.organization_name,
        "description": f"Contact card of {content.display_name}",
        "foregroundColor": rgb(content.colours.foreground),
        "backgroundColor": rgb(content.colours.background),
        "labelColor": rgb(content.colours.label),
        "generic": {
            "primaryFields": _field("name", "Name", content.display_name),
            "secondaryFields": [*_field("title", "Title", content.title), *_field("organisation", "Organisation", content.org_name)],
            "auxiliaryFields": [*_field("event", "Event", content.event_name), *_field("when", "When", content.event_dates)],
            "backFields": back,
        },
        "barcodes": [
            {
                "format": "PKBarcodeFormatQR",
                "message": qr_url(content.card_url),
                "messageEncoding": "utf-8",
                "altText": content.display_name[:40],
            }
        ],
        "webServiceURL": content.web_service_url,
        "authenticationToken": content.authentication_token,
    }
    if content.logo_text:
        document["logoText"] = content.logo_text
    if content.voided:
        document["voided"] = True
    return document


def manifest_for(files: Mapping[str, bytes]) -> bytes:
    """manifest.json: {"<name>": "<sha1 hex>"} for every file of the pass (sorted, compact)."""
    return json.dumps(
        {name: hashlib.sha1(data, usedforsecurity=False).hexdigest() for name, data in sorted(files.items())},
        separators=(",", ":"),
    ).encode()


def build_pkpass(
    content: ApplePassContent,
    images: Mapping[str, bytes],
    *,
    pass_type_identifier: str,
    team_identifier: str,
    certificate: Any,
    private_key: Any,
    intermediate: Any,
) -> bytes:
    """The signed .pkpass archive, as bytes."""
    missing = [name for name in REQUIRED_IMAGES if name not in images]
    if missing:
        raise ValueError(f"a pass needs {', '.join(missing)}")
    document = pass_json(content, pass_type_identifier=pass_type_identifier, team_identifier=team_identifier)
    files: dict[str, bytes] = {
        "pass.json": json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        **images,
    }
    manifest = manifest_for(files)
    signature = sign_manifest(manifest, certificate=certificate, private_key=private_key, intermediate=intermediate)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            # PNGs are compressed already; deflate only the JSON.
            compression = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(_entry(name), data, compress_type=compression)
        archive.writestr(_entry("manifest.json"), manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(_entry("signature"), signature, compress_type=zipfile.ZIP_STORED)
    data = buffer.getvalue()
    if len(data) > MAX_PKPASS_BYTES:
        raise ValueError(f"the pass is {len(data)} bytes, over the {MAX_PKPASS_BYTES} byte limit (check the brand images)")
    return data


_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed time: the same files give the same archive bytes."""
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    return info
