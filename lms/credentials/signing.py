"""What a certificate's signature covers, and the QR payload that carries it.

Pure functions: no keys are read here (see :mod:`lms.credentials.keys`). The
signed message is a canonical JSON array of the certificate's key fields, so
anyone holding the published public key can check a certificate offline.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MESSAGE_VERSION = "lms-certificate/1"
#: Crockford's base32: no I, L, O or U, so a serial read aloud is unambiguous.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 28  # 140 random bits
_SERIAL_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SERIAL_RE = re.compile(f"[{SERIAL_ALPHABET}]{{{SERIAL_LENGTH}}}")
_SIGNATURE_RE = re.compile(r"([0-9a-f]{4,40})\.([A-Za-z0-9_-]{86})")
# Characters never printed: controls, and the bidirectional overrides that
# could make a printed name read differently from the stored one.
_INVISIBLE = {
    cp: " " if chr(cp) in "\t\n\r\v\f" else None
    for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F)]
    + [*range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
}


class CertificateFacts(Protocol):
    """The snapshot a certificate keeps (the model has it; so can a test double)."""

    serial: str
    holder_name: str
    course_code: str
    course_title: str
    completed_on: date
    issued_on: date
    expires_on: date | None
    organization_name: str
    credit_hours: Decimal
    instructor_name: str
    signer_name: str
    key_id: str | None
    signature: str | None


def new_serial() -> str:
    """A random serial of 140 bits in Crockford base32 (28 characters)."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def display_serial(serial: str) -> str:
    """The serial in groups of four: ``7KQ2-M9XA-...``."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))


def normalize_serial(text: str) -> str | None:
    """A typed or scanned serial in stored form, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_SERIAL_ALIASES)
    return cleaned if _SERIAL_RE.fullmatch(cleaned) else None


def clean_text(value: str) -> str:
    """Text as printed and signed: NFC, no control or direction-override characters."""
    if value.isascii() and value.isprintable() and "  " not in value and value == value.strip():
        return value
    text = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return re.sub(r" {2,}", " ", text).strip()


@functools.lru_cache(maxsize=1024)
def format_hours(hours: Decimal | float | int) -> str:
    """``8`` for 8.00 hours, ``7.5`` for 7.50."""
    value = Decimal(str(hours)).normalize()
    return f"{value:f}"


def signed_fields(cert: CertificateFacts) -> list[str]:
    """The fields a signature covers, in order."""
    return [
        MESSAGE_VERSION,
        cert.serial,
        cert.holder_name,
        cert.course_code,
        cert.course_title,
        cert.completed_on.isoformat(),
        cert.issued_on.isoformat(),
        cert.expires_on.isoformat() if cert.expires_on else "",
        cert.organization_name,
        format_hours(cert.credit_hours),
    ]


FIELD_NAMES = (
    "version",
    "serial",
    "holder",
    "course_code",
    "course",
    "completed",
    "issued",
    "expires",
    "organization",
    "hours",
)


def message(fields: list[str]) -> bytes:
    """The exact bytes signed: the fields as a compact JSON array in UTF-8."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signature_token(cert: CertificateFacts) -> str:
    """``<key id>.<signature>``, as carried in the QR code's URL."""
    if not cert.key_id or not cert.signature:
        raise ValueError("the certificate is not signed")
    return f"{cert.key_id}.{cert.signature}"


def qr_payload(verify_url: str, cert: CertificateFacts) -> str:
    """The verification URL for ``cert`` with its signature: what the QR code holds."""
    return f"{verify_url}?sig={signature_token(cert)}"


def attestation(cert: CertificateFacts) -> str:
    """The signed fields and signature as JSON, embedded in the PDF for offline checks."""
    record = dict(zip(FIELD_NAMES, signed_fields(cert), strict=True))
    record["key_id"] = cert.key_id
    record["signature"] = cert.signature
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Token:
    key_id: str
    signature: bytes


def parse_token(text: str | None) -> Token | None:
    """A ``<key id>.<signature>`` token, or None when it is not one."""
    match = _SIGNATURE_RE.fullmatch(text or "")
    if not match:
        return None
    try:
        raw = b64url_decode(match.group(2))
    except (binascii.Error, ValueError):
        return None
    return Token(match.group(1), raw) if len(raw) == 64 else None


@dataclass(frozen=True)
class ScannedPayload:
    serial: str  # stored form
    token: Token | None


def parse_payload(text: str) -> ScannedPayload | None:
    """A QR payload (``.../verify/<serial>?sig=...``), or None when it is not one."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[-2] != "verify":
        return None
    serial = normalize_serial(segments[-1])
    if serial is None:
        return None
    tokens = parse_qs(parts.query).get("sig", [])
    return ScannedPayload(serial, parse_token(tokens[0]) if len(tokens) == 1 else None)


def verify(
    fields: list[str], token: Token | None, public_keys: Mapping[str, Ed25519PublicKey]
) -> bool:
    """True only if ``token`` is a signature over ``fields`` by a published key."""
    if token is None:
        return False
    key = public_keys.get(token.key_id)
    if key is None:
        return False
    try:
        key.verify(token.signature, message(fields))
    except InvalidSignature:
        return False
    return True


def fields_from_attestation(record: Mapping[str, Any]) -> tuple[list[str], Token | None]:
    """The signed fields and token of an embedded attestation (KeyError if incomplete)."""
    fields = [str(record[name]) for name in FIELD_NAMES]
    token = parse_token(f"{record.get('key_id')}.{record.get('signature')}")
    return fields, token
