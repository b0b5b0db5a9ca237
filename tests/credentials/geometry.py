"""What a page puts where, read back from the PDF by PDFium (pypdfium2).

Text is measured by its ink: each glyph's tight box, grouped by the text
object that drew it (a line of a block). Strokes are the straight segments of
stroked paths, widened by half their line width on each side; light strokes
(the guilloche watermark) are ornaments printed behind the text. The QR code
is the text drawn in a font whose glyphs all read as spaces (see
:mod:`lms.credentials.qr`), and its zone is the white ground under it.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

#: A strip this wide along every edge may not print (most office printers).
PRINTABLE_MARGIN = 18.0  # points: 0.25 in
#: Text keeps at least this far from lines, images and the QR code (its ink
#: may not touch other text at all).
CLEARANCE = 1.0
#: Strokes lighter than this (0 black .. 1 white) are ornaments behind the text.
ORNAMENT_LIGHTNESS = 0.8


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, clearance: float = 0.0) -> bool:
        return (
            self.x0 < other.x1 + clearance
            and other.x0 < self.x1 + clearance
            and self.y0 < other.y1 + clearance
            and other.y0 < self.y1 + clearance
        )

    def inside(self, outer: Box) -> bool:
        return (
            self.x0 >= outer.x0
            and self.y0 >= outer.y0
            and self.x1 <= outer.x1
            and self.y1 <= outer.y1
        )

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def __str__(self) -> str:
        return f"[{self.x0:.1f} {self.y0:.1f} {self.x1:.1f} {self.y1:.1f}]"


@dataclass
class TextLine:
    """One text object: the characters it shows and the ink box of each glyph."""

    text: str = ""
    glyphs: list[Box] = field(default_factory=list)

    @cached_property
    def box(self) -> Box:
        """The union of its glyphs' boxes (read once the line is complete)."""
        return Box(
            min(g.x0 for g in self.glyphs),
            min(g.y0 for g in self.glyphs),
            max(g.x1 for g in self.glyphs),
            max(g.y1 for g in self.glyphs),
        )

    def touches(self, other: Box, clearance: float) -> bool:
        return self.box.overlaps(other, clearance) and any(
            g.overlaps(other, clearance) for g in self.glyphs
        )


@dataclass
class PageGeometry:
    width: float
    height: float
    lines: list[TextLine]
    strokes: list[tuple[Box, str]]  # (widened segment, what draws it)
    ornaments: list[Box]
    fills: list[Box]
    images: list[Box]
    qr_symbol: Box | None
    qr_zone: Box | None

    @property
    def printable(self) -> Box:
        m = PRINTABLE_MARGIN
        return Box(m, m, self.width - m, self.height - m)


def _matrix_apply(matrix, x: float, y: float) -> tuple[float, float]:
    return (
        matrix.a * x + matrix.c * y + matrix.e,
        matrix.b * x + matrix.d * y + matrix.f,
    )


