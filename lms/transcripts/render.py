"""Transcripts as PDF: a pure function from the signed record to bytes.

Drawn with the certificate engine (:mod:`lms.credentials`): its object writer,
its font chain, shaping and subsets with ToUnicode maps and ActualText (text in
every script stays extractable, user text reaches the file only as glyph ids),
its QR font and its department seal; the
pages come from :mod:`lms.transcripts.layout`, as the layout's data
(:mod:`lms.transcripts.spec`) says. The signed record travels inside
the file as an attachment (``transcript.json``), byte for byte the text the
signature covers.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

from ..credentials.fonts import unprintable_characters
from ..credentials.pdf import (
    PdfWriter,
    stream_body,
    text_string,
    write_font,
    write_qr_font,
)
from ..credentials.render import font_for, image_for
from ..credentials.signing import display_serial
from ..credentials.typeset import font_subsets
from .layout import TranscriptLayout
from .record import ATTACHMENT_NAME
from .spec import TranscriptSpec, long_date

PRODUCER = "lms transcript renderer (certificate engine)"
#: How a refusal names a value of the record (others: by their key).
VALUE_WORDS = {
    "holder": "name",
    "issuer": "issuer's name",
    "title": "job title",
    "badge": "badge number",
    "employee_number": "employee number",
    "organization": "organization's name",
    "track": "certification's name",
    "how": "way a certification was earned",
    "course": "course title",
    "course_code": "course code",
    "instructor": "instructor's name",
    "training": "imported training's title",
    "source": "source system",
    "prior_certificate": "prior certificate number",
}


class UnprintableText(ValueError):
    """A value of the record has characters no shipped font prints; the message names them."""


def _printed_values(facts: dict) -> Iterator[tuple[str, str]]:
    """(what, text) of each text value of the record, the holder's name first."""
    yield "holder", facts["holder"]
    yield "issuer", facts["issuer"]
    yield from facts.get("details", {}).items()
    for rows in ("certifications", "completions", "imported", "hours"):
        for row in facts.get(rows, []):
            yield from ((k, v) for k, v in row.items() if isinstance(v, str))


def unprintable_refusal(facts: dict) -> str | None:
    """Why the transcript of ``facts`` cannot print (a character no font has), or None.

    A transcript with boxes for letters is worse than none, as for certificates.
    """
    for key, value in _printed_values(facts):
        missing = unprintable_characters(value)
        if missing:
            return (
                f"No transcript for {facts['holder']}: the {VALUE_WORDS.get(key, key)} "
                f"“{value}” has characters no transcript font can print "
                f"({', '.join(missing)}). Correct it, then issue a new transcript."
            )
    return None


class TranscriptRenderer:
    """A layout's fonts and seal read once; renders any number of transcripts."""

    def __init__(self, spec: TranscriptSpec):
        self.fonts = {key: font_for(path) for key, path in spec.fonts.items()}
        self.seal = image_for(spec.seal) if spec.seal else None
        self.layout = TranscriptLayout(
            spec,
            self.fonts,
            font_loader=font_for,
            seal_aspect=self.seal.aspect if self.seal else None,
        )
        self.spec = spec

    # --- the file --------------------------------------------------------------------

    def render(self, record_text: str, payload: str) -> bytes:
        """The transcript of ``record_text`` (signed JSON) as a PDF; ``payload`` is the QR's URL.

        Raises :class:`UnprintableText` rather than print a box for a letter.
        """
        facts = json.loads(record_text)
        refusal = unprintable_refusal(facts)
        if refusal:
            raise UnprintableText(refusal)
        out = self.layout.pages(facts, payload)
        writer = PdfWriter()
        catalog, pages = writer.reserve(), writer.reserve()
        font_refs = [
            b"/%s %d 0 R" % (self.layout.font_name(font), write_font(writer, font, subset))
            for font, subset in font_subsets(out.usage, self.layout.layout_fonts)
        ]
        font_refs.append(b"/QR %d 0 R" % write_qr_font(writer))
        images = b"/XObject << /Im1 %d 0 R >>" % writer.add_image(self.seal) if self.seal else b""
        resources = writer.add(b"<< /Font << %s >> %s >>" % (b" ".join(font_refs), images))
        kids = [
            writer.add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.1f %.1f] /Resources %d 0 R"
                b" /Contents %d 0 R >>"
                % (
                    pages,
                    self.spec.width,
                    self.spec.height,
                    resources,
                    writer.add(stream_body(b"".join(ops))),
                )
            )
            for ops in out.pages
        ]
        writer.write(
            pages,
            b"<< /Type /Pages /Kids [%s] /Count %d >>"
            % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)),
        )
        attachment = self._attach(writer, record_text.encode("utf-8"), facts)
        writer.write(
            catalog,
            b"<< /Type /Catalog /Pages %d 0 R /Lang (en-US)"
            b" /ViewerPreferences << /DisplayDocTitle true >>"
            b" /Names << /EmbeddedFiles << /Names [%s %d 0 R] >> >> /AF [%d 0 R] >>"
            % (pages, text_string(ATTACHMENT_NAME), attachment, attachment),
        )
        info = writer.add(self._info(facts, payload))
        file_id = hashlib.sha256(b"lms-transcript:" + facts["serial"].encode()).digest()[:16]
        return writer.finish(catalog, info, file_id)

    def _attach(self, writer: PdfWriter, data: bytes, facts: dict) -> int:
        packed = zlib.compress(data, 6)
        stream = writer.add(
            b"<< /Type /EmbeddedFile /Subtype /application#2Fjson /Filter /FlateDecode"
            b" /Params << /Size %d >> /Length %d >>\nstream\n"
            % (len(data), len(packed))
            + packed
            + b"\nendstream"
        )
        description = f"The signed record of transcript {display_serial(facts['serial'])}"
        return writer.add(
            b"<< /Type /Filespec /F %s /UF %s /Desc %s /AFRelationship /Data /EF << /F %d 0 R >> >>"
            % (
                text_string(ATTACHMENT_NAME),
                text_string(ATTACHMENT_NAME),
                text_string(description),
                stream,
            )
        )

    def _info(self, facts: dict, payload: str) -> bytes:
        issued = date.fromisoformat(facts["issued"])
        created = datetime(issued.year, issued.month, issued.day, tzinfo=UTC)
        token = payload.rsplit("?sig=", 1)[-1] if "?sig=" in payload else ""
        serial = display_serial(facts["serial"])
        return b"".join(
            (
                b"<< /Title ",
                text_string(f"Training transcript: {facts['holder']}"),
                b" /Author ",
                text_string(facts["issuer"]),
                b" /Subject ",
                text_string(f"Training record as of {long_date(facts['as_of'])}. Serial {serial}."),
                b" /Keywords ",
                text_string(f"transcript {serial}"),
                b" /Creator ",
                text_string("lms transcripts"),
                b" /Producer ",
                text_string(PRODUCER),
                b" /CreationDate (D:%sZ) /LMSTranscriptSignature "
                % created.strftime("%Y%m%d%H%M%S").encode(),
                text_string(token),
                b" >>",
            )
        )
