"""Transcript layouts as data: the schema of ``certificates/transcript/layout.json``, checked.

A transcript layout is a layout file whose ``kind`` is ``transcript`` (a plugin
registers its own as a :class:`lms.plugins.TranscriptLayout`;
``LMS_TRANSCRIPT_LAYOUT`` picks the one used). It gives the page and its
margins (points), the fonts ``text`` and ``bold``, the colours ``ink``,
``accent``, ``muted`` and ``rule``, the seal and the QR code's size, the font
size of each kind of text, every fixed text, and the four tables with their
columns: a title, a width, an alignment and the text of each cell. Widths are
shares of the room between the margins (the shipped ones are points on letter
paper): the columns are scaled to fill it, on any paper.

Texts name the signed record's values as ``{name}`` or ``{name:format}``
(``short`` and ``long`` dates, a ``serial`` in groups of four): the record's
top-level values and the holder's details in the head, texts and footers
(``{page}`` and ``{pages}`` in the footer), a row's values in a column. Every
table of the record is shown, so a printed transcript shows all it signs.
Assets resolve like a certificate layout's (:mod:`lms.credentials.layouts`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..credentials.layouts import (
    PAGE_SIZES,
    LayoutError,
    parse_color,
    resolve_asset,
)
from ..credentials.signing import display_serial
from .record import short_date

#: ``{name}`` or ``{name:format}``.
PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z]+))?\}")
#: The values of each table's rows (see :func:`lms.transcripts.record.record_of`).
ROW_FIELDS = {
    "certifications": frozenset(
        {"track", "cycle", "granted", "valid_from", "expires", "earned", "how"}
    ),
    "completions": frozenset({"date", "course_code", "course", "hours", "result", "instructor"}),
    "imported": frozenset(
        {"date", "training", "hours", "instructor", "source", "prior_certificate"}
    ),
    "hours": frozenset({"period", "label", "here", "imported", "total"}),
}
#: The record's own values and the holder's details, usable in every text.
HEAD_FIELDS = frozenset(
    {"holder", "serial", "as_of", "issued", "issuer"}
    | {"title", "badge", "employee_number", "unit", "organization"}
)
PAGE_FIELDS = frozenset({"page", "pages"})
FONTS = ("text", "bold")
COLORS = ("ink", "accent", "muted", "rule")
SIZES = (
    "issuer", "title", "subtitle", "qr_caption", "holder", "details", "record_line",
    "running_head", "section", "column_title", "cell", "footer", "notice",
)  # fmt: skip
TEXTS = (
    "issuer", "title", "holder", "subtitle", "qr_caption", "record_line", "running_head",
    "continued", "footer", "page_number", "notice",
)  # fmt: skip
#: Texts drawn on every page, where the page number is known.
FOOTER_TEXTS = frozenset({"footer", "page_number", "notice"})
#: Texts that show no value.
PLAIN_TEXTS = frozenset({"qr_caption", "continued"})


def long_date(iso: str) -> str:
    """An ISO date as ``3 March 2026``."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def short(iso: str) -> str:
    """An ISO date as ``3 Mar 2026``."""
    return short_date(date.fromisoformat(iso))


FORMATS = {"short": short, "long": long_date, "serial": display_serial}


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each placeholder replaced by its value, formatted as it asks."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        if found is None or found == "":
            return ""
        return FORMATS[match.group(2)](str(found)) if match.group(2) else str(found)

    return PLACEHOLDER.sub(value, template)


def fields_of(template: str) -> frozenset[str]:
    """The values ``template`` names."""
    return frozenset(match.group(1) for match in PLACEHOLDER.finditer(template))


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # points, once scaled to the page
    align: str
    text: str  # the cell's template


@dataclass(frozen=True)
class Section:
    """One table: the record's list it shows (``rows``), its title and columns."""

    rows: str
    title: str
    empty: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Margins:
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class TranscriptSpec:
    """A checked transcript layout with absolute asset paths."""

    name: str
    label: str
    width: float
    height: float
    margins: Margins
    fonts: dict[str, Path]
    colors: dict[str, tuple[float, float, float]]
    seal: Path | None
    seal_height: float
    qr_size: float
    sizes: dict[str, float]
    texts: dict[str, str]
    details: tuple[str, ...]
    details_separator: str
    sections: tuple[Section, ...]


def _number(raw: Any, where: str, lo: float, hi: float) -> float:
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not lo <= raw <= hi:
        raise LayoutError(f"{where} must be a number from {lo} to {hi}, got {raw!r}")
    return float(raw)


def _text(raw: Any, where: str, allowed: frozenset[str]) -> str:
    if not isinstance(raw, str):
        raise LayoutError(f"{where} must be text, got {raw!r}")
    for match in PLACEHOLDER.finditer(raw):
        if match.group(1) not in allowed:
            raise LayoutError(f"{where}: unknown placeholder {{{match.group(1)}}}")
        if match.group(2) and match.group(2) not in FORMATS:
            raise LayoutError(f"{where}: unknown format {match.group(2)!r}; use {sorted(FORMATS)}")
    return raw


def _allowed(text_key: str) -> frozenset[str]:
    """The values a layout's text may show."""
    if text_key in PLAIN_TEXTS:
        return frozenset()
    return HEAD_FIELDS | PAGE_FIELDS if text_key in FOOTER_TEXTS else HEAD_FIELDS


def _mapping(spec: Mapping[str, Any], key: str, where: str, required=()) -> Mapping[str, Any]:
    found = spec.get(key)
    if not isinstance(found, Mapping):
        raise LayoutError(f"{where}: {key!r} must be an object")
    missing = [name for name in required if name not in found]
    if missing:
        raise LayoutError(f"{where}: {key!r} lacks {', '.join(map(repr, missing))}")
    return found


