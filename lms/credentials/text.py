"""Lines of text for a PDF page: each character in a font that has it, shaped, in visual order.

A line is set in a :class:`FontChain`: the layout's own font for Latin, Greek
and Cyrillic, the Noto face made for any other script, the first font that
has a character otherwise. Text a layout font prints a glyph per character
(Latin, Greek, Cyrillic without stacked marks) takes the fast path: its glyph
ids are looked up per character. Anything else is split into runs of one
font, one script and one bidirectional level (python-bidi's implementation
of the Unicode Bidirectional Algorithm), each run shaped by HarfBuzz
(uharfbuzz: Arabic joined, Indic syllables reordered, marks placed) and the
runs put in visual order; such a line carries its logical text as
``/ActualText``, so copying or extracting it gives the name as typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

import uharfbuzz as hb
from bidi import algorithm as bidi_algorithm
from fontTools import unicodedata as script_data

from .fonts import EmbeddableFont, fallback_paths

#: Scripts a layout's own font is used for; others go to the faces made for them.
LAYOUT_FONT_SCRIPTS = frozenset({"Latn", "Grek", "Cyrl", "Zyyy", "Zinh"})
_NEUTRAL_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})
#: Blocks of right-to-left scripts: text without them needs no bidirectional pass.
_RTL_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF), (0x10800, 0x10FFF))
_CJK_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Bopo"})
#: Line spacing of a name wrapped onto two lines, in ems: the accents of the
#: second line's capitals clear the first line's descenders.
LEADING = 1.25
#: Stroke width of a face drawn emboldened (it has no bold), in ems.
EMBOLDEN = 0.035


def _simple(cp: int) -> bool:
    """A character drawn as its own glyph with no shaping (in a font that has it)."""
    if cp < 0x0300:
        return cp >= 0x20
    if cp < 0x0530:  # Latin, Greek, Cyrillic: the scripts of the layout's own font
        return not (0x0300 <= cp <= 0x036F or 0x0483 <= cp <= 0x0489)
    return 0x1E00 <= cp <= 0x1FFF or 0x2010 <= cp <= 0x2027 or 0x2030 <= cp <= 0x205E


class Face:
    """A font of a chain, read when first needed, and whether it is drawn emboldened
    (it stands in for a bold face its script lacks)."""

    def __init__(self, load: Callable[[], EmbeddableFont], emboldened: bool = False):
        self._load = load
        self.emboldened = emboldened

    @cached_property
    def font(self) -> EmbeddableFont:
        return self._load()


def fallback_faces(font: EmbeddableFont, loader: Callable[[Path], EmbeddableFont]):
    """The shipped fallbacks for text set in ``font`` (bold ones when it is bold)."""
    return tuple(
        Face(partial(loader, path), emboldened)
        for path, emboldened in fallback_paths(bold=font.weight >= 600)
    )


class FontChain:
    """The fonts one text block is set in: its layout font, then the fallbacks in order."""

    def __init__(self, primary: EmbeddableFont, fallbacks: Sequence[Face]):
        self.primary = Face(lambda: primary)
        self.fallbacks = tuple(fallbacks)
        self.faces = (self.primary, *self.fallbacks)

    @cached_property
    def fast_characters(self) -> frozenset[str]:
        return frozenset(chr(cp) for cp in self.primary.font.codepoints if _simple(cp))

    def is_fast(self, text: str) -> bool:
        """True when the layout font prints ``text`` a glyph per character."""
        return text.isascii() or all(map(self.fast_characters.__contains__, text))

    def face_for(
        self, cluster: str, script: str, previous: Face | None, neutral: bool = False
    ) -> Face | None:
        """The face to set ``cluster`` in (None: no face has all of it).

        ``script``: the cluster's, or for a ``neutral`` one (a space, a digit) the
        script of the text before it, whose face it stays in when it can.
        """
        codes = [ord(c) for c in cluster]
        if previous is not None and neutral and all(cp in previous.font.codepoints for cp in codes):
            return previous
        faces = self.faces if script in LAYOUT_FONT_SCRIPTS else self.fallbacks
        for face in faces:
            if all(cp in face.font.codepoints for cp in codes):
                return face
        return None

    def line(self, text: str) -> Line:
        """``text`` as one line: fast, or shaped and reordered."""
        if self.is_fast(text):
            font = self.primary.font
            run = Run(self.primary, text, (), sum(map(font.width_of.__getitem__, text)))
            return Line(text, (run,), run.width, False)
        return _shaped_line(self, text)


@dataclass(frozen=True)
class Run:
    """Glyphs of one face in visual order: (glyph id, advance, x offset, y offset), font units.

    A fast run has no glyph tuples: its text is encoded a code per character.
    """

    face: Face
    text: str
    glyphs: tuple[tuple[int, int, int, int], ...]
    width: float  # in thousandths of an em
    rtl: bool = False

    @property
    def font(self) -> EmbeddableFont:
        return self.face.font


@dataclass(frozen=True)
class Line:
    """One line of text, its runs in visual order; ``width`` in thousandths of an em."""

    text: str
    runs: tuple[Run, ...]
    width: float
    shaped: bool

    def width_at(self, size: float) -> float:
        return self.width * size / 1000.0

    def extent(self) -> tuple[float, float]:
        """The highest ascent and the deepest descent of its fonts, in thousandths of an em."""
        return (
            max(run.font.ascent for run in self.runs),
            min(run.font.descent for run in self.runs),
        )


def _clusters(text: str) -> list[str]:
    """Base characters with the marks that follow them."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.category(char)[0] == "M":
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _levels(text: str) -> list[int]:
    """The resolved bidirectional embedding level of each character (0: no RTL text)."""
    if not any(lo <= ord(c) <= hi for c in text for lo, hi in _RTL_RANGES):
        return [0] * len(text)
    storage = bidi_algorithm.get_empty_storage()
    base = bidi_algorithm.get_base_level(text)
    storage["base_level"], storage["base_dir"] = base, ("L", "R")[base]
    bidi_algorithm.get_embedding_levels(text, storage)
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    # Rule X9 drops a few invisible characters: they take the level before them.
    resolved, levels = iter(storage["chars"]), []
    pending = next(resolved, None)
    for char in text:
        if pending is not None and pending["ch"] == char:
            levels.append(pending["level"])
            pending = next(resolved, None)
        else:
            levels.append(levels[-1] if levels else base)
    return levels


