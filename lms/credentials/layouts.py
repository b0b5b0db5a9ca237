"""Certificate layouts as data: the JSON schema, checked, with assets resolved.

A layout (``certificates/<name>/layout.json``, or any
:class:`lms.plugins.CertificateLayout` a plugin registers) describes one page::

    {
      "name": "officer-certification",
      "label": "Officer certification",
      "title": "Certificate of Training",            # usable as {title}
      "statement": "has completed ...",             # usable as {statement}
      "page": {"size": "letter", "orientation": "landscape"},
      "fonts": {"regular": "shared:fonts/DejaVuSerif.ttf", "bold": "..."},
      "colors": {"ink": "#1b2733", "accent": "#1d3557"},
      "art": [ {"type": "frame", ...}, {"type": "image", "src": "seal.png", ...} ],
      "logo": {"x": 0.5, "y": 0.8, "height": 0.1, "default": "shared:art/seal.png"},
      "signature": {"src": "shared:art/sample-signature.png", "x": 0.27, "y": 0.2, "height": 0.06},
      "qr": {"x": 0.82, "y": 0.07, "size": 0.12},
      "blocks": [ {"text": "{holder}", "x": 0.5, "y": 0.57, "size": 30, "font": "bold",
                   "align": "center", "max_width": 0.8, "min_size": 10, "when": "expires"} ]
    }

Positions are fractions of the page (x from the left, y from the bottom;
a text block's y is its baseline); sizes of text are points. Asset paths are
relative to the layout's folder, or ``shared:...`` for the assets that ship
in ``certificates/shared/``; neither may leave its folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import qr

#: Placeholders whose value differs per certificate.
CERTIFICATE_FIELDS = frozenset(
    {
        "holder",
        "course",
        "course_code",
        "hours",
        "completed",
        "issued",
        "expires",
        "serial",
        "instructor",
        "signer",
    }
)
#: Placeholders fixed for a layout and an issuing organization.
STATIC_FIELDS = frozenset({"organization", "title", "statement"})
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PAGE_SIZES = {"letter": (612.0, 792.0), "a4": (595.2756, 841.8898)}
ALIGNMENTS = ("left", "center", "right")
ART_TYPES = ("frame", "rect", "line", "image", "rosette")
DEFAULT_FONTS = {
    "regular": "shared:fonts/DejaVuSerif.ttf",
    "bold": "shared:fonts/DejaVuSerif-Bold.ttf",
    "sans": "shared:fonts/DejaVuSans.ttf",
}
DEFAULT_COLORS = {"ink": "#1b2733", "accent": "#1d3557", "muted": "#5b6875", "white": "#ffffff"}


#: Most office printers leave this much of every edge white (0.25 in).
PRINTABLE_MARGIN = 18.0
#: The smallest QR module, in points, that still reads from a 72 dpi scan after
#: a blur and a photocopy's threshold (see tests/credentials/test_qr_scan.py).
MIN_QR_MODULE = 2.2
#: Layouts are checked with a QR code of this many bytes: the signed
#: verification URL of a public address up to about 75 characters long.
REFERENCE_QR_BYTES = 200
#: Fields of any length: a block that shows one needs a ``max_width`` to shrink into.
UNBOUNDED_FIELDS = frozenset(
    {"holder", "course", "course_code", "organization", "instructor", "signer"}
)
#: The widest values of the other fields, for measuring the blocks that show them.
WIDEST_VALUES = {
    "completed": "28 September 2026",
    "issued": "28 September 2026",
    "expires": "28 September 2026",
    "hours": "9999.75",
    "serial": "-".join(["WWWW"] * 7),
}


class LayoutError(ValueError):
    """A layout's data is wrong; the message names the layout and the problem."""


@dataclass(frozen=True)
class TextBlock:
    template: str
    x: float
    y: float
    size: float
    font: str
    color: tuple[float, float, float]
    align: str
    max_width: float | None
    min_size: float
    when: str | None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(PLACEHOLDER.findall(self.template))

    @property
    def is_static(self) -> bool:
        return self.when is None and self.fields <= STATIC_FIELDS


@dataclass(frozen=True)
class Placement:
    """A box for an image: x/y fractions of the page, its height a fraction of it."""

    x: float
    y: float
    height: float
    align: str
    src: Path | None = None


@dataclass(frozen=True)
class LayoutSpec:
    """A checked layout with absolute asset paths."""

    name: str
    label: str
    page_size: str
    landscape: bool
    fonts: dict[str, Path]
    colors: dict[str, tuple[float, float, float]]
    art: tuple[dict[str, Any], ...]
    blocks: tuple[TextBlock, ...]
    qr: tuple[float, float, float]
    logo: Placement | None
    signature: Placement | None
    texts: dict[str, str] = field(default_factory=dict)

    def page(self, size_override: str | None = None) -> tuple[float, float]:
        """Page width and height in points (``size_override``: letter or a4)."""
        size = (size_override or self.page_size).lower()
        if size not in PAGE_SIZES:
            raise LayoutError(f"unknown page size {size!r}; use one of {sorted(PAGE_SIZES)}")
        short, long = PAGE_SIZES[size]
        return (long, short) if self.landscape else (short, long)