def _path_parts(obj) -> tuple[list[list[tuple[float, float]]], bool, bool, float, float]:
    """(subpaths as page points, filled, stroked, line width, stroke lightness)."""
    raw = obj.raw
    matrix = obj.get_matrix()
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    for i in range(pdfium_c.FPDFPath_CountSegments(raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(raw, i)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = _matrix_apply(matrix, x.value, y.value)
        if pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO:
            subpaths.append([point])
        else:
            subpaths[-1].append(point)
        if pdfium_c.FPDFPathSegment_GetClose(segment):
            subpaths[-1].append(subpaths[-1][0])
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(raw, fill_mode, stroke)
    width = ctypes.c_float()
    pdfium_c.FPDFPageObj_GetStrokeWidth(raw, width)
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    pdfium_c.FPDFPageObj_GetStrokeColor(raw, r, g, b, a)
    lightness = (0.2126 * r.value + 0.7152 * g.value + 0.0722 * b.value) / 255
    return subpaths, fill_mode.value != 0, bool(stroke.value), width.value, lightness


def _is_qr_font(text_object) -> bool:
    font = pdfium_c.FPDFTextObj_GetFont(text_object.raw)
    return pdfium_c.FPDFFont_GetBaseFontName(font, None, 0) <= 1  # Type 3: no base font


def page_geometry(pdf: bytes, index: int = 0) -> PageGeometry:
    """Every text line, stroke, fill, image and the QR code of page ``index``."""
    document = pdfium.PdfDocument(pdf)
    page = document[index]
    width, height = page.get_size()
    textpage = page.get_textpage()
    lines: dict[int, TextLine] = {}
    for i in range(textpage.count_chars()):
        owner = textpage.get_textobj(i)
        if owner is None or _is_qr_font(owner):
            continue
        line = lines.setdefault(ctypes.addressof(owner.raw.contents), TextLine())
        line.text += chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        x0, y0, x1, y1 = textpage.get_charbox(i, loose=False)
        if x1 > x0 and y1 > y0:  # spaces have no ink
            line.glyphs.append(Box(x0, y0, x1, y1))
    strokes, ornaments, fills, images = [], [], [], []
    qr_symbol = None
    for obj in page.get_objects():
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT and _is_qr_font(obj):
            box = Box(*obj.get_bounds())
            qr_symbol = box if qr_symbol is None else qr_symbol.union(box)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(Box(*obj.get_bounds()))
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            subpaths, filled, stroked, line_width, lightness = _path_parts(obj)
            if filled:
                fills.append(Box(*obj.get_bounds()))
            if not stroked:
                continue
            half = line_width / 2
            if lightness >= ORNAMENT_LIGHTNESS:
                left, bottom, right, top = obj.get_bounds()
                ornaments.append(Box(left - half, bottom - half, right + half, top + half))
                continue
            for points in subpaths:
                for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
                    strokes.append(
                        (
                            Box(
                                min(ax, bx) - half,
                                min(ay, by) - half,
                                max(ax, bx) + half,
                                max(ay, by) + half,
                            ),
                            f"a {line_width:g} pt line from ({ax:.0f}, {ay:.0f})"
                            f" to ({bx:.0f}, {by:.0f})",
                        )
                    )
    qr_zone = None
    if qr_symbol is not None:
        grounds = [f for f in fills if qr_symbol.inside(f)]
        qr_zone = min(grounds, key=lambda f: (f.x1 - f.x0) * (f.y1 - f.y0), default=None)
    return PageGeometry(
        width=width,
        height=height,
        lines=[line for line in lines.values() if line.glyphs],
        strokes=strokes,
        ornaments=ornaments,
        fills=fills,
        images=images,
        qr_symbol=qr_symbol,
        qr_zone=qr_zone,
    )


def layout_problems(geometry: PageGeometry, clearance: float = CLEARANCE) -> list[str]:
    """Every collision on the page, in words; an empty list when it is print-perfect."""
    problems = []
    printable = geometry.printable
    things = (
        [(line.box, f"text {line.text.strip()!r}") for line in geometry.lines]
        + [(box, what) for box, what in geometry.strokes]
        + [(box, "the watermark") for box in geometry.ornaments]
        + [(box, "a filled area") for box in geometry.fills]
        + [(box, "an image") for box in geometry.images]
        + ([(geometry.qr_zone, "the QR code's quiet zone")] if geometry.qr_zone else [])
    )
    for box, what in things:
        if not box.inside(printable):
            problems.append(f"{what} {box} leaves the printable area {printable}")
    for a, b in combinations(geometry.lines, 2):
        if a.box.overlaps(b.box) and any(a.touches(g, 0.0) for g in b.glyphs):
            problems.append(f"text {a.text.strip()!r} {a.box} overlaps {b.text.strip()!r} {b.box}")
    obstacles = [(box, what) for box, what in geometry.strokes] + [
        (box, "an image") for box in geometry.images
    ]
    if geometry.qr_zone is not None:
        obstacles.append((geometry.qr_zone, "the QR code's quiet zone"))
    for line in geometry.lines:
        for box, what in obstacles:
            if line.touches(box, clearance):
                problems.append(f"text {line.text.strip()!r} {line.box} crosses {what} {box}")
    if geometry.qr_zone is not None:
        intruders = [
            *geometry.strokes,
            *((box, "an image") for box in geometry.images),
            *((box, "the watermark") for box in geometry.ornaments),
        ]
        for box, what in intruders:
            if box.overlaps(geometry.qr_zone):
                problems.append(f"{what} {box} intrudes on the QR code's quiet zone")
    return problems
