"""Certificates as PDF: pure functions from a certificate's snapshot to bytes.

No request, no database, no file named by a user: a :class:`PreparedLayout`
is built once per (layout, issuing organization, page size) from the layout's
own assets and the organization's logo bytes, and then renders any number of
certificates. Everything a layout draws the same way on every certificate
(art, logo, signature, fixed text, the QR's white ground, the fonts) is
serialized once into a byte skeleton; each certificate adds one content stream
(its text, and its QR code written in a 16-glyph Type 3 font, see
:mod:`lms.credentials.qr`) and its information dictionary.

Fonts are embedded TrueType subsets (see :mod:`lms.credentials.fonts`, which
parses fonts with reportlab's ``TTFontFile``); text is written as glyph ids in
hex strings with a ToUnicode map, so it is extractable and no value can be
read as PDF syntax or markup. reportlab's canvas is not used for the page: it
re-embeds fonts and rebuilds every object per file, which caps bulk printing
far below the thousand certificates a second this module reaches.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import qr
from .archival import DocumentInfo, catalog_object, write_output_intent
from .art import rgb, vector_art
from .fonts import EmbeddableFont, repertoire_key
from .layouts import PLACEHOLDER, STATIC_FIELDS, LayoutSpec, Placement, TextBlock
from .pdf import (
    PdfImage,
    PdfWriter,
    load_image,
    stream_body,
    text_string,
    trailer,
    write_font,
    write_qr_font,
)
from .signing import (
    CertificateFacts,
    attestation,
    clean_text,
    display_serial,
    format_hours,
    qr_payload,
)

PRODUCER = "lms certificate renderer (reportlab TrueType parsing)"
#: Baseline to baseline of a block's two lines, in font sizes: the accents of
#: the second line's capitals clear the first line's descenders.
LEADING = 1.25


@lru_cache(maxsize=16)
def _font_from(path: str, mtime_ns: int) -> EmbeddableFont:
    return EmbeddableFont.from_file(Path(path))


def font_for(path: Path) -> EmbeddableFont:
    """A font file parsed once per process (re-read if the file changes)."""
    return _font_from(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _image_from(path: str, mtime_ns: int) -> PdfImage:
    return load_image(Path(path).read_bytes(), label=Path(path).name)


def image_for(path: Path) -> PdfImage:
    """A layout's image asset, decoded once per process."""
    return _image_from(str(path), path.stat().st_mtime_ns)


@dataclass(frozen=True)
class Branding:
    """Who issues: the organization's name and, when it has one, its logo."""

    organization: str
    logo: PdfImage | None = None


@lru_cache(maxsize=4096)
def format_date(day: date | None) -> str:
    """``12 March 2026``: day, month name and year, read the same everywhere."""
    return f"{day.day} {day:%B %Y}" if day else ""


def certificate_fields(cert: CertificateFacts, verify_url: str = "") -> dict[str, str]:
    """The printable values of a certificate's placeholders."""
    return {
        "holder": clean_text(cert.holder_name),
        "course": clean_text(cert.course_title),
        "course_code": clean_text(cert.course_code),
        "hours": format_hours(cert.credit_hours),
        "completed": format_date(cert.completed_on),
        "issued": format_date(cert.issued_on),
        "expires": format_date(cert.expires_on),
        "serial": display_serial(cert.serial),
        "instructor": clean_text(cert.instructor_name or ""),
        "signer": clean_text(cert.signer_name or ""),
        "verify_url": verify_url,
    }


#: The marked-content tag around each line that shows a certificate's own
#: values; its /Template says which fields the line shows, so an offline check
#: can read the page back field by field (see :mod:`lms.credentials.offline`).
PRINTED_TAG = "LMSPrinted"


def _marked(template: str, ops: bytes) -> bytes:
    return (
        b"/%s << /Template %s >> BDC\n" % (PRINTED_TAG.encode(), text_string(template))
        + ops
        + b"EMC\n"
    )


