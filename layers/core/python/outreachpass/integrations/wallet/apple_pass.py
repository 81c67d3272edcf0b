"""Apple Wallet .pkpass files: pass.json for a contact card, its localized strings, the manifest,
the signature, the zip.

A .pkpass is a zip of pass.json, the images, `<lang>.lproj/pass.strings`, manifest.json (the
SHA-1 of every other file, and nothing else) and `signature` (signing.sign_manifest). Pure
functions of their inputs: the caller supplies the content, the strings, the images and the
credentials.

Localization as Apple documents it: pass.json carries keys (`op.name`, `op.description`, ...)
where Wallet shows a localized string, and each `<lang>.lproj/pass.strings` maps those keys to
that language's text ("key" = "value"; lines, UTF-16 with a byte order mark). A pass carries
one localization, the pass's language: with several, Wallet picks by the device's languages
and, when none matches, an arbitrary one (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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


STRING_KEY_PREFIX = "op."


def string_key(name: str) -> str:
    """The pass.json key Wallet looks up in pass.strings for one of our strings (a prefix no name
    or title will equal: Wallet looks every displayed string up)."""
    return STRING_KEY_PREFIX + name


@dataclass(frozen=True)
class ApplePassContent:
    """What the pass shows, when and where it is relevant, and how the device finds updates."""

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
    email: str | None = None
    phone: str | None = None
    bio: str | None = None
    website: str | None = None
    logo_text: str | None = None
    voided: bool = False
    # The pass's one localization: `<language>.lproj/pass.strings` with `strings` ({name: text},
    # each under string_key(name)); the labels, the description and the lock-screen text are
    # those keys in pass.json.
    language: str = "en"
    strings: dict[str, str] = field(default_factory=dict)
    # The event: its dates (aware, in the event's time zone; shown in it), where, and whom to ask.
    event_starts: datetime | None = None
    event_ends: datetime | None = None
    venue: str | None = None  # name and address, one per line
    organiser: str | None = None
    organiser_email: str | None = None
    # Relevance and expiry: relevantDate (iOS up to 17) and relevantDates (iOS 18: intervals of
    # at most a day), expirationDate, and the venue's coordinates.
    relevant_date: datetime | None = None
    relevant_dates: tuple[tuple[datetime, datetime], ...] = ()
    expiration_date: datetime | None = None
    locations: tuple[tuple[float, float], ...] = ()


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
    return [{"key": key, "label": string_key(label), "value": str(value).strip(), **extra}]


def w3c(moment: datetime) -> str:
    """A W3C timestamp with its offset (what Apple's date keys take), to the second."""
    return moment.replace(microsecond=0).isoformat()


def _date_field(key: str, label: str, moment: datetime | None, *, time_style: str = "PKDateStyleShort") -> list[dict[str, Any]]:
    if moment is None:
        return []
    # Wallet formats the date in the reader's locale; ignoresTimeZone shows the event's own
    # time, not the time where the phone is.
    return [{"key": key, "label": string_key(label), "value": w3c(moment), "dateStyle": "PKDateStyleMedium",
             "timeStyle": time_style, "ignoresTimeZone": True}]


def pass_json(content: ApplePassContent, *, pass_type_identifier: str, team_identifier: str) -> dict[str, Any]:
    """The pass.json dictionary of a `generic` pass for a contact card."""
    back = [
        *_field("event_name", "event", content.event_name),  # keys are unique across the pass (Apple)
        *_date_field("starts", "starts", content.event_starts),
        *_date_field("ends", "ends", content.event_ends),
        *_field("venue", "venue", content.venue),
        *_field("email", "email", content.email, dataDetectorTypes=["PKDataDetectorTypeLink"]),
        *_field("phone", "phone", content.phone, dataDetectorTypes=["PKDataDetectorTypePhoneNumber"]),
        *_field("bio", "about", content.bio),
        *_field("website", "website", content.website, dataDetectorTypes=["PKDataDetectorTypeLink"]),
        *_field(
            "card",
            "contact_card",
            content.card_url,
            attributedValue=string_key("card_link"),  # pass_strings: a link named in the pass's language
        ),
        *_field("organiser", "organiser", content.organiser),
        *_field("organiser_email", "organiser_email", content.organiser_email, dataDetectorTypes=["PKDataDetectorTypeLink"]),
    ]
    document: dict[str, Any] = {
        "formatVersion": 1,
        "passTypeIdentifier": pass_type_identifier,
        "serialNumber": content.serial_number,
        "teamIdentifier": team_identifier,
        "organizationName": content.organization_name,
        "description": string_key("description"),
        "foregroundColor": rgb(content.colours.foreground),
        "backgroundColor": rgb(content.colours.background),
        "labelColor": rgb(content.colours.label),
        "generic": {
            "headerFields": _date_field("date", "starts", content.event_starts, time_style="PKDateStyleNone"),
            "primaryFields": _field("name", "name", content.display_name),
            "secondaryFields": [*_field("title", "title", content.title), *_field("organisation", "organisation", content.org_name)],
            "auxiliaryFields": _field("event", "event", content.event_name),
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
    if content.relevant_date is not None:
        document["relevantDate"] = w3c(content.relevant_date)
    if content.relevant_dates:
        document["relevantDates"] = [{"startDate": w3c(start), "endDate": w3c(end)} for start, end in content.relevant_dates]
    if content.expiration_date is not None:
        document["expirationDate"] = w3c(content.expiration_date)
    if content.locations:
        document["locations"] = [
            {"latitude": latitude, "longitude": longitude, "relevantText": string_key("near_venue")}
            for latitude, longitude in content.locations[:10]  # Apple reads at most ten
        ]
    if content.voided:
        document["voided"] = True
    return document


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quoted(value: str) -> str:
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\U{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def pass_strings(content: ApplePassContent) -> dict[str, str]:
    """What the pass's pass.strings holds: each of content.strings under its key, and the card
    link of the back (a link whose text is the localized "open the contact card")."""
    strings = {string_key(name): text for name, text in content.strings.items()}
    link_text = content.strings.get("open_contact_card")
    if link_text:
        strings[string_key("card_link")] = f'<a href="{html.escape(content.card_url)}">{html.escape(link_text)}</a>'
    return strings


def strings_file(strings: Mapping[str, str]) -> bytes:
    """A pass.strings file: `"key" = "value";` per line, sorted, UTF-16 (little endian) with a
    byte order mark, the encoding Apple's strings files are documented in."""
    text = "".join(f"{_quoted(key)} = {_quoted(value)};\n" for key, value in sorted(strings.items()))
    return b"\xff\xfe" + text.encode("utf-16-le")


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
    if content.strings:
        files[f"{content.language}.lproj/pass.strings"] = strings_file(pass_strings(content))
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
