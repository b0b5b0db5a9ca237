"""The pages of a transcript: text set in the engine's fonts, tables that flow over pages.

Pure: from the signed record (parsed) and a checked layout
(:class:`lms.transcripts.spec.TranscriptSpec`: sizes, texts, colours, tables)
to each page's PDF drawing operators and what each font must carry. Text is
set as certificates set it (:mod:`lms.credentials.text`): the layout's font
for Latin, Greek and Cyrillic, the Noto face of any other script, shaped and
in visual order;
:mod:`lms.transcripts.render` writes the file. Tables repeat their header on
each page; every page carries the holder, the serial and "Page n of N".

Every text that shows values of the record is marked (``/LMSTranscript``
marked content naming the row and the text's template), so an offline check
can read the page back against the signed record (:mod:`lms.transcripts.offline`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..credentials import qr, qr_glyphs
from ..credentials.art import rgb
from ..credentials.fonts import EmbeddableFont
from ..credentials.pdf import text_string
from ..credentials.text import FontChain, Line, fallback_faces
from ..credentials.typeset import Usage, place_line, resource_names
from .spec import HEAD_FIELDS, Section, TranscriptSpec, fields_of, fill

#: The marked-content tag around each text showing the record's values.
MARK_TAG = "LMSTranscript"
CELL_PAD = 3.5  # points above and below a table row's text
GUTTER = 6.0  # points between a cell's text and the next column
_TAG = MARK_TAG.encode()
#: Marks repeat the same templates and row names on every transcript.
_string = lru_cache(maxsize=4096)(text_string)


def row_key(rows: str, index: int) -> str:
    """How a mark names a table row (``completions 3``); the head is ``""``."""
    return f"{rows} {index}"


def head_values(facts: dict) -> dict[str, str]:
    """The values the head, running heads and footers may show."""
    values = {key: facts[key] for key in ("holder", "serial", "as_of", "issued", "issuer")}
    return {**facts.get("details", {}), **values}


def details_template(spec: TranscriptSpec, values: dict[str, str]) -> str:
    """The line under the holder's name: the detail texts whose values are all present."""
    shown = [item for item in spec.details if all(values.get(f) for f in fields_of(item))]
    return spec.details_separator.join(shown)


@dataclass
class Pages:
    """The drawing of each page, and what its text asks of each font."""

    pages: list[list[bytes]] = field(default_factory=lambda: [[]])
    usage: list[Usage] = field(default_factory=list)
    current: int = -1  # the page drawn on: the last, unless footers are being added

    def add(self, ops: bytes) -> None:
        self.pages[self.current].append(ops)

    def mark(self, row: str, template: str) -> None:
        """Begin a text showing the record's values (end it with :meth:`end_mark`)."""
        self.add(b"/%s << /Row %s /Template %s >> BDC\n" % (_TAG, _string(row), _string(template)))

    def end_mark(self) -> None:
        self.add(b"EMC\n")


