"""The pages of a transcript: text set in the engine's fonts, tables that flow over pages.

Pure: from the signed record (parsed) to each page's PDF drawing operators and
the characters each font must carry; :mod:`lms.transcripts.render` writes the
file. Tables repeat their header on each page; every page carries the holder,
the serial and "Page n of N".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..credentials import qr
from ..credentials.art import rgb
from ..credentials.fonts import EmbeddableFont
from ..credentials.signing import display_serial
from .record import short_date

WIDTH, HEIGHT = 612.0, 792.0  # US letter, portrait
MARGIN = 50.0
TOP = HEIGHT - 48.0
BOTTOM = 64.0  # the footer lives below this
INK = (0.106, 0.153, 0.2)
ACCENT = (0.114, 0.208, 0.341)
MUTED = (0.357, 0.408, 0.459)
RULE = (0.78, 0.81, 0.85)
NOTICE = (
    "A training record kept by {issuer}. Imported records are reproduced as received from the "
    "systems named and were not delivered by {issuer}. ALERRT's own certificates are issued by "
    "ALERRT."
)


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # points
    align: str = "left"


@dataclass
class Pages:
    """The drawing of each page, and every character each font must carry."""

    pages: list[list[bytes]] = field(default_factory=lambda: [[]])
    chars: dict[str, set[str]] = field(default_factory=dict)
    current: int = -1  # the page drawn on: the last, unless footers are being added

    def add(self, ops: bytes) -> None:
        self.pages[self.current].append(ops)


class TranscriptLayout:
    """Sets transcripts in ``fonts`` (keys ``text`` and ``bold``); ``seal``: draw image /Im1."""

    def __init__(self, fonts: dict[str, EmbeddableFont], *, seal_aspect: float | None = None):
        missing = {"text", "bold"} - fonts.keys()
        if missing:
            raise ValueError(f"transcript fonts missing: {sorted(missing)}")
        self.fonts = fonts
        self.names = {key: f"F{i + 1}".encode() for i, key in enumerate(sorted(fonts))}
        self.seal_aspect = seal_aspect

    # --- text ---------------------------------------------------------------------

    def width(self, text: str, font: str, size: float) -> float:
        """Width of ``text`` in points."""
        return self.fonts[font].text_width(text, size)

    def _text(
        self, out: Pages, x: float, y: float, text: str, font: str, size: float, color=INK
    ) -> None:
        if not text:
            return
        out.chars.setdefault(font, set()).update(text)
        out.add(
            b"BT %s /%s %.2f Tf %.2f %.2f Td <%s> Tj ET\n"
            % (rgb(color), self.names[font], size, x, y, self.fonts[font].encode(text).encode())
        )

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
                while cut > 1 and self.width(word[:cut], font, size) > limit:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
        return lines

    # --- layout ------------------------------------------------------------------

    def _first_page_head(self, out: Pages, facts: dict, payload: str) -> float:
        x0 = MARGIN
        if self.seal_aspect is not None:
            height = 58.0
            width = height * self.seal_aspect
            out.add(b"q %.3f 0 0 %.3f %.3f %.3f cm /Im1 Do Q\n" % (width, height, x0, TOP - height))
            x0 += width + 14
        qr_size = 86.0
        text_limit = WIDTH - MARGIN - qr_size - 16 - x0
        issuer = facts["issuer"]
        self._text(
            out, x0, TOP - 14, issuer, "bold", self._fit(issuer, "bold", 12, text_limit), ACCENT
        )
        self._text(out, x0, TOP - 40, "Training Transcript", "bold", 22, ACCENT)
        self._text(
            out,
            x0,
            TOP - 56,
            "The training record of one person, signed and verifiable.",
            "text",
            8.5,
            MUTED,
        )
        self._qr(out, payload, WIDTH - MARGIN - qr_size, TOP - qr_size, qr_size)
        self._text(
            out,
            WIDTH - MARGIN - qr_size + 14,
            TOP - qr_size - 8,
            "Scan to verify",
            "text",
            7,
            MUTED,
        )

        y = TOP - 112
        holder = facts["holder"]
        self._text(
            out, MARGIN, y, holder, "bold", self._fit(holder, "bold", 18, WIDTH - 2 * MARGIN)
        )
        details = facts.get("details", {})
        words = [
            details.get("title", ""),
            f"Badge {details['badge']}" if details.get("badge") else "",
            f"Employee no. {details['employee_number']}" if details.get("employee_number") else "",
            details.get("unit", ""),
            details.get("organization", ""),
        ]
        y -= 16
        for line in self.wrap(" · ".join(w for w in words if w), "text", 9.5, WIDTH - 2 * MARGIN):
            self._text(out, MARGIN, y, line, "text", 9.5)
            y -= 12
        as_of = long_date(facts["as_of"])
        issued = long_date(facts["issued"])
        line = f"Record as of {as_of} · Issued {issued} · Serial {display_serial(facts['serial'])}"
        self._text(out, MARGIN, y - 2, line, "text", 9.5, ACCENT)
        y -= 12
        out.add(
            b"q %s 0.8 w %.2f %.2f m %.2f %.2f l S Q\n"
            % (rgb(RULE, b"RG"), MARGIN, y, WIDTH - MARGIN, y)
        )
        return y - 10

    def _qr(self, out: Pages, payload: str, x: float, y: float, size: float) -> None:
        symbol = qr.encode(payload.encode("utf-8"))
        module = size / (symbol.size + 2 * qr.QUIET_ZONE)
        offset = qr.QUIET_ZONE * module
        out.add(
            b"BT 0 0 0 rg /QR 1 Tf %.5f 0 0 %.5f %.3f %.3f Tm 1 TL\n"
            % (module, module, x + offset, y + offset + symbol.size * module)
        )
        out.add(qr.text_rows(symbol))
        out.add(b"ET\n")

    def _new_page(self, out: Pages, facts: dict) -> float:
        out.pages.append([])
        title = f"{facts['holder']} · training transcript as of {long_date(facts['as_of'])}"
        self._text(
            out,
            MARGIN,
            TOP - 8,
            title,
            "bold",
            self._fit(title, "bold", 10, WIDTH - 2 * MARGIN),
            ACCENT,
        )
        y = TOP - 16
        out.add(
            b"q %s 0.8 w %.2f %.2f m %.2f %.2f l S Q\n"
            % (rgb(RULE, b"RG"), MARGIN, y, WIDTH - MARGIN, y)
        )
        return y - 14

    def _section(
        self,
        out: Pages,
        facts: dict,
        y: float,
        title: str,
        columns: list[Column],
        rows: list[list[str]],
        empty: str,
    ) -> float:
        size, leading, pad = 8.5, 10.5, 3.5

        def heading(y: float, suffix: str = "") -> float:
            self._text(out, MARGIN, y - 13, title + suffix, "bold", 12.5, ACCENT)
            return y - 20

        def header(y: float) -> float:
            x = MARGIN
            for col in columns:
                self._cell(out, x, y - 9, col, col.title, "bold", 8)
                x += col.width
            y -= 13
            out.add(
                b"q %s 0.6 w %.2f %.2f m %.2f %.2f l S Q\n"
                % (rgb(ACCENT, b"RG"), MARGIN, y, WIDTH - MARGIN, y)
            )
            return y - 2

        if y - 20 - 13 - 2 * leading < BOTTOM:
            y = self._new_page(out, facts)
        y = heading(y)
        if not rows:
            self._text(out, MARGIN, y - 10, empty, "text", size, MUTED)
            return y - 24
        y = header(y)
        for row in rows:
            cells = [
                self.wrap(text, "text", size, col.width - 6)
                for col, text in zip(columns, row, strict=True)
            ]
            height = max(len(lines) for lines in cells) * leading + 2 * pad
            if y - height < BOTTOM:
                y = header(heading(self._new_page(out, facts), " (continued)"))
            x = MARGIN
            for col, lines in zip(columns, cells, strict=True):
                line_y = y - pad - size
                for line in lines:
                    self._cell(out, x, line_y, col, line, "text", size)
                    line_y -= leading
                x += col.width
            y -= height
            out.add(
                b"q %s 0.3 w %.2f %.2f m %.2f %.2f l S Q\n"
                % (rgb(RULE, b"RG"), MARGIN, y, WIDTH - MARGIN, y)
            )
        return y - 14

    def _cell(
        self, out: Pages, x: float, y: float, col: Column, text: str, font: str, size: float
    ) -> None:
        if col.align == "right":
            x = x + col.width - 6 - self.width(text, font, size)
        self._text(out, x, y, text, font, size)

    def _footers(self, out: Pages, facts: dict) -> None:
        count = len(out.pages)
        left = (
            f"Training transcript of {facts['holder']} · Serial {display_serial(facts['serial'])}"
        )
        notice = NOTICE.format(issuer=facts["issuer"])
        limit = WIDTH - 2 * MARGIN
        for number in range(1, count + 1):
            out.current = number - 1
            right = f"Page {number} of {count}"
            right_width = self.width(right, "text", 8)
            out.add(
                b"q %s 0.6 w %.2f %.2f m %.2f %.2f l S Q\n"
                % (rgb(RULE, b"RG"), MARGIN, 48, WIDTH - MARGIN, 48)
            )
            self._text(
                out,
                MARGIN,
                38,
                left,
                "text",
                self._fit(left, "text", 8, limit - right_width - 12),
                MUTED,
            )
            self._text(out, WIDTH - MARGIN - right_width, 38, right, "text", 8, INK)
            lines = self.wrap(notice, "text", 6.5, limit)
            for i, line in enumerate(lines[:2]):
                self._text(out, MARGIN, 28 - 8 * i, line, "text", 6.5, MUTED)

    def pages(self, facts: dict, payload: str) -> Pages:
        """Every page's drawing (without fonts and file structure)."""
        out = Pages()
        y = self._first_page_head(out, facts, payload)
        y = self._section(
            out,
            facts,
            y,
            "Certifications",
            [
                Column("Certification", 132),
                Column("Cycle", 34, "right"),
                Column("Granted", 62),
                Column("Valid from", 62),
                Column("Expires", 62),
                Column("How earned", 160),
            ],
            [
                [
                    c["track"],
                    str(c["cycle"]),
                    short(c["granted"]),
                    short(c["valid_from"]),
                    short(c["expires"]),
                    c["how"],
                ]
                for c in facts["certifications"]
            ],
            "No certification recorded.",
        )
        y = self._section(
            out,
            facts,
            y,
            "Training completed",
            [
                Column("Date", 62),
                Column("Course", 180),
                Column("Hours", 40, "right"),
                Column("Result", 110),
                Column("Instructor", 120),
            ],
            [
                [
                    short(c["date"]),
                    f"{c['course']} ({c['course_code']})",
                    c["hours"],
                    c["result"],
                    c["instructor"],
                ]
                for c in facts["completions"]
            ],
            "No course completed here.",
        )
        y = self._section(
            out,
            facts,
            y,
            "Imported training records",
            [
                Column("Date", 62),
                Column("Training", 150),
                Column("Hours", 40, "right"),
                Column("Instructor", 92),
                Column("Source system", 90),
                Column("Prior certificate", 78),
            ],
            [
                [
                    short(p["date"]),
                    p["training"],
                    p["hours"],
                    p["instructor"],
                    p["source"],
                    p["prior_certificate"],
                ]
                for p in facts["imported"]
            ],
            "No record imported from an earlier system.",
        )
        self._section(
            out,
            facts,
            y,
            "Training hours per reporting period",
            [
                Column("Reporting period", 272),
                Column("Here", 80, "right"),
                Column("Imported", 80, "right"),
                Column("Total", 80, "right"),
            ],
            [[h["label"], h["here"], h["imported"], h["total"]] for h in facts["hours"]],
            "No training hours recorded.",
        )
        self._footers(out, facts)
        return out


def short(iso: str) -> str:
    """An ISO date as ``3 Mar 2026``."""
    return short_date(date.fromisoformat(iso))


def long_date(iso: str) -> str:
    """An ISO date as ``3 March 2026``."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"
