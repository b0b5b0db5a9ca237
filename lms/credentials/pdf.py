"""A small PDF object writer, and images ready to embed.

The certificate renderer writes its PDF objects itself so the parts shared by
every certificate of a layout (fonts, art, the static drawing) are serialized
once and copied as bytes; see :mod:`lms.credentials.render`. All user text
reaches a PDF only as hex strings, so no value can change the file's syntax.
The document-level parts that make a file archival (PDF/A) are in
:mod:`lms.credentials.archival`.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

from PIL import Image

from . import qr_glyphs
from .fonts import EmbeddableFont

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
#: Largest logo or art image accepted, in pixels per side.
MAX_IMAGE_SIDE = 4000
#: Images are scaled down to this many pixels per side before embedding.
EMBED_IMAGE_SIDE = 1200


class ImageError(ValueError):
    """An image could not be read or is too large."""


def text_string(value: str) -> bytes:
    """A PDF text string (UTF-16BE with its byte-order mark), as a hex string."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


@dataclass(frozen=True)
class PdfImage:
    """A decoded image as PDF image XObject parts (and its alpha as a soft mask)."""

    width: int
    height: int
    color_space: bytes  # /DeviceRGB, /DeviceGray or an /Indexed palette
    colors: int  # components per sample as stored (1 for gray and palette indexes)
    data: bytes  # samples, PNG-predicted and deflated
    alpha: bytes | None = None  # 8-bit soft mask, PNG-predicted and deflated; None if opaque

    @property
    def aspect(self) -> float:
        return self.width / self.height


def load_image(data: bytes, *, label: str = "image") -> PdfImage:
    """A PNG or JPEG image from ``data`` (decoded with Pillow, nothing else opened)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise ImageError(f"{label}: only PNG and JPEG images are supported")
            if max(image.size) > MAX_IMAGE_SIDE:
                raise ImageError(f"{label}: larger than {MAX_IMAGE_SIDE} pixels a side")
            image.load()
            if max(image.size) > EMBED_IMAGE_SIDE:
                image.thumbnail((EMBED_IMAGE_SIDE, EMBED_IMAGE_SIDE))
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            if has_alpha:
                image = image.convert("RGBA")
                alpha = image.getchannel("A")
                rgb = image.convert("RGB")
            else:
                alpha = None
                rgb = image.convert("L" if image.mode in ("1", "L") else "RGB")
    except ImageError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{label}: not a readable PNG or JPEG image ({exc})") from None
    opaque = alpha is None or alpha.getextrema() == (255, 255)
    color_space, colors, samples = _color_model(rgb)
    return PdfImage(
        width=rgb.width,
        height=rgb.height,
        color_space=color_space,
        colors=colors,
        data=_png_stream(samples),
        alpha=None if opaque else _png_stream(alpha),
    )


def _color_model(image: Image.Image) -> tuple[bytes, int, Image.Image]:
    """(PDF colour space, components per sample, samples) for an L or RGB image.

    Art and logos are mostly a few flat colours: with 256 or fewer, the image
    is embedded as one palette index per pixel, a third of the RGB size.
    """
    if image.mode == "L":
        return b"/DeviceGray", 1, image
    counted = image.getcolors(256)
    if counted is None:
        return b"/DeviceRGB", 3, image
    palette = [channel for _, color in counted for channel in color]
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette + [0] * (768 - len(palette)))
    indexed = image.quantize(palette=holder, dither=Image.Dither.NONE)
    space = b"[/Indexed /DeviceRGB %d <%s>]" % (len(counted) - 1, bytes(palette).hex().encode())
    return space, 1, indexed


def _png_stream(image: Image.Image) -> bytes:
    """The image's PNG-filtered, deflated samples: what /Predictor 15 decodes.

    PNG's per-row filters shrink art several times over plain deflate; the
    IDAT chunks of a PNG that Pillow writes are exactly a PDF Flate stream.
    """
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=9)
    png, chunks, pos = buffer.getvalue(), [], 8
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return b"".join(chunks)


class PdfWriter:
    """Objects appended in order; ``finish`` writes the cross-reference table.

    Object bodies are bytes; numbers are handed out by :meth:`reserve` so
    objects can refer to each other before they are written.
    """

    def __init__(self) -> None:
        self.parts: list[bytes] = [HEADER]
        self.size = len(HEADER)
        self.offsets: dict[int, int] = {}
        self.next_number = 1

    def reserve(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def write(self, number: int, body: bytes) -> int:
        chunk = b"%d 0 obj\n" % number + body + b"\nendobj\n"
        self.offsets[number] = self.size
        self.parts.append(chunk)
        self.size += len(chunk)
        return number

    def add(self, body: bytes) -> int:
        return self.write(self.reserve(), body)

    def add_image(self, image: PdfImage) -> int:
        """The image (and its soft mask) as XObjects; returns the image's number."""
        smask = b""
        if image.alpha is not None:
            mask = self.add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode %s /Length %d >>\nstream\n"
                % (image.width, image.height, _predictor(1, image.width), len(image.alpha))
                + image.alpha
                + b"\nendstream"
            )
            smask = b" /SMask %d 0 R" % mask
        return self.add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s"
            b" /BitsPerComponent 8%s /Filter /FlateDecode %s /Length %d >>"
            b"\nstream\n"
            % (
                image.width,
                image.height,
                image.color_space,
                smask,
                _predictor(image.colors, image.width),
                len(image.data),
            )
            + image.data
            + b"\nendstream"
        )

    def body(self) -> bytes:
        return b"".join(self.parts)

    def xref_entries(self) -> bytes:
        """The table's lines for every object written so far (not the free head)."""
        return b"".join(b"%010d 00000 n \n" % self.offsets[n] for n in sorted(self.offsets))

    def finish(self, root: int, info: int | None, file_id: bytes) -> bytes:
        missing = set(range(1, self.next_number)) - set(self.offsets)
        if missing:
            raise ValueError(f"PDF objects reserved but not written: {sorted(missing)}")
        return self.body() + trailer(
            self.size, self.next_number, self.xref_entries(), root, info, file_id
        )