class TranscriptLayout:
    """Sets transcripts as ``spec`` says in ``fonts`` (and the fallbacks ``font_loader``
    reads); ``seal_aspect``: draw image /Im1."""

    def __init__(
        self,
        spec: TranscriptSpec,
        fonts: dict[str, EmbeddableFont],
        *,
        font_loader: Callable[[Path], EmbeddableFont],
        seal_aspect: float | None = None,
    ):
        missing = {"text", "bold"} - fonts.keys()
        if missing:
            raise ValueError(f"transcript fonts missing: {sorted(missing)}")
        self.spec = spec
        self.chains = {
            key: FontChain(font, fallback_faces(font, font_loader)) for key, font in fonts.items()
        }
        self.layout_fonts = frozenset(fonts.values())
        self._names = resource_names(fonts[key] for key in sorted(fonts))
        self._lines: dict[tuple[str, str], Line] = {}
        self.seal_aspect = seal_aspect
        self.left = spec.margins.left
        self.right = spec.width - spec.margins.right
        self.top = spec.height - spec.margins.top

    # --- text ---------------------------------------------------------------------

    def font_name(self, font: EmbeddableFont) -> bytes:
        """The page resource name of ``font`` (``F1``...), the same on every page."""
        return self._names[font.source]

    def line(self, text: str, font: str) -> Line:
        """``text`` set on one line in the chain of the layout's font ``font``."""
        key = (font, text)
        found = self._lines.get(key)
        if found is None:
            found = self.chains[font].line(text)
            if len(self._lines) > 4096:  # course titles and names repeat across transcripts
                self._lines.clear()
            self._lines[key] = found
        return found

    def width(self, text: str, font: str, size: float) -> float:
        """Width of ``text`` in points."""
        return self.line(text, font).width_at(size)

    def _text(
        self,
        out: Pages,
        xy: tuple[float, float],
        text: str,
        font: str,
        size: float,
        color: str = "ink",
        align: str = "left",
    ) -> None:
        """``text`` on one line with its baseline through ``xy``, ``align``ed on its x."""
        if not text:
            return
        drawn = place_line(
            self.line(text, font), xy, size, align, self.font_name, self.spec.colors[color]
        )
        out.add(drawn.ops)
        out.usage.append(drawn.usage)

    def _fitted(
        self,
        out: Pages,
        xy: tuple[float, float],
        key: str,
        values: dict,
        font: str,
        color: str,
        limit: float | None = None,
    ) -> float:
        """The layout's text ``key`` on one line, shrunk to ``limit`` (default: to the margin).

        Marked when it shows the record's values; returns the width drawn.
        """
        x, y = xy
        template = self.spec.texts[key]
        text = fill(template, values)
        size = self._fit(text, font, self.spec.sizes[key], limit or self.right - x)
        marked = bool(fields_of(template) & HEAD_FIELDS)
        if marked:
            out.mark("", template)
        self._text(out, (x, y), text, font, size, color)
        if marked:
            out.end_mark()
        return self.width(text, font, size)

    def _fit(self, text: str, font: str, size: float, limit: float) -> float:
        """``size``, shrunk so ``text`` fits in ``limit`` points (a name is never cut)."""
        width = self.width(text, font, size)
        return size if width <= limit else size * limit / width

    def wrap(self, text: str, font: str, size: float, limit: float) -> list[str]:
        """``text`` broken at spaces into lines no wider than ``limit`` (long words split)."""
        lines: list[str] = []
        line = ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if self.width(candidate, font, size) <= limit:
                line = candidate
                continue
            if line:
                lines.append(line)
            while self.width(word, font, size) > limit and len(word) > 1:
                cut = len(word) - 1
                # never between a letter and its marks (a vowel sign, a virama)
                while cut > 1 and (
                    self.width(word[:cut], font, size) > limit
                    or unicodedata.category(word[cut])[0] == "M"
                ):
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
        return lines

    def _rule(self, out: Pages, y: float, width: float, color: str = "rule") -> None:
        out.add(
            b"q %s %.1f w %.2f %.2f m %.2f %.2f l S Q\n"
            % (rgb(self.spec.colors[color], b"RG"), width, self.left, y, self.right, y)
        )

    # --- layout ------------------------------------------------------------------

    def _first_page_head(self, out: Pages, facts: dict, payload: str) -> float:
        spec, sizes, top = self.spec, self.spec.sizes, self.top
        values = head_values(facts)
        x0 = self.left
        if self.seal_aspect is not None:
            height = spec.seal_height
            width = height * self.seal_aspect
            out.add(b"q %.3f 0 0 %.3f %.3f %.3f cm /Im1 Do Q\n" % (width, height, x0, top - height))
            x0 += width + 14
        qr_size = spec.qr_size
        qr_x = self.right - qr_size
        y = top - sizes["issuer"] - 2
        self._fitted(out, (x0, y), "issuer", values, "bold", "accent", qr_x - 16 - x0)
        y -= sizes["title"] + 4
        self._fitted(out, (x0, y), "title", values, "bold", "accent", qr_x - 16 - x0)
        y -= sizes["subtitle"] + 7.5
        self._fitted(out, (x0, y), "subtitle", values, "text", "muted", qr_x - 16 - x0)
        self._qr(out, payload, qr_x, top - qr_size, qr_size)
        caption, caption_size = spec.texts["qr_caption"], sizes["qr_caption"]
        self._text(
            out,
            (qr_x + qr_size / 2, top - qr_size - caption_size - 1),
            caption,
            "text",
            caption_size,
            "muted",
            "center",
        )

        y = top - max(qr_size + caption_size + 19, spec.seal_height + 20, top - y + 20)
        self._fitted(out, (self.left, y), "holder", values, "bold", "ink")
        y -= sizes["holder"] - 2
        template = details_template(spec, values)
        if template:
            out.mark("", template)
            for line in self.wrap(
                fill(template, values), "text", sizes["details"], self.right - self.left
            ):
                self._text(out, (self.left, y), line, "text", sizes["details"])
                y -= sizes["details"] + 2.5
            out.end_mark()
        self._fitted(out, (self.left, y - 2), "record_line", values, "text", "accent")
        y -= sizes["record_line"] + 2.5
        self._rule(out, y, 0.8)
        return y - 10

    def _qr(self, out: Pages, payload: str, x: float, y: float, size: float) -> None:
        symbol = qr.encode(payload.encode("utf-8"))
        module = size / (symbol.size + 2 * qr.QUIET_ZONE)
        offset = qr.QUIET_ZONE * module
        out.add(
            b"BT 0 0 0 rg /QR 1 Tf %.5f 0 0 %.5f %.3f %.3f Tm 1 TL\n"
            % (module, module, x + offset, y + offset + symbol.size * module)
        )
        out.add(qr_glyphs.text_rows(symbol))
        out.add(b"ET\n")

    def _new_page(self, out: Pages, facts: dict) -> float:
        out.pages.append([])
        size = self.spec.sizes["running_head"]
        self._fitted(
            out, (self.left, self.top - 8), "running_head", head_values(facts), "bold", "accent"
        )
        y = self.top - size - 6
        self._rule(out, y, 0.8)
        return y - 14

    def _section(self, out: Pages, facts: dict, y: float, section: Section) -> float:
        sizes = self.spec.sizes
        size, leading = sizes["cell"], sizes["cell"] + 2
        title_size, head_size = sizes["section"], sizes["column_title"]
        bottom = self.spec.margins.bottom

        def heading(y: float, suffix: str = "") -> float:
            title = section.title + suffix
            self._text(out, (self.left, y - title_size - 0.5), title, "bold", title_size, "accent")
            return y - title_size - 7.5

        def header(y: float) -> float:
            x = self.left
            for col in section.columns:
                self._cell(
                    out, x, y - head_size - 1, col.width, col.align, col.title, "bold", head_size
                )
                x += col.width
            y -= head_size + 5
            self._rule(out, y, 0.6, "accent")
            return y - 2

        rows = facts[section.rows]
        if y - (title_size + 7.5) - (head_size + 5) - 2 * leading < bottom:
            y = self._new_page(out, facts)
        y = heading(y)
        if not rows:
            self._text(out, (self.left, y - 10), section.empty, "text", size, "muted")
            return y - 24
        y = header(y)
        for index, row in enumerate(rows):
            cells = [
                self.wrap(fill(col.text, row), "text", size, col.width - GUTTER)
                for col in section.columns
            ]
            height = max(len(lines) for lines in cells) * leading + 2 * CELL_PAD
            if y - height < bottom:
                y = header(heading(self._new_page(out, facts), self.spec.texts["continued"]))
            x = self.left
            for col, lines in zip(section.columns, cells, strict=True):
                out.mark(row_key(section.rows, index), col.text)
                line_y = y - CELL_PAD - size
                for line in lines:
                    self._cell(out, x, line_y, col.width, col.align, line, "text", size)
                    line_y -= leading
                out.end_mark()
                x += col.width
            y -= height
            self._rule(out, y, 0.3)
        return y - 14

    def _cell(
        self,
        out: Pages,
        x: float,
        y: float,
        width: float,
        align: str,
        text: str,
        font: str,
        size: float,
    ) -> None:
        if align == "right":
            x += width - GUTTER
        self._text(out, (x, y), text, font, size, align=align)

    def _footers(self, out: Pages, facts: dict) -> None:
        spec, sizes = self.spec, self.spec.sizes
        count = len(out.pages)
        bottom = spec.margins.bottom
        limit = self.right - self.left
        values = head_values(facts)
        notice = fill(spec.texts["notice"], values)
        notice_lines = self.wrap(notice, "text", sizes["notice"], limit)[:2]
        for number in range(1, count + 1):
            out.current = number - 1
            page_values = {**values, "page": number, "pages": count}
            right = fill(spec.texts["page_number"], page_values)
            right_width = self.width(right, "text", sizes["footer"])
            self._rule(out, bottom - 16, 0.6)
            self._fitted(
                out,
                (self.left, bottom - 26),
                "footer",
                page_values,
                "text",
                "muted",
                limit - right_width - 12,
            )
            self._text(
                out, (self.right, bottom - 26), right, "text", sizes["footer"], align="right"
            )
            for i, line in enumerate(notice_lines):
                self._text(
                    out,
                    (self.left, bottom - 36 - (sizes["notice"] + 1.5) * i),
                    line,
                    "text",
                    sizes["notice"],
                    "muted",
                )

    def pages(self, facts: dict, payload: str) -> Pages:
        """Every page's drawing (without fonts and file structure)."""
        out = Pages()
        y = self._first_page_head(out, facts, payload)
        for section in self.spec.sections:
            y = self._section(out, facts, y, section)
        self._footers(out, facts)
        return out
