"""The signed record of a transcript: canonical JSON, pure functions, no database.

The record lists what the transcript attests to as of its date: valid
completions, certification cycles and imported records (revoked ones are
left out), and hours per reporting period. Its exact UTF-8 text is what the
Ed25519 signature covers, what the PDF embeds and what it is drawn from. A
record is a JSON object whose ``version`` is ``lms-transcript/1``; certificate
messages are JSON arrays, so one can never be taken for the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..credentials.signing import Token, clean_text, format_hours

VERSION = "lms-transcript/1"
#: The file the record travels in, attached to the PDF.
ATTACHMENT_NAME = "transcript.json"


class TranscriptLike(Protocol):
    """What :func:`record_of` reads (see :class:`lms.transcripts.queries.Transcript`)."""

    as_of: date
    completions: list
    cycles: list
    imported: list
    hours: list


def short_date(day: date | None) -> str:
    """``3 Mar 2026``."""
    return f"{day.day} {day:%b %Y}" if day else ""


def record_of(
    transcript: TranscriptLike,
    *,
    serial: str,
    issued_on: date,
    issuer: str,
    holder: str,
    details: Mapping[str, str],
) -> dict[str, Any]:
    """The record to sign: the transcript's valid lines, and who, when and by whom."""
    text = clean_text
    return {
        "version": VERSION,
        "serial": serial,
        "holder": text(holder),
        "details": {key: text(value) for key, value in details.items() if value},
        "as_of": transcript.as_of.isoformat(),
        "issued": issued_on.isoformat(),
        "issuer": text(issuer),
        "certifications": [
            {
                "id": c.id,
                "track": text(c.track),
                "cycle": c.cycle,
                "granted": c.granted_on.isoformat(),
                "valid_from": c.valid_from.isoformat(),
                "expires": c.expires_on.isoformat(),
                "earned": c.earned.value,
                "how": text(c.how),
            }
            for c in transcript.cycles
            if not c.revoked
        ],
        "completions": [
            {
                "id": c.id,
                "date": c.completed_on.isoformat(),
                "course_code": text(c.course_code),
                "course": text(c.course_title),
                "hours": format_hours(c.hours),
                "result": text(c.result),
                "instructor": text(c.instructor),
            }
            for c in transcript.completions
            if not c.revoked
        ],
        "imported": [
            {
                "id": p.id,
                "date": p.completed_on.isoformat(),
                "training": text(p.title),
                "hours": format_hours(p.hours),
                "instructor": text(p.instructor),
                "source": text(p.source_system),
                "prior_certificate": text(p.prior_certificate_number),
            }
            for p in transcript.imported
            if not p.revoked
        ],
        "hours": [
            {
                "period": h.period.key,
                "label": h.period.label,
                "here": format_hours(h.here),
                "imported": format_hours(h.imported),
                "total": format_hours(h.total),
            }
            for h in transcript.hours
        ],
    }


def canonical(record: Mapping[str, Any]) -> str:
    """The record's one text form: compact JSON, keys sorted, UTF-8 characters as is."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def sha256(message: bytes) -> str:
    """Hex SHA-256 of the signed bytes."""
    return hashlib.sha256(message).hexdigest()


def verify(
    message: bytes, token: Token | None, public_keys: Mapping[str, Ed25519PublicKey]
) -> bool:
    """True only if ``token`` is a signature over ``message`` by a published key."""
    key = public_keys.get(token.key_id) if token is not None else None
    if key is None:
        return False
    try:
        key.verify(token.signature, message)
    except InvalidSignature:
        return False
    return True


def describe_completion(line: Mapping[str, Any]) -> str:
    """A completion line of a record in words."""
    return (
        f"{line['course']} ({line['course_code']}), {short_date(date.fromisoformat(line['date']))}"
    )


def describe_cycle(line: Mapping[str, Any]) -> str:
    """A certification line of a record in words."""
    granted = short_date(date.fromisoformat(line["granted"]))
    return f"{line['track']}, cycle {line['cycle']} granted {granted}"


def describe_imported(line: Mapping[str, Any]) -> str:
    """An imported line of a record in words."""
    day = short_date(date.fromisoformat(line["date"]))
    return f"{line['training']}, {day} (imported from {line['source']})"