def _fill(template: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


@dataclass(frozen=True)
class _Skeleton:
    """Header and shared objects of a one-page certificate, ready to copy.

    The certificate's own objects follow it, numbered in this order: its
    content stream, its information dictionary, its XMP metadata.
    """

    prefix: bytes
    xref_entries: bytes
    content_number: int


@dataclass
class _Page:
    content: bytes
    fields: dict[str, str]


class PreparedLayout:
    """A layout made ready for one organization and page size; renders certificates."""

    def __init__(
        self,
        spec: LayoutSpec,
        branding: Branding,
        page_size: str | None = None,
        *,
        assets_loader=image_for,
        font_loader=font_for,
    ):
        self.spec = spec
        self.branding = branding
        self.width, self.height = spec.page(page_size)
        used_fonts = sorted({b.font for b in spec.blocks})
        self.font_keys: tuple[str, ...] = tuple(used_fonts)
        self.fonts = {key: font_loader(spec.fonts[key]) for key in used_fonts}
        self.font_names = {key: f"F{i + 1}" for i, key in enumerate(used_fonts)}
        self._static_values = {
            "organization": clean_text(branding.organization),
            **{k: clean_text(v) for k, v in spec.texts.items()},
        }
        self.images: list[PdfImage] = []
        self.static_text: dict[str, list[str]] = {key: [] for key in used_fonts}
        self.static_content = self._static_content(assets_loader)
        self._variable_blocks = [
            (block, self._compile_template(block)) for block in spec.blocks if not block.is_static
        ]
        # Subsets always hold the static text and the fixed words of variable
        # blocks; per certificate only the field values choose the repertoire.
        literal: dict[str, list[str]] = {
            key: list(texts) for key, texts in self.static_text.items()
        }
        self._fields_by_font: dict[str, tuple[str, ...]] = {key: () for key in used_fonts}
        for block, template in self._variable_blocks:
            literal[block.font].append(PLACEHOLDER.sub("", template))
            self._fields_by_font[block.font] += tuple(sorted(block.fields - STATIC_FIELDS))
        self.static_extra = {key: frozenset("".join(texts)) for key, texts in literal.items()}
        qx, qy, qsize = spec.qr
        self.qr_box = (qx * self.width, qy * self.height, qsize * self.width)
        self._skeletons: dict[tuple, _Skeleton] = {}
        self._ops_cache: dict[tuple[int, str], bytes] = {}
        self._lock = threading.Lock()

    # --- the static part ----------------------------------------------------

    def _compile_template(self, block: TextBlock) -> str:
        """The template with the static placeholders already filled in."""
        return PLACEHOLDER.sub(
            lambda m: self._static_values.get(m.group(1), m.group(0)), block.template
        )

    def _place(self, placement: Placement, image: PdfImage) -> tuple[float, float, float, float]:
        height = placement.height * self.height
        width = height * image.aspect
        x = placement.x * self.width
        if placement.align == "center":
            x -= width / 2
        elif placement.align == "right":
            x -= width
        return x, placement.y * self.height, width, height

    def _draw_image(self, image: PdfImage, box: tuple[float, float, float, float]) -> bytes:
        self.images.append(image)
        x, y, w, h = box
        return b"q %.3f 0 0 %.3f %.3f %.3f cm /Im%d Do Q\n" % (w, h, x, y, len(self.images))

    def _static_content(self, assets_loader) -> bytes:
        w, h = self.width, self.height
        ops: list[bytes] = []
        for item in self.spec.art:
            ops.append(
                self._draw_image(*self._art_image(item, assets_loader))
                if item["type"] == "image"
                else vector_art(item, w, h)
            )
        logo = self.spec.logo
        if logo is not None:
            image = self.branding.logo or (assets_loader(logo.src) if logo.src else None)
            if image is not None:
                ops.append(self._draw_image(image, self._place(logo, image)))
        signature = self.spec.signature
        if signature is not None and signature.src is not None:
            image = assets_loader(signature.src)
            ops.append(self._draw_image(image, self._place(signature, image)))
        for block in self.spec.blocks:
            if block.is_static:
                text = _fill(block.template, self._static_values)
                ops.append(self._text_ops(block, text))
        qx, qy, qsize = self.spec.qr
        ops.append(
            b"q 1 1 1 rg %.3f %.3f %.3f %.3f re f Q\n" % (qx * w, qy * h, qsize * w, qsize * w)
        )
        return b"".join(ops)

    def _art_image(self, item: dict[str, Any], assets_loader):
        """An ``image`` art item: the image and its box on the page."""
        image = assets_loader(item["src"])
        placement = Placement(
            x=item.get("x", 0.5),
            y=item.get("y", 0.5),
            height=item.get("height", 0.2),
            align=item.get("align", "center"),
        )
        return image, self._place(placement, image)

    # --- text -----------------------------------------------------------------

    def _text_ops(self, block: TextBlock, text: str, record: bool = True) -> bytes:
        """Operators drawing ``text`` in ``block``: shrunk to fit, two lines if need be."""
        if record:
            self.static_text[block.font].append(text)
        font = self.fonts[block.font]
        name = self.font_names[block.font].encode()
        color = rgb(block.color)
        x0, y0 = block.x * self.width, block.y * self.height
        size = block.size
        width = font.text_width(text, size)
        lines = [(text, width)]
        if block.max_width is not None:
            limit = block.max_width * self.width
            if width > limit:
                size = max(block.min_size, size * limit / width)
                # Shrunk to exactly the limit, the width may round a hair above it.
                too_wide = font.text_width(text, size) > limit * 1.000001
                if too_wide and " " in text:
                    lines = _two_lines(font, text)
                    widest = max(font.text_width(line, 1000) for line, _ in lines) / 1000
                    size = min(block.size, limit / widest)
                elif too_wide:
                    size = limit / (width / block.size)  # never cut a name: shrink to fit
                lines = [(line, font.text_width(line, size)) for line, _ in lines]
        ops = []
        leading = size * LEADING
        y = y0 + (leading / 2 if len(lines) == 2 else 0)
        for line, line_width in lines:
            x = x0 - line_width / 2 if block.align == "center" else x0
            if block.align == "right":
                x = x0 - line_width
            ops.append(
                b"BT %s /%s %.2f Tf %.2f %.2f Td <%s> Tj ET\n"
                % (color, name, size, x, y, font.encode(line).encode())
            )
            y -= leading
        return b"".join(ops)

    def _page(self, fields: dict[str, str], payload: str) -> _Page:
        ops = []
        # Most lines (course, dates, instructor) repeat across a session's
        # certificates: their operators are kept, keyed by block and text.
        cache = self._ops_cache
        for index, (block, template) in enumerate(self._variable_blocks):
            if block.when is not None and not fields.get(block.when):
                continue
            text = _fill(template, fields)
            if text:
                drawn = cache.get((index, text))
                if drawn is None:
                    drawn = _marked(template, self._text_ops(block, text, record=False))
                    if len(cache) > 4096:
                        cache.clear()
                    cache[(index, text)] = drawn
                ops.append(drawn)
        symbol = qr.encode(payload.encode("utf-8"))
        x, y, size = self.qr_box
        module = size / (symbol.size + 2 * qr.QUIET_ZONE)
        offset = qr.QUIET_ZONE * module
        ops.append(
            b"BT 0 0 0 rg /QR 1 Tf %.5f 0 0 %.5f %.3f %.3f Tm 1 TL\n"
            % (module, module, x + offset, y + offset + symbol.size * module)
        )
        ops.append(qr.text_rows(symbol))
        ops.append(b"ET\n")
        return _Page(b"".join(ops), fields)

    # --- one certificate --------------------------------------------------------

    def subset_keys(self, fields: dict[str, str]) -> tuple:
        return tuple(
            repertoire_key("".join([fields[name] for name in self._fields_by_font[key]]))
            for key in self.font_keys
        )

    def _write_shared(self, writer: PdfWriter, keys: tuple) -> tuple[bytes, int]:
        """Fonts, images and static content; returns (resources dictionary, content obj)."""
        font_refs = []
        for key, repertoire in zip(self.font_keys, keys, strict=True):
            subset = self.fonts[key].subset(repertoire, self.static_extra[key])
            number = write_font(writer, self.fonts[key], subset)
            font_refs.append(b"/%s %d 0 R" % (self.font_names[key].encode(), number))
        font_refs.append(b"/QR %d 0 R" % write_qr_font(writer))
        image_refs = [
            b"/Im%d %d 0 R" % (i + 1, writer.add_image(image))
            for i, image in enumerate(self.images)
        ]
        static = writer.add(stream_body(self.static_content))
        resources = b"<< /Font << %s >> /XObject << %s >> >>" % (
            b" ".join(font_refs),
            b" ".join(image_refs),
        )
        return resources, static

    def _skeleton(self, keys: tuple) -> _Skeleton:
        found = self._skeletons.get(keys)
        if found is not None:
            return found
        writer = PdfWriter()
        catalog, pages, page = writer.reserve(), writer.reserve(), writer.reserve()
        resources, static = self._write_shared(writer, keys)
        output_intent = write_output_intent(writer)
        content, _info, metadata = writer.reserve(), writer.reserve(), writer.reserve()
        writer.write(catalog, catalog_object(pages, metadata, output_intent))
        writer.write(pages, b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page)
        writer.write(
            page,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Resources %s"
            b" /Contents [%d 0 R %d 0 R] >>"
            % (pages, self.width, self.height, resources, static, content),
        )
        # Objects are numbered out of order (the page refers ahead), so list
        # their offsets by number for the cross-reference table.
        skeleton = _Skeleton(writer.body(), writer.xref_entries(), content)
        with self._lock:
            self._skeletons[keys] = skeleton
        return skeleton

    def render(self, cert: CertificateFacts, verify_url: str) -> bytes:
        """One certificate as a complete PDF file."""
        fields = certificate_fields(cert, verify_url)
        page = self._page(fields, qr_payload(verify_url, cert))
        skeleton = self._skeleton(self.subset_keys(fields))
        number = skeleton.content_number
        document = self.document_info(cert, fields)
        objects = (
            b"<< /Length %d >>\nstream\n" % len(page.content) + page.content + b"\nendstream",
            b"<< %s /LMSCertificate %s >>"
            % (document.info_entries(), text_string(attestation(cert))),
            document.metadata_body(),
        )
        parts, entries, at = [skeleton.prefix], [skeleton.xref_entries], len(skeleton.prefix)
        for offset, body in enumerate(objects):
            chunk = b"%d 0 obj\n%s\nendobj\n" % (number + offset, body)
            parts.append(chunk)
            entries.append(b"%010d 00000 n \n" % at)
            at += len(chunk)
        parts.append(
            trailer(at, number + len(objects), b"".join(entries), 1, number + 1, _file_id(cert))
        )
        return b"".join(parts)

    def document_info(self, cert: CertificateFacts, fields: dict[str, str]) -> DocumentInfo:
        """The certificate file's metadata: who, what, when (also written as XMP)."""
        title = self._static_values.get("title") or self.spec.label
        return DocumentInfo(
            title=f"{title}: {fields['holder']}",
            author=self._static_values["organization"],
            subject=(
                f"{fields['course']} ({fields['course_code']}), completed "
                f"{fields['completed']}. Serial {fields['serial']}."
            ),
            keywords=f"certificate {fields['serial']}",
            creator=f"lms certificates, layout {self.spec.name}",
            producer=PRODUCER,
            created=cert_created(cert),
        )

    def page_for(self, cert: CertificateFacts, verify_url: str) -> _Page:
        """The certificate's own drawing (for merging several into one file)."""
        return self._page(certificate_fields(cert, verify_url), qr_payload(verify_url, cert))


def cert_created(cert: CertificateFacts) -> datetime:
    created = getattr(cert, "created_at", None)
    if isinstance(created, datetime):
        return created.astimezone(UTC) if created.tzinfo else created
    return datetime(cert.issued_on.year, cert.issued_on.month, cert.issued_on.day, tzinfo=UTC)


def _file_id(cert: CertificateFacts) -> bytes:
    return hashlib.sha256(b"lms-certificate:" + cert.serial.encode()).digest()[:16]


def _two_lines(font: EmbeddableFont, text: str) -> list[tuple[str, float]]:
    """``text`` split at the space that best balances two lines."""
    words = text.split(" ")
    best = None
    for i in range(1, len(words)):
        first, second = " ".join(words[:i]), " ".join(words[i:])
        widest = max(font.text_width(first, 1), font.text_width(second, 1))
        if best is None or widest < best[0]:
            best = (widest, first, second)
    assert best is not None
    return [(best[1], 0.0), (best[2], 0.0)]