def _predictor(colors: int, columns: int) -> bytes:
    return b"/DecodeParms << /Predictor 15 /Colors %d /BitsPerComponent 8 /Columns %d >>" % (
        colors,
        columns,
    )


def trailer(
    xref_at: int, count: int, entries: bytes, root: int, info: int | None, file_id: bytes
) -> bytes:
    """The cross-reference table, trailer and end of file for objects 1..count-1."""
    hex_id = file_id.hex().encode()
    info_ref = b" /Info %d 0 R" % info if info else b""
    return (
        b"xref\n0 %d\n0000000000 65535 f \n" % count
        + entries
        + b"trailer\n<< /Size %d /Root %d 0 R%s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (count, root, info_ref, hex_id, hex_id, xref_at)
    )


def stream_body(data: bytes) -> bytes:
    """A stream object body with ``data`` deflated."""
    packed = zlib.compress(data, 9)
    return (
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed) + packed + b"\nendstream"
    )


def write_font(writer: PdfWriter, font: EmbeddableFont, subset) -> int:
    """A subset as a Type 0 font with its ToUnicode map; returns its number.

    TrueType is a CIDFontType2 (codes are glyph ids); CID-keyed CFF a CIDFontType0
    (codes are the font's CIDs) with the bare CFF program.
    """
    base = f"{subset.tag}+{font.postscript_name}".encode()
    if subset.cff:
        kind, file_key, program_keys = b"CIDFontType0", b"FontFile3", b"/Subtype /CIDFontType0C"
        gid_map = b""
    else:
        kind, file_key = b"CIDFontType2", b"FontFile2"
        program_keys = b"/Length1 %d" % subset.font_file_length
        gid_map = b" /CIDToGIDMap /Identity"
    program = writer.add(
        b"<< /Filter /FlateDecode /Length %d %s >>\nstream\n"
        % (len(subset.font_file), program_keys)
        + subset.font_file
        + b"\nendstream"
    )
    descriptor = writer.add(
        b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d]"
        b" /ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV %d /%s %d 0 R >>"
        % (
            base,
            font.flags,
            *font.bbox,
            round(font.italic_angle),
            round(font.ascent),
            round(font.descent),
            round(font.cap_height),
            round(font.stem_v),
            file_key,
            program,
        )
    )
    descendant = writer.add(
        b"<< /Type /Font /Subtype /%s /BaseFont /%s"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /W %s%s >>"
        % (kind, base, descriptor, subset.widths, gid_map)
    )
    to_unicode = writer.add(
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(subset.to_unicode)
        + subset.to_unicode
        + b"\nendstream"
    )
    return writer.add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (base, descendant, to_unicode)
    )


def write_qr_font(writer: PdfWriter) -> int:
    """The Type 3 font the QR codes are written in (see :mod:`lms.credentials.qr`)."""
    procedures = {
        name: writer.add(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
        for name, body in qr_glyphs.glyph_procedures().items()
    }
    to_unicode = writer.add(stream_body(qr_glyphs.font_to_unicode()))
    return writer.add(qr_glyphs.font_dictionary(procedures, to_unicode))