def parse_color(value: Any, palette: Mapping[str, tuple[float, float, float]], where: str):
    if isinstance(value, str) and value in palette:
        return palette[value]
    if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return tuple(int(value[i : i + 2], 16) / 255 for i in (1, 3, 5))
    raise LayoutError(f"{where}: color {value!r} is neither #rrggbb nor a palette name")


def _number(spec: Mapping[str, Any], key: str, where: str, default: Any = ..., lo=0.0, hi=1.0):
    value = spec.get(key, default)
    if value is ...:
        raise LayoutError(f"{where}: {key!r} is required")
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not lo <= value <= hi:
        raise LayoutError(f"{where}: {key!r} must be a number from {lo} to {hi}, got {value!r}")
    return float(value)


def resolve_asset(reference: str, base_dir: Path | None, shared_dir: Path, where: str) -> Path:
    """An asset path inside the layout's folder (or ``shared:`` folder), checked to exist."""
    if not isinstance(reference, str) or not reference:
        raise LayoutError(f"{where}: an asset path must be a non-empty string")
    if reference.startswith("shared:"):
        root, relative = shared_dir, reference.removeprefix("shared:")
    else:
        if base_dir is None:
            raise LayoutError(f"{where}: {reference!r} is relative but the layout has no folder")
        root, relative = base_dir, reference
    root = root.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise LayoutError(f"{where}: {reference!r} leaves the layout's folder")
    if not path.is_file():
        raise LayoutError(f"{where}: asset {reference!r} not found")
    return path


def parse_layout(spec: Mapping[str, Any], base_dir: Path | None, shared_dir: Path) -> LayoutSpec:
    """Check a layout's data and resolve its assets; LayoutError says what is wrong."""
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", name):
        raise LayoutError(f"layout name {name!r} must be lower-case letters, digits and dashes")
    where = f"layout {name!r}"
    page = spec.get("page", {})
    size = str(page.get("size", "letter")).lower()
    if size not in PAGE_SIZES:
        raise LayoutError(f"{where}: page size {size!r} is not one of {sorted(PAGE_SIZES)}")
    orientation = page.get("orientation", "landscape")
    if orientation not in ("landscape", "portrait"):
        raise LayoutError(f"{where}: orientation must be landscape or portrait")

    fonts = {
        key: resolve_asset(ref, base_dir, shared_dir, f"{where} font {key!r}")
        for key, ref in {**DEFAULT_FONTS, **spec.get("fonts", {})}.items()
    }
    palette: dict[str, tuple[float, float, float]] = {}
    for key, value in {**DEFAULT_COLORS, **spec.get("colors", {})}.items():
        palette[key] = parse_color(value, {}, f"{where} color {key!r}")

    texts = {key: str(spec[key]) for key in ("title", "statement") if key in spec}
    blocks = []
    for i, raw in enumerate(spec.get("blocks", [])):
        here = f"{where} block {i + 1}"
        template = raw.get("text")
        if not isinstance(template, str) or not template:
            raise LayoutError(f"{here}: 'text' must be a non-empty string")
        unknown = set(PLACEHOLDER.findall(template)) - CERTIFICATE_FIELDS - STATIC_FIELDS
        if unknown:
            raise LayoutError(f"{here}: unknown placeholder(s) {sorted(unknown)}")
        font = raw.get("font", "regular")
        if font not in fonts:
            raise LayoutError(f"{here}: font {font!r} is not one of {sorted(fonts)}")
        align = raw.get("align", "center")
        if align not in ALIGNMENTS:
            raise LayoutError(f"{here}: align must be one of {ALIGNMENTS}")
        when = raw.get("when")
        if when is not None and when not in CERTIFICATE_FIELDS:
            raise LayoutError(f"{here}: 'when' must name a certificate field")
        size_pt = _number(raw, "size", here, 12, lo=4, hi=144)
        blocks.append(
            TextBlock(
                template=template,
                x=_number(raw, "x", here),
                y=_number(raw, "y", here),
                size=size_pt,
                font=font,
                color=parse_color(raw.get("color", "ink"), palette, here),
                align=align,
                max_width=_number(raw, "max_width", here, None),
                min_size=_number(raw, "min_size", here, min(size_pt, 7), lo=2, hi=144),
                when=when,
            )
        )

    art = []
    for i, raw in enumerate(spec.get("art", [])):
        here = f"{where} art {i + 1}"
        kind = raw.get("type")
        if kind not in ART_TYPES:
            raise LayoutError(f"{here}: type must be one of {ART_TYPES}")
        item = dict(raw)
        for key in ("color", "fill", "stroke"):
            if key in item:
                item[key] = parse_color(item[key], palette, here)
        if kind == "image":
            item["src"] = resolve_asset(raw.get("src"), base_dir, shared_dir, here)
        art.append(item)

    qr_spec = spec.get("qr")
    if not isinstance(qr_spec, Mapping):
        raise LayoutError(f"{where}: a 'qr' block (x, y, size) is required")
    qr = (
        _number(qr_spec, "x", f"{where} qr"),
        _number(qr_spec, "y", f"{where} qr"),
        _number(qr_spec, "size", f"{where} qr", lo=0.05, hi=0.5),
    )

    def placement(key: str, src_key: str) -> Placement | None:
        raw = spec.get(key)
        if raw is None:
            return None
        here = f"{where} {key}"
        src = raw.get(src_key)
        return Placement(
            x=_number(raw, "x", here),
            y=_number(raw, "y", here),
            height=_number(raw, "height", here, lo=0.01, hi=0.5),
            align=raw.get("align", "center"),
            src=resolve_asset(src, base_dir, shared_dir, here) if src else None,
        )

    return LayoutSpec(
        name=name,
        label=str(spec.get("label", name)),
        page_size=size,
        landscape=orientation == "landscape",
        fonts=fonts,
        colors=palette,
        art=tuple(art),
        blocks=tuple(blocks),
        qr=qr,
        logo=placement("logo", "default"),
        signature=placement("signature", "src"),
        texts=texts,
    )