def _sections(raw: Any, where: str, room: float) -> tuple[Section, ...]:
    if not isinstance(raw, list):
        raise LayoutError(f"{where}: 'sections' must be a list")
    sections = []
    for i, section in enumerate(raw):
        here = f"{where} section {i + 1}"
        rows = section.get("rows") if isinstance(section, Mapping) else None
        if rows not in ROW_FIELDS:
            raise LayoutError(f"{here}: 'rows' must be one of {sorted(ROW_FIELDS)}")
        raw_columns = section.get("columns") or []
        if not isinstance(raw_columns, list) or not all(
            isinstance(c, Mapping) for c in raw_columns
        ):
            raise LayoutError(f"{here}: 'columns' must be a list of objects")
        shares = [
            _number(c.get("width"), f"{here} column {j + 1} width", 1, 10_000)
            for j, c in enumerate(raw_columns)
        ]
        columns = []
        for j, (column, share) in enumerate(zip(raw_columns, shares, strict=True)):
            at = f"{here} column {j + 1}"
            align = column.get("align", "left")
            if align not in ("left", "right"):
                raise LayoutError(f"{at}: align must be left or right")
            columns.append(
                Column(
                    title=_text(column.get("title", ""), f"{at} title", frozenset()),
                    width=room * share / sum(shares),
                    align=align,
                    text=_text(column.get("text"), f"{at} text", ROW_FIELDS[rows]),
                )
            )
        if not any(fields_of(c.text) for c in columns):
            raise LayoutError(f"{here}: no column shows a value of the {rows} rows")
        if min((c.width for c in columns), default=0) < 12:
            raise LayoutError(f"{here}: a column is narrower than 12 points on this page")
        sections.append(
            Section(
                rows=rows,
                title=_text(section.get("title"), f"{here} title", frozenset()),
                empty=_text(section.get("empty"), f"{here} empty", frozenset()),
                columns=tuple(columns),
            )
        )
    shown = [s.rows for s in sections]
    if sorted(shown) != sorted(ROW_FIELDS):
        raise LayoutError(f"{where}: the sections must show each of {sorted(ROW_FIELDS)} once")
    return tuple(sections)


def parse_transcript_layout(
    spec: Mapping[str, Any], base_dir: Path | None, shared_dir: Path
) -> TranscriptSpec:
    """Check a transcript layout's data and resolve its assets; LayoutError says what is wrong."""
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", name):
        raise LayoutError(f"layout name {name!r} must be lower-case letters, digits and dashes")
    where = f"transcript layout {name!r}"
    page = spec.get("page", {})
    size = str(page.get("size", "letter")).lower()
    if size not in PAGE_SIZES:
        raise LayoutError(f"{where}: page size {size!r} is not one of {sorted(PAGE_SIZES)}")
    short_side, long_side = PAGE_SIZES[size]
    orientation = page.get("orientation", "portrait")
    if orientation not in ("landscape", "portrait"):
        raise LayoutError(f"{where}: orientation must be landscape or portrait")
    width, height = (
        (long_side, short_side) if orientation == "landscape" else (short_side, long_side)
    )
    raw_margins = _mapping(spec, "margins", where, ("left", "right", "top", "bottom"))
    margins = Margins(
        **{
            side: _number(raw_margins[side], f"{where} margin {side!r}", 0, min(width, height) / 4)
            for side in ("left", "right", "top", "bottom")
        }
    )
    fonts = {
        key: resolve_asset(ref, base_dir, shared_dir, f"{where} font {key!r}")
        for key, ref in _mapping(spec, "fonts", where, FONTS).items()
        if key in FONTS
    }
    raw_colors = _mapping(spec, "colors", where, COLORS)
    colors = {key: parse_color(raw_colors[key], {}, f"{where} color {key!r}") for key in COLORS}
    raw_sizes = _mapping(spec, "sizes", where, SIZES)
    sizes = {key: _number(raw_sizes[key], f"{where} size {key!r}", 4, 72) for key in SIZES}
    raw_texts = _mapping(spec, "texts", where, (*TEXTS, "details", "details_separator"))
    texts = {key: _text(raw_texts[key], f"{where} text {key!r}", _allowed(key)) for key in TEXTS}
    details = raw_texts["details"]
    if not isinstance(details, list):
        raise LayoutError(f"{where}: text 'details' must be a list of texts")
    seal = spec.get("seal")
    if seal is not None and not isinstance(seal, Mapping):
        raise LayoutError(f"{where}: 'seal' must be an object (src, height) or null")
    qr = _mapping(spec, "qr", where, ("size",))
    room = width - margins.left - margins.right
    return TranscriptSpec(
        name=name,
        label=str(spec.get("label", name)),
        width=width,
        height=height,
        margins=margins,
        fonts=fonts,
        colors=colors,
        seal=resolve_asset(seal.get("src"), base_dir, shared_dir, f"{where} seal")
        if seal
        else None,
        seal_height=_number(seal.get("height"), f"{where} seal height", 8, 200) if seal else 0.0,
        qr_size=_number(qr["size"], f"{where} qr size", 48, 200),
        sizes=sizes,
        texts=texts,
        details=tuple(
            _text(item, f"{where} text 'details' {i + 1}", HEAD_FIELDS)
            for i, item in enumerate(details)
        ),
        details_separator=_text(raw_texts["details_separator"], f"{where} separator", frozenset()),
        sections=_sections(spec.get("sections"), where, room),
    )
