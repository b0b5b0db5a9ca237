"""Certificates as PDF: pure functions from a certificate's snapshot to bytes.

No request, no database, no file named by a user: a :class:`PreparedLayout`
is built once per (layout, issuing organization, page size) from the layout's
own assets and the organization's logo bytes, and then renders any number of
certificates. Everything a layout draws the same way on every certificate
(art, logo, signature, fixed text, the QR's white ground, the fonts) is
serialized once into a byte skeleton; each certificate adds one content stream
(its text, and its QR code written in a 16-glyph Type 3 font, see
:mod:`lms.credentials.qr`) and its information dictionary.

Fonts are embedded subsets (see :mod:`lms.credentials.fonts`); text is set in
a chain of fonts covering every script names are written in, shaped and put in
visual order (see :mod:`lms.credentials.text` and :mod:`lms.credentials.typeset`),
and written as glyph codes in hex strings with a ToUnicode map and ActualText,
so it is extractable and no value can be read as PDF syntax or markup. A
general PDF library re-embeds fonts and rebuilds every object per file, which
caps bulk printing far below the thousand certificates a second this module
reaches.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import qr, qr_glyphs
from .archival import DocumentInfo, catalog_object, write_output_intent
from .art import vector_art
from .fonts import EmbeddableFont
from .layouts import PLACEHOLDER, LayoutSpec, Placement, TextBlock
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
from .text import FontChain, fallback_faces
from .typeset import FontSubsets, SetText, Usage, font_subsets, resource_names, set_text

PRODUCER = "lms certificate renderer (HarfBuzz shaping)"


@lru_cache(maxsize=64)
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
    usage: Usage  # what the page's text asks of each font (see :func:`font_subsets`)


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
        self.chains = {
            key: FontChain(font, fallback_faces(font, font_loader))
            for key, font in self.fonts.items()
        }
        self._font_names = resource_names(self.fonts.values())
        self.layout_fonts = frozenset(self.fonts.values())
        self._static_values = {
            "organization": clean_text(branding.organization),
            **{k: clean_text(v) for k, v in spec.texts.items()},
        }
        self.images: list[PdfImage] = []
        self.static_usage: Usage = ()
        self.static_content = self._static_content(assets_loader)
        self._static_stream = stream_body(self.static_content)
        self._variable_blocks = [
            (block, self._compile_template(block)) for block in spec.blocks if not block.is_static
        ]
        qx, qy, qsize = spec.qr
        self.qr_box = (qx * self.width, qy * self.height, qsize * self.width)
        self._skeletons: OrderedDict[tuple, _Skeleton] = OrderedDict()
        self._ops_cache: dict[tuple[int, str], SetText] = {}
        self._lock = threading.Lock()

    def font_name(self, font: EmbeddableFont) -> bytes:
        """The page resource name of ``font`` (``F1``...), the same on every certificate."""
        return self._font_names[font.source]

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
                drawn = self._set(block, _fill(block.template, self._static_values))
                self.static_usage += drawn.usage
                ops.append(drawn.ops)
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

    def _set(self, block: TextBlock, text: str) -> SetText:
        return set_text(
            block, self.chains[block.font], text, (self.width, self.height), self.font_name
        )

    def _page(self, fields: dict[str, str], payload: str) -> _Page:
        ops: list[bytes] = []
        usage: Usage = self.static_usage
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
                    drawn = self._set(block, text)
                    drawn = SetText(_marked(template, drawn.ops), drawn.usage)
                    if len(cache) > 4096:
                        cache.clear()
                    cache[(index, text)] = drawn
                ops.append(drawn.ops)
                usage += drawn.usage
        symbol = qr.encode(payload.encode("utf-8"))
        x, y, size = self.qr_box
        module = size / (symbol.size + 2 * qr.QUIET_ZONE)
        offset = qr.QUIET_ZONE * module
        ops.append(
            b"BT 0 0 0 rg /QR 1 Tf %.5f 0 0 %.5f %.3f %.3f Tm 1 TL\n"
            % (module, module, x + offset, y + offset + symbol.size * module)
        )
        ops.append(qr_glyphs.text_rows(symbol))
        ops.append(b"ET\n")
        return _Page(b"".join(ops), fields, usage)

    # --- one certificate --------------------------------------------------------

    def _write_shared(self, writer: PdfWriter, subsets: FontSubsets) -> tuple[bytes, int]:
        """Fonts, images and static content; returns (resources dictionary, content obj)."""
        font_refs = [
            b"/%s %d 0 R" % (self.font_name(font), write_font(writer, font, subset))
            for font, subset in subsets
        ]
        font_refs.append(b"/QR %d 0 R" % write_qr_font(writer))
        image_refs = [
            b"/Im%d %d 0 R" % (i + 1, writer.add_image(image))
            for i, image in enumerate(self.images)
        ]
        static = writer.add(self._static_stream)
        resources = b"<< /Font << %s >> /XObject << %s >> >>" % (
            b" ".join(font_refs),
            b" ".join(image_refs),
        )
        return resources, static

    def _skeleton(self, usage: Usage) -> _Skeleton:
        subsets = font_subsets([usage], self.layout_fonts)
        key = tuple((self.font_name(font), subset.tag) for font, subset in subsets)
        found = self._skeletons.get(key)
        if found is not None:
            return found
        writer = PdfWriter()
        catalog, pages, page = writer.reserve(), writer.reserve(), writer.reserve()
        resources, static = self._write_shared(writer, subsets)
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
            self._skeletons[key] = skeleton
            while len(self._skeletons) > 256:  # names in ideographs each have their own
                self._skeletons.popitem(last=False)
        return skeleton

    def render(self, cert: CertificateFacts, verify_url: str) -> bytes:
        """One certificate as a complete PDF file."""
        fields = certificate_fields(cert, verify_url)
        page = self._page(fields, qr_payload(verify_url, cert))
        skeleton = self._skeleton(page.usage)
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
