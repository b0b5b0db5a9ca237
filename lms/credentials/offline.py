"""A certificate PDF checked with nothing but the file: its signed record and its page.

The record travels in the PDF's information dictionary
(:func:`lms.credentials.signing.attestation`); the page shows the same values
in lines the renderer marks with their template (:data:`render.PRINTED_TAG`).
A page edited after issue (a name retyped, an expiry moved) no longer reads as
its record, and :func:`page_differences` says where. Scanning the QR code
remains the stronger check: a text check cannot see a name drawn as outlines
or pasted as a picture.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bidi import get_display
from pypdf import PdfReader

from .layouts import PLACEHOLDER
from .render import PRINTED_TAG, certificate_fields
from .signing import FIELD_NAMES

#: What every genuine page shows; other signed fields are compared where a line shows them.
REQUIRED_FIELDS = ("holder", "course", "completed")
#: Fields both signed and printed (``instructor`` and ``signer`` are printed, not signed).
COMPARED_FIELDS = ("holder", "course", "course_code", "hours", "completed", "issued", "expires")


@dataclass(frozen=True)
class PrintedLine:
    """One marked line of the page: its template and the text it shows."""

    template: str
    text: str


@dataclass(frozen=True)
class CertificatePdf:
    record: dict[str, Any] | None  # the embedded attestation, when there is one
    lines: tuple[PrintedLine, ...]  # the marked lines of the first page
    page_text: str  # everything the first page says


@dataclass(frozen=True)
class Difference:
    """A signed field the page shows otherwise (``page`` None: not shown at all)."""

    field: str
    page: str | None
    record: str

    def describe(self) -> str:
        if self.page is None:
            return (
                f'{self.field}: the page does not show it; the signed record says "{self.record}"'
            )
        return f'{self.field}: the page says "{self.page}"; the signed record says "{self.record}"'


def read_pdf(data: bytes) -> CertificatePdf | None:
    """The record and page text of a certificate PDF, or None when it is no readable PDF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        info = reader.metadata or {}
        lines, text = _read_page(reader.pages[0])
    except Exception:  # pypdf fails in many ways on a damaged file: it is no certificate
        return None
    return CertificatePdf(_record(info.get("/LMSCertificate")), tuple(lines), text)


