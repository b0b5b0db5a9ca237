"""A layout's text block on the page: fitted to its width, drawn as PDF operators.

A block with a ``max_width`` shrinks its text to fit, down to its
``min_size``; text still too wide there wraps onto two lines as balanced as
its break points allow, at the largest size at which both lines fit the
width *and* the height the block takes as one line at its own size (so a
wrapped name never reaches into the lines above or below it). Only text that
fits neither way goes below the floor: a name is never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .art import rgb
from .fonts import EmbeddableFont, FontSubset, fallback_paths, repertoire_key
from .layouts import TextBlock
from .pdf import text_string
from .text import EMBOLDEN, LEADING, FontChain, Line, Run, two_lines

#: What a drawing needs from the fonts: (font, characters, shaped glyph ids) per run.
Usage = tuple[tuple[EmbeddableFont, str, frozenset[int]], ...]


#: The subset of each font a page (or a file of pages) embeds, in the order first used.
FontSubsets = tuple[tuple[EmbeddableFont, FontSubset], ...]


def font_subsets(usages: Iterable[Usage], layout_fonts: frozenset) -> FontSubsets:
    """The subsets covering every run of ``usages``, each font's shared by repertoire.

    A layout's own fonts also hold printable ASCII; a subset that lacks a glyph
    shaping produced (no closure is perfect) is rebuilt with it.
    """
    texts: dict[EmbeddableFont, list[str]] = {}
    glyphs: dict[EmbeddableFont, set[int]] = {}
    for usage in usages:
        for font, text, gids in usage:
            texts.setdefault(font, []).append(text)
            if gids:
                glyphs.setdefault(font, set()).update(gids)
    chosen = []
    for font, parts in texts.items():
        text = "".join(parts)
        base = font in layout_fonts
        extra = frozenset() if base else frozenset(c for c in text if c.isascii())
        subset = font.subset(repertoire_key(text), extra, base=base)
        missing = glyphs.get(font, set()) - subset.glyphs
        if missing:
            subset = font.subset(repertoire_key(text), extra, glyphs=frozenset(missing), base=base)
        chosen.append((font, subset))
    return tuple(chosen)


def resource_names(layout_fonts: Iterable[EmbeddableFont]) -> dict[str, bytes]:
    """Page resource names (``F1``...) by font file: the layout's own fonts, then the fallbacks.

    The same on every page a layout draws, whichever fonts a page uses.
    """
    names: dict[str, bytes] = {}
    for source in [font.source for font in layout_fonts] + [
        str(path.resolve()) for path, _ in fallback_paths(False) + fallback_paths(True)
    ]:
        names.setdefault(source, b"F%d" % (len(names) + 1))
    return names


@dataclass(frozen=True)
class SetText:
    """Text as drawn: the operators, and what it asks of each font."""

    ops: bytes
    usage: Usage


def place_line(
    line: Line,
    xy: tuple[float, float],
    size: float,
    align: str,
    name_of: Callable[[EmbeddableFont], bytes],
    color: tuple[float, float, float],
) -> SetText:
    """``line`` at ``size`` points on the baseline through ``xy``: starting (``left``),
    centred on (``center``) or ending (``right``) at its x."""
    x, y = xy
    if align == "center":
        x -= line.width_at(size) / 2
    elif align == "right":
        x -= line.width_at(size)
    return SetText(
        line_ops(line, x, y, size, name_of, color),
        tuple((run.font, run.text, frozenset(g[0] for g in run.glyphs)) for run in line.runs),
    )


def _fit(block: TextBlock, chain: FontChain, text: str, limit: float | None):
    """(lines, size) for ``text`` in ``block``; ``limit`` the width in points, if any."""
    line = chain.line(text)
    if limit is None or line.width_at(block.size) <= limit or not line.width:
        return [line], block.size
    one = limit * 1000.0 / line.width  # the size at which one line fits
    if one >= block.min_size:
        return [line], one
    pair = two_lines(chain, text)
    if pair is not None:
        ascent = max(line.extent()[0] for line in pair)
        descent = min(line.extent()[1] for line in pair)
        height = ascent - descent
        tall = block.size * height / (height + 1000.0 * LEADING)  # two lines in one line's box
        two = min(limit * 1000.0 / max(line.width for line in pair), tall, block.size)
        if two > one:
            return list(pair), two
    return [line], one


def set_text(
    block: TextBlock,
    chain: FontChain,
    text: str,
    page: tuple[float, float],
    name_of: Callable[[EmbeddableFont], bytes],
) -> SetText:
    """``text`` in ``block`` on a ``page`` (width, height): shrunk or wrapped to fit."""
    width, height = page
    limit = block.max_width * width if block.max_width is not None else None
    lines, size = _fit(block, chain, text, limit)
    x0, y0 = block.x * width, block.y * height
    baselines = [y0]
    if len(lines) == 2:
        ascent = max(line.extent()[0] for line in lines)
        descent = min(line.extent()[1] for line in lines)
        box_top = y0 + ascent * block.size / 1000.0
        box = (ascent - descent) * block.size / 1000.0
        used = (ascent - descent) * size / 1000.0 + LEADING * size
        first = box_top - (box - used) / 2 - ascent * size / 1000.0
        baselines = [first, first - LEADING * size]
    drawn = [
        place_line(line, (x0, y), size, block.align, name_of, block.color)
        for line, y in zip(lines, baselines, strict=True)
    ]
    return SetText(b"".join(d.ops for d in drawn), sum((d.usage for d in drawn), ()))


def line_ops(
    line: Line,
    x: float,
    y: float,
    size: float,
    name_of: Callable[[EmbeddableFont], bytes],
    color: tuple[float, float, float],
) -> bytes:
    """Operators drawing ``line`` with its baseline starting at (x, y)."""
    if not line.shaped:
        run = line.runs[0]
        return b"BT %s /%s %.2f Tf %.2f %.2f Td <%s> Tj ET\n" % (
            rgb(color),
            name_of(run.font),
            size,
            x,
            y,
            run.font.encode(run.text).encode(),
        )
    # Each run carries its text: left-to-right runs as /ActualText (an Indic syllable's
    # glyphs are not in the order of its letters). Right-to-left runs are read glyph by
    # glyph through ToUnicode, as readers put right-to-left glyphs in logical order
    # themselves (poppler would reverse an /ActualText there too); their text is /Alt.
    # A run shaped for a language (Japanese forms of ideographs) says so with /Lang.
    # The runs of a right-to-left paragraph say so (/LMSDir, a private key of the
    # property list): its runs in visual order do not tell it from a left-to-right
    # one that starts with Latin, and offline verification puts them back in order.
    direction = b"/LMSDir /RTL " if line.rtl else b""
    parts = [b"q %s %s BT\n" % (rgb(color), rgb(color, b"RG"))]
    pen = x
    for run in line.runs:
        mode = b"2 Tr %.3f w" % (EMBOLDEN * size) if run.face.emboldened else b"0 Tr"
        drawn = b"/%s %.2f Tf %s 1 0 0 1 %.3f %.3f Tm %s" % (
            name_of(run.font),
            size,
            mode,
            pen,
            y,
            _glyph_ops(run, size),
        )
        key = b"Alt" if run.rtl else b"ActualText"
        lang = b"/Lang (%s) " % run.language.encode("ascii") if run.language else b""
        drawn = b"/Span << %s%s/%s %s >> BDC %s EMC" % (
            lang,
            direction,
            key,
            text_string(run.text),
            drawn,
        )
        parts.append(drawn + b"\n")
        pen += run.width * size / 1000.0
    parts.append(b"ET Q\n")
    return b"".join(parts)


def _glyph_ops(run: Run, size: float) -> bytes:
    """``TJ`` arrays placing each glyph where HarfBuzz put it (``Ts`` for raised marks).

    Numbers are thousandths of an em; after each glyph the PDF pen moves by its
    width in the font's /W array, so each shift is the distance from there.
    """
    font = run.font
    scale = 1000.0 / font.units_per_em
    out, items, codes = [], [], []
    pen = 0.0  # where HarfBuzz's pen is
    drawn = 0.0  # where the PDF pen is
    rise = 0
    for gid, advance, dx, dy in run.glyphs:
        if dy != rise:
            if codes:
                items.append(b"<" + b"".join(codes) + b">")
                codes = []
            if items:
                out.append(b"[" + b" ".join(items) + b"] TJ")
                items = []
            out.append(b"%.3f Ts" % (dy * scale * size / 1000.0))
            rise = dy
        shift = round((pen + dx) * scale - drawn, 1)
        if shift:
            if codes:
                items.append(b"<" + b"".join(codes) + b">")
                codes = []
            items.append(b"%g" % -shift)
            drawn += shift
        codes.append(b"%04X" % font.code(gid))
        drawn += round(font.advance(gid) * scale)
        pen += advance
    if codes:
        items.append(b"<" + b"".join(codes) + b">")
    if items:
        out.append(b"[" + b" ".join(items) + b"] TJ")
    if rise:
        out.append(b"0 Ts")
    return b" ".join(out)