class MeasuringFont(Protocol):
    """What the placement check needs of a font (see :mod:`lms.credentials.fonts`)."""

    ascent: float  # above the baseline, thousandths of the size
    descent: float  # below it (negative)

    def text_width(self, text: str, size: float) -> float: ...


def placement_problems(spec: LayoutSpec, font_loader: Callable[[Path], MeasuringFont]) -> list[str]:
    """What a layout places off the printable area, at each page size; [] when nothing.

    Text is measured at its block's own size with the widest values a field
    can have; a block showing a field of any length must give it a
    ``max_width``. The QR code must be large enough to scan (:data:`MIN_QR_MODULE`).
    """
    problems = []
    fonts = {key: font_loader(path) for key, path in spec.fonts.items()}
    measured = []
    for i, block in enumerate(spec.blocks):
        unbounded = sorted(block.fields & UNBOUNDED_FIELDS)
        if unbounded and block.max_width is None:
            problems.append(
                f"block {i + 1} ({block.template!r}): shows {{{unbounded[0]}}} without a"
                " max_width, so a long value would run off the page"
            )
        else:
            measured.append((i, block, unbounded))
    for paper in PAGE_SIZES:
        width, height = spec.page(paper)
        area = (
            PRINTABLE_MARGIN,
            PRINTABLE_MARGIN,
            width - PRINTABLE_MARGIN,
            height - PRINTABLE_MARGIN,
        )
        for i, block, unbounded in measured:
            here = f"block {i + 1} ({block.template!r}) on {paper} paper"
            font = fonts[block.font]
            text = PLACEHOLDER.sub(
                lambda m: WIDEST_VALUES.get(m.group(1), spec.texts.get(m.group(1), "")),
                block.template,
            )
            span = font.text_width(text, block.size)
            if block.max_width is not None and (unbounded or span > block.max_width * width):
                span = block.max_width * width
            left = block.x * width - {"left": 0.0, "center": span / 2, "right": span}[block.align]
            box = (
                left,
                block.y * height + font.descent * block.size / 1000,
                left + span,
                block.y * height + font.ascent * block.size / 1000,
            )
            problem = _outside(box, area, width, height)
            if problem:
                problems.append(f"{here}: its text {problem}")
        qx, qy, qsize = spec.qr
        side = qsize * width
        problem = _outside(
            (qx * width, qy * height, qx * width + side, qy * height + side), area, width, height
        )
        if problem:
            problems.append(f"qr on {paper} paper: the QR code {problem}")
        modules = 17 + 4 * qr.version_for(REFERENCE_QR_BYTES) + 2 * qr.QUIET_ZONE
        if side / modules < MIN_QR_MODULE:
            problems.append(
                f"qr on {paper} paper: its modules would be {side / modules:.2f} pt, smaller than"
                f" the {MIN_QR_MODULE} pt a 72 dpi scan needs; make its size at least"
                f" {MIN_QR_MODULE * modules / width:.3f}"
            )
    return problems


def _outside(box, area, width: float, height: float) -> str | None:
    """Where ``box`` (x0, y0, x1, y1) leaves the printable ``area``, in words."""
    x0, y0, x1, y1 = box
    edges = (
        ("left", x0 - area[0], x0),
        ("bottom", y0 - area[1], y0),
        ("right", area[2] - x1, width - x1),
        ("top", area[3] - y1, height - y1),
    )
    for edge, inside_by, from_edge in edges:
        if inside_by < -0.01:
            where = (
                f"off the page at the {edge}"
                if from_edge < 0
                else f"{from_edge:.1f} pt from the {edge} edge"
            )
            return (
                f"would reach {where}; keep it at least {PRINTABLE_MARGIN:g} pt (0.25 in)"
                " inside the edges, where printers print"
            )
    return None