def _record(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _read_page(page) -> tuple[list[PrintedLine], str]:
    """The page's printed lines (``/LMSPrinted`` marked content) and all its text."""
    marked, text = read_marked(page, PRINTED_TAG)
    return [
        PrintedLine(properties.get("/Template", ""), shown) for properties, shown in marked
    ], text


def read_marked(page, tag: str) -> tuple[list[tuple[dict[str, str], str]], str]:
    """The text inside each ``/tag`` marked-content sequence with its properties, and all text.

    A shaped line (an Indic or Arabic name) is read as the texts its runs' ``/Span``
    give (``/ActualText``, or ``/Alt`` for right-to-left runs), not glyph by glyph:
    its glyphs are in visual order, and some stand for several letters. A sequence
    may hold several lines (``BT`` ... ``ET``), shaped or not: each is read on its
    own, and they are joined by line breaks.
    """
    found: list[tuple[dict[str, str], str]] = []
    everything: list[str] = []
    properties: dict[str, str] | None = None
    lines: list[str] = []  # the sequence's lines read so far
    parts: list[str] = []  # the glyphs' text of the line being read
    given: list[str] = []  # the texts of the line's spans, in visual order
    rtl = False  # the line is a right-to-left paragraph (its spans say /LMSDir /RTL)
    depth = 0  # marked content nested inside ours

    def end_line() -> None:
        nonlocal parts, given, rtl
        if given:
            lines.append(get_display("".join(given), base_dir="R" if rtl else None))
        elif parts:
            lines.append("".join(parts))
        parts, given, rtl = [], [], False

    def before(operator: bytes, operands: list, cm, tm) -> None:
        nonlocal properties, lines, depth, rtl
        if operator in (b"BDC", b"BMC"):
            if properties is not None:
                depth += 1
                marked = operands[1] if len(operands) > 1 else None
                span = _span_text(marked)
                if span is not None:
                    given.append(span)
                    rtl = rtl or str(marked.get("/LMSDir", "")) == "/RTL"
            elif operands and operands[0] == f"/{tag}":
                marked = operands[1] if len(operands) > 1 else None
                items = marked.items() if hasattr(marked, "items") else ()
                properties, lines = {str(k): str(v) for k, v in items}, []
                parts.clear()
                given.clear()
        elif operator == b"BT" and properties is not None and not depth:
            end_line()  # the previous line's text has been read by now
        elif operator == b"EMC" and properties is not None:
            if depth:
                depth -= 1
            else:
                end_line()
                found.append((properties, "\n".join(lines)))
                properties = None

    def text(value: str, cm, tm, font, size) -> None:
        everything.append(value)
        if properties is not None:
            parts.append(value)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found, "".join(everything)


def _span_text(properties: Any) -> str | None:
    """A run's text as it stands on the page: a right-to-left run's (``/Alt``) reversed.

    The line's spans joined that way read as the page shows them, left to right;
    the bidirectional algorithm then gives the line in logical order.
    """
    if not hasattr(properties, "get"):
        return None
    for key, reverse in (("/ActualText", False), ("/Alt", True)):
        given = properties.get(key)
        if isinstance(given, bytes):  # pypdf keeps hex strings as bytes
            given = given.decode("utf-16") if given[:2] == b"\xfe\xff" else given.decode("latin-1")
        if given is not None:
            return str(given)[::-1] if reverse else str(given)
    return None


def normalized(text: str) -> str:
    """Text as compared: composed Unicode, runs of white space (line breaks too) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class _SignedFacts:
    """The signed record in the shape the renderer prints from."""

    serial: str
    holder_name: str
    course_code: str
    course_title: str
    completed_on: date
    issued_on: date
    expires_on: date | None
    credit_hours: Decimal
    instructor_name: str = ""
    signer_name: str = ""


def printed_values(fields: Sequence[str]) -> dict[str, str]:
    """What a genuine page prints for each compared field of a signed record."""
    record = dict(zip(FIELD_NAMES, fields, strict=True))
    try:
        facts = _SignedFacts(
            serial=record["serial"],
            holder_name=record["holder"],
            course_code=record["course_code"],
            course_title=record["course"],
            completed_on=date.fromisoformat(record["completed"]),
            issued_on=date.fromisoformat(record["issued"]),
            expires_on=date.fromisoformat(record["expires"]) if record["expires"] else None,
            credit_hours=Decimal(record["hours"]),
        )
    except (ValueError, InvalidOperation):
        raise ValueError("the record's dates or hours are not in the signed format") from None
    printed = certificate_fields(facts)
    return {name: normalized(printed[name]) for name in COMPARED_FIELDS}


def _pattern(template: str) -> tuple[re.Pattern[str], list[str]]:
    """A pattern reading a line back into its placeholders' values (one group each)."""
    names: list[str] = []
    pieces: list[str] = []
    position = 0
    template = normalized(template)
    for match in PLACEHOLDER.finditer(template):
        pieces.append(re.escape(template[position : match.start()]))
        pieces.append("(.*?)")
        names.append(match.group(1))
        position = match.end()
    pieces.append(re.escape(template[position:]))
    return re.compile("".join(pieces), re.DOTALL), names


def page_differences(pdf: CertificatePdf, fields: Sequence[str]) -> list[Difference]:
    """Where the page's name, course and dates differ from the signed record (empty: nowhere)."""
    expected = printed_values(fields)
    if not pdf.lines:  # printed before lines were marked: look for the values anywhere
        text = normalized(pdf.page_text)
        return [
            Difference(name, None, expected[name])
            for name in REQUIRED_FIELDS
            if expected[name] not in text
        ]
    differences: list[Difference] = []
    shown: set[str] = set()
    for line in pdf.lines:
        pattern, names = _pattern(line.template)
        text = normalized(line.text)
        match = pattern.fullmatch(text)
        for index, name in enumerate(names):
            if name not in expected:
                continue
            shown.add(name)
            page = match.group(index + 1) if match else text
            if page != expected[name]:
                differences.append(Difference(name, page, expected[name]))
    differences += [
        Difference(name, None, expected[name]) for name in REQUIRED_FIELDS if name not in shown
    ]
    return list(dict.fromkeys(differences))
