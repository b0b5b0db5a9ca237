"""A transcript PDF checked with nothing but the file: its signed record and its pages.

The record travels as the attachment ``transcript.json`` (the exact bytes
signed), the signature in the information dictionary
(``/LMSTranscriptSignature``, as in the QR code); every text of the pages that
shows the record's values is marked with its row and template
(:data:`lms.transcripts.layout.MARK_TAG`). A page edited after issue (a name
retyped, a completion added or removed) no longer reads as its record, and
:func:`page_differences` says where. As with certificates, scanning the QR
code remains the stronger check: a text check cannot see text drawn as
outlines or pasted as a picture.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader

from ..credentials.offline import normalized, read_marked
from ..credentials.signing import display_serial
from . import record as records
from .layout import MARK_TAG, head_values
from .record import ATTACHMENT_NAME
from .spec import ROW_FIELDS, fields_of, fill

#: A table row in words, for the messages.
DESCRIBE: dict[str, Callable[[dict], str]] = {
    "certifications": lambda line: "certification " + records.describe_cycle(line),
    "completions": lambda line: "completion " + records.describe_completion(line),
    "imported": lambda line: "imported record " + records.describe_imported(line),
    "hours": lambda line: f"hours of {line['label']}",
}


@dataclass(frozen=True)
class MarkedText:
    """One marked text of a page: the record's row it shows, its template and its text."""

    page: int
    row: str
    template: str
    text: str


@dataclass(frozen=True)
class TranscriptPdf:
    record: bytes  # the attached record, byte for byte
    token: str | None  # the signature, ``key_id.signature``
    marks: tuple[MarkedText, ...]
    page_text: str  # everything the pages say


@dataclass(frozen=True)
class Difference:
    """Where the pages say otherwise than the record (``page`` None: not shown at all)."""

    where: str
    page: str | None
    record: str | None  # None: the record has no such line (or ``where`` names it)

    def describe(self) -> str:
        if self.record is None and self.page is None:
            return f"{self.where}: signed in the record, but the page does not show it"
        if self.record is None:
            return f'{self.where}: the page shows "{self.page}", a line the signed record lacks'
        if self.page is None:
            return (
                f'{self.where}: the page does not show it; the signed record says "{self.record}"'
            )
        return f'{self.where}: the page says "{self.page}"; the signed record says "{self.record}"'


def read_pdf(data: bytes) -> TranscriptPdf | None:
    """The record, signature and marked texts of a transcript PDF; None if it is none."""
    try:
        reader = PdfReader(io.BytesIO(data))
        attached = reader.attachments.get(ATTACHMENT_NAME)
        if not attached:
            return None
        token = (reader.metadata or {}).get("/LMSTranscriptSignature")
        marks, texts = [], []
        for number, page in enumerate(reader.pages, start=1):
            found, text = read_marked(page, MARK_TAG)
            texts.append(text)
            marks += [
                MarkedText(number, props.get("/Row", ""), props.get("/Template", ""), shown)
                for props, shown in found
            ]
    except Exception:  # pypdf fails in many ways on a damaged file: it is no transcript
        return None
    return TranscriptPdf(attached[0], str(token) if token else None, tuple(marks), "\n".join(texts))


def parse_record(message: bytes) -> dict[str, Any] | None:
    """The signed record as data, or None when it is not a transcript record."""
    try:
        facts = json.loads(message.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(facts, dict) or facts.get("version") != records.VERSION:
        return None
    return facts


def _squashed(text: str) -> str:
    """Text as compared: table cells wrap anywhere, so white space is left out altogether."""
    return "".join(normalized(text).split())


def _row(facts: dict, key: str) -> tuple[dict | None, str]:
    """The values a mark's row names, and the row in words (None: no such row)."""
    if key == "":
        return head_values(facts), ""
    rows, _, index = key.partition(" ")
    lines = facts.get(rows) if rows in ROW_FIELDS else None
    if lines is None or not (index.isascii() and index.isdigit() and len(index) <= 6):
        return None, ""
    if int(index) >= len(lines):
        return None, ""
    line = lines[int(index)]
    return line, DESCRIBE[rows](line)


def _always_shown(facts: dict) -> dict[str, str]:
    """What every genuine transcript shows, as printed: whose it is and its serial."""
    return {"holder": facts["holder"], "serial": display_serial(facts["serial"])}


def page_differences(pdf: TranscriptPdf, facts: dict) -> list[Difference]:
    """Where the pages differ from the signed record ``facts`` (empty: nowhere)."""
    if not pdf.marks:  # printed before texts were marked: look for the name and serial
        text = _squashed(pdf.page_text)
        return [
            Difference(f"the {name}", None, value)
            for name, value in _always_shown(facts).items()
            if _squashed(value) not in text
        ]
    differences: list[Difference] = []
    shown: set[str] = set()
    for mark in pdf.marks:
        values, row_words = _row(facts, mark.row)
        where = f"page {mark.page}" + (f", {row_words}" if row_words else "")
        if values is None:
            differences.append(Difference(where, normalized(mark.text), None))
            continue
        try:
            expected = fill(mark.template, values)
        except (KeyError, ValueError):  # a template no layout writes: it was changed
            expected = None
        if expected is None or _squashed(mark.text) != _squashed(expected):
            differences.append(Difference(where, normalized(mark.text), expected or "?"))
        shown.add(mark.row)
        if mark.row == "":
            shown.update(f"head {name}" for name in fields_of(mark.template))
    differences += [
        Difference(f"the {name}", None, value)
        for name, value in _always_shown(facts).items()
        if f"head {name}" not in shown
    ]
    for rows in ROW_FIELDS:
        for index, line in enumerate(facts.get(rows, [])):
            if f"{rows} {index}" not in shown:
                differences.append(Difference(DESCRIBE[rows](line), None, None))
    return differences
