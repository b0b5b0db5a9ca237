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

Han ideographs are drawn in their Chinese forms unless the text is Japanese:
a text with kana in it (see :func:`language_of`) has its CJK runs shaped with
the language ``ja``, so the CJK face's ``locl`` feature picks the Japanese
glyph forms (直, 骨, 角 and thousands more are drawn differently), and the
PDF marks those runs ``/Lang (ja)``.
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
#: Kana: a text with any of them is Japanese (its ideographs take Japanese forms).
_KANA_SCRIPTS = frozenset({"Hira", "Kana"})
_KANA_RANGES = ((0x3041, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9D), (0x1B000, 0x1B16F))
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


def language_of(text: str) -> str | None:
    """``ja`` for a Japanese text (one with hiragana or katakana), else None.

    Ideographs alone do not say which language a name is in (宮崎 駿 and 朱镕基
    are both written in Han); kana do, and the Han characters written beside
    them in the same text are Japanese too.
    """
    if text.isascii():
        return None
    for char in text:
        cp = ord(char)
        if any(lo <= cp <= hi for lo, hi in _KANA_RANGES) and (
            script_data.script(char) in _KANA_SCRIPTS
        ):
            return "ja"
    return None


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
        #: The face found for each cluster: (cluster, in a layout font's script) -> face.
        self._chosen: dict[tuple[str, bool], Face | None] = {}

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
        if previous is not None and neutral:
            codepoints = previous.font.codepoints
            if all(ord(c) in codepoints for c in cluster):
                return previous
        own = script in LAYOUT_FONT_SCRIPTS
        try:
            return self._chosen[cluster, own]
        except KeyError:
            pass
        found = None
        codes = [ord(c) for c in cluster]
        for face in self.faces if own else self.fallbacks:
            codepoints = face.font.codepoints
            if all(cp in codepoints for cp in codes):
                found = face
                break
        if len(self._chosen) > 65536:
            self._chosen.clear()
        self._chosen[cluster, own] = found
        return found

    def line(self, text: str, language: str | None = None) -> Line:
        """``text`` as one line: fast, or shaped and reordered.

        ``language``: the language of the whole text this line is part of (a name
        wrapped onto two lines); by default, the line's own (:func:`language_of`).
        """
        if self.is_fast(text):
            font = self.primary.font
            run = Run(self.primary, text, (), sum(map(font.width_of.__getitem__, text)))
            return Line(text, (run,), run.width, False)
        return _shaped_line(self, text, language or language_of(text))


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
    language: str | None = None  # a BCP 47 tag when shaped for one (``ja``)

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
    rtl: bool = False  # a right-to-left paragraph (its first strong letter is)

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


def shape(
    font: EmbeddableFont,
    text: str,
    rtl: bool,
    script: str | None = None,
    language: str | None = None,
):
    """HarfBuzz's glyphs for ``text``: (glyph id, advance, x offset, y offset) in visual order.

    ``language`` (a BCP 47 tag) selects the font's forms for it (its ``locl`` feature).
    """
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.direction = "rtl" if rtl else "ltr"
    if script and script not in _NEUTRAL_SCRIPTS:
        buffer.script = script
    if language:
        buffer.language = language
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


def _shaped_line(chain: FontChain, text: str, language: str | None = None) -> Line:
    """``text`` itemized, shaped and reordered; ``language`` is given to its CJK runs."""
    shaped = []
    for face, script, level, part in _itemize(chain, text):
        own = language if language and script in _CJK_SCRIPTS else None
        rtl = bool(level % 2)
        glyphs = shape(face.font, part, rtl, script, own)
        width = sum(g[1] for g in glyphs) * 1000.0 / face.font.units_per_em
        shaped.append((level, Run(face, part, glyphs, width, rtl, own)))
    runs = tuple(_visual_order(shaped))
    rtl = any(run.rtl for _, run in shaped) and bidi_algorithm.get_base_level(text) == 1
    return Line(text, runs, sum(run.width for run in runs), True, rtl)


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
    """``text`` on two lines as balanced as its break points allow (None: it has none).

    The first line widens and the second narrows as the break moves right, so
    the most balanced break is where the first stops being the narrower one:
    found by bisection, shaping a few candidate pairs (a name in ideographs
    may break between any two of its characters: hundreds of pairs).
    """
    points = list(dict.fromkeys(break_points(text)))
    if not points:
        return None
    language = language_of(text)  # a Japanese name stays Japanese on both lines
    pairs: dict[int, tuple[Line, Line]] = {}

    def at(index: int) -> tuple[Line, Line]:
        found = pairs.get(index)
        if found is None:
            first, second = points[index]
            found = pairs[index] = (chain.line(first, language), chain.line(second, language))
        return found

    lo, hi = 0, len(points) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        first, second = at(mid)
        if first.width < second.width:
            lo = mid + 1
        else:
            hi = mid
    candidates = [at(i) for i in (lo - 1, lo) if i >= 0]
    return min(candidates, key=lambda lines: max(line.width for line in lines))