def _itemize(chain: FontChain, text: str) -> list[tuple[Face, str, int, str]]:
    """Logical runs of (face, script, level, text); a character no face has: the layout font."""
    levels = _levels(text)
    runs: list[list] = []
    position, face, script = 0, None, "Zyyy"
    for cluster in _clusters(text):
        level = levels[position]
        position += len(cluster)
        own = script_data.script(cluster[0])
        neutral = own in _NEUTRAL_SCRIPTS
        if not neutral:
            script = own
        face = chain.face_for(cluster, script, face, neutral) or chain.primary
        last = runs[-1] if runs else None
        if (
            last
            and last[0] is face
            and last[2] == level
            and (last[1] == script or neutral or last[1] in _NEUTRAL_SCRIPTS)
        ):
            last[3] += cluster
            if last[1] in _NEUTRAL_SCRIPTS:
                last[1] = script
        else:
            runs.append([face, script, level, cluster])
    return [tuple(run) for run in runs]


def shape(font: EmbeddableFont, text: str, rtl: bool, script: str | None = None):
    """HarfBuzz's glyphs for ``text``: (glyph id, advance, x offset, y offset) in visual order."""
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.direction = "rtl" if rtl else "ltr"
    if script and script not in _NEUTRAL_SCRIPTS:
        buffer.script = script
    buffer.guess_segment_properties()
    hb.shape(font.hb_font, buffer)
    return tuple(
        (info.codepoint, pos.x_advance, pos.x_offset, pos.y_offset)
        for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
    )


def _visual_order(runs: list[tuple[int, Run]]) -> list[Run]:
    """Runs (with their levels) reordered by rule L2 of the bidirectional algorithm."""
    if not runs:
        return []
    order = list(runs)
    highest = max(level for level, _ in order)
    lowest_odd = min((level for level, _ in order if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i][0] >= level:
                j = i
                while j < len(order) and order[j][0] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return [run for _, run in order]


def _shaped_line(chain: FontChain, text: str) -> Line:
    shaped = []
    for face, script, level, part in _itemize(chain, text):
        glyphs = shape(face.font, part, bool(level % 2), script)
        width = sum(g[1] for g in glyphs) * 1000.0 / face.font.units_per_em
        shaped.append((level, Run(face, part, glyphs, width, bool(level % 2))))
    runs = tuple(_visual_order(shaped))
    return Line(text, runs, sum(run.width for run in runs), True)


def break_points(text: str) -> list[tuple[str, str]]:
    """Where ``text`` may wrap: at a space, or between two CJK characters."""
    points = []
    for i in range(1, len(text)):
        if text[i] == " ":
            points.append((text[:i].rstrip(), text[i:].lstrip()))
        elif text[i - 1] != " " and _CJK_SCRIPTS.issuperset(
            (script_data.script(text[i - 1]), script_data.script(text[i]))
        ):
            points.append((text[:i], text[i:]))
    return [(a, b) for a, b in points if a and b]


def two_lines(chain: FontChain, text: str) -> tuple[Line, Line] | None:
    """``text`` on two lines as balanced as its break points allow (None: it has none)."""
    best = None
    for first, second in dict.fromkeys(break_points(text)):
        lines = (chain.line(first), chain.line(second))
        widest = max(line.width for line in lines)
        if best is None or widest < best[0]:
            best = (widest, lines)
    return best[1] if best else None
