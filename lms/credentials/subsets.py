"""Font subsets ready to embed: HarfBuzz's subsetter, then the PDF's widths and ToUnicode map.

``hb-subset`` (through uharfbuzz) keeps every glyph shaping can reach from the
characters asked for, for TrueType and CFF outlines alike. TrueType subsets
keep their glyph ids (the PDF codes are glyph ids); CID-keyed CFF subsets keep
their CIDs (the PDF codes are CIDs). fontTools' subsetter was measured first:
5 to 11 seconds per Japanese name on the CJK face, against milliseconds here.

The ToUnicode map names each glyph's text: the character a glyph stands for in
the font's character map and, for right-to-left scripts, the joined forms
shaping puts in their place (found by shaping each letter between joining
tatweels), so a reader that puts right-to-left glyphs back in logical order
gets the letters typed; and the Japanese forms of CJK characters (see
:func:`lms.credentials.text.language_of`).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uharfbuzz as hb

if TYPE_CHECKING:  # the font builds its subsets through this module
    from .fonts import EmbeddableFont

#: Tables a PDF reader never looks at in an embedded font.
_DROPPED_TABLES = (
    "GSUB GPOS GDEF BASE JSTF MATH morx kern name post hdmx gasp fpgm prep cvt  "
    "LTSH VDMX DSIG FFTM meta VORG vhea vmtx"
)
#: Right-to-left letters: their joined forms are named in ToUnicode.
_RTL = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_TATWEEL = "\u0640"
_LAM_ALEF = ("\u0644\u0627", "\u0644\u0623", "\u0644\u0625", "\u0644\u0622")


@dataclass(frozen=True)
class FontSubset:
    """The PDF-ready parts of one subset: all bytes, built once and reused."""

    tag: str  # six capital letters, the PDF subset prefix
    font_file: bytes  # the font program, zlib-compressed
    font_file_length: int  # its uncompressed length (/Length1)
    widths: bytes  # the CIDFont /W array
    to_unicode: bytes  # the ToUnicode CMap, zlib-compressed
    codepoints: frozenset[int]
    glyphs: frozenset[int]  # glyph ids kept (of the whole font)
    cff: bool  # a bare CFF program (FontFile3 /CIDFontType0C), else TrueType (FontFile2)


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def build_subset(
    font: EmbeddableFont, codepoints: frozenset[int], extra_glyphs: frozenset[int]
) -> FontSubset:
    """The subset of ``font`` for ``codepoints`` (and their shaped forms) and ``extra_glyphs``."""
    # First the closure: every glyph shaping can reach from these characters.
    if font.substitutes:
        closure = hb.SubsetInput()
        for cp in codepoints:
            closure.unicode_set.add(cp)
        for table in ("GPOS", "GDEF"):
            closure.drop_table_tag_set.add(_tag(table))
        reached = hb.SubsetPlan(font.face, closure).old_to_new_glyph_mapping
    else:  # no substitutions: the character map's glyphs
        reached = [font.hb_font.get_nominal_glyph(cp) or 0 for cp in codepoints]
    glyphs = {0, *reached, *extra_glyphs}
    # Then the program: those glyphs, no hinting, none of the tables print ignores.
    wanted = hb.SubsetInput()
    for cp in codepoints:
        wanted.unicode_set.add(cp)
    for gid in glyphs:
        wanted.glyph_set.add(gid)
    for table in _DROPPED_TABLES.split():
        wanted.drop_table_tag_set.add(_tag(table.ljust(4)))
    flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    if not font.cff:  # TrueType keeps glyph ids; CFF keeps CIDs whatever the glyph ids
        flags |= hb.SubsetFlags.RETAIN_GIDS
    wanted.flags = flags
    plan = hb.SubsetPlan(font.face, wanted)
    by_unicode = dict(plan.unicode_to_old_glyph_mapping.items())
    result = plan.execute()
    program = result.reference_table("CFF ").data if font.cff else result.blob.data
    # One text per glyph for ToUnicode: the lowest code point (a space, not a no-break space).
    texts: dict[int, str] = {}
    for cp in sorted(codepoints & by_unicode.keys()):
        texts.setdefault(by_unicode[cp], chr(cp))
    for gid, text in _joined_forms(font, codepoints).items():
        texts.setdefault(gid, text)
    if font.substitutes:
        for gid, text in _language_forms(font, codepoints).items():
            texts.setdefault(gid, text)
    digest = hashlib.sha256(f"{font.postscript_name}{sorted(glyphs)}".encode()).digest()
    codes = sorted((font.code(gid), gid) for gid in glyphs)
    return FontSubset(
        tag="".join(chr(65 + b % 26) for b in digest[:6]),
        font_file=zlib.compress(program, 9),
        font_file_length=len(program),
        widths=_widths_array(
            [(code, font.advance(gid) * 1000.0 / font.units_per_em) for code, gid in codes]
        ),
        to_unicode=zlib.compress(
            _to_unicode_cmap(
                sorted((font.code(gid), text) for gid, text in texts.items() if gid in glyphs)
            ),
            9,
        ),
        codepoints=codepoints,
        glyphs=frozenset(glyphs),
        cff=font.cff,
    )


def _joined_forms(font: EmbeddableFont, codepoints: frozenset[int]) -> dict[int, str]:
    """The glyph of each right-to-left letter in its joined forms, and of lam-alef ligatures.

    A ligature's text is written in visual order (alef, lam): readers split it
    across the glyph's width and reverse right-to-left text, giving lam, alef.
    """
    letters = [chr(cp) for cp in sorted(codepoints) if any(lo <= cp <= hi for lo, hi in _RTL)]
    if not letters:
        return {}
    forms: dict[int, str] = {}
    contexts = [(letter, letter) for letter in letters] + [
        (pair, pair[::-1]) for pair in _LAM_ALEF if all(ord(c) in codepoints for c in pair)
    ]
    for text, meaning in contexts:
        for before, after in (("", ""), (_TATWEEL, ""), ("", _TATWEEL), (_TATWEEL, _TATWEEL)):
            buffer = hb.Buffer()
            buffer.add_str(before + text + after)
            buffer.guess_segment_properties()
            hb.shape(font.hb_font, buffer)
            own = [g.codepoint for g in buffer.glyph_infos if g.cluster == len(before)]
            if len(own) == 1 and (
                len(text) == 1 or len(buffer.glyph_infos) < len(before + text + after)
            ):
                forms.setdefault(own[0], meaning)
    return forms


#: Languages whose forms of the CJK characters a font's ``locl`` feature may draw.
_CJK_LANGUAGES = ("ja",)
_CJK_FROM = 0x2E80


def _language_forms(font: EmbeddableFont, codepoints: frozenset[int]) -> dict[int, str]:
    """The glyph each CJK character takes in Japanese text, where it is not its own.

    Shaping with the language ``ja`` puts the Japanese form of an ideograph in place
    of the character map's (Chinese) one; ToUnicode names it too, so a reader that
    does not read ``/ActualText`` still gets the character typed.
    """
    forms: dict[int, str] = {}
    for cp in codepoints:
        if cp < _CJK_FROM:
            continue
        nominal = font.hb_font.get_nominal_glyph(cp)
        for language in _CJK_LANGUAGES:
            buffer = hb.Buffer()
            buffer.add_str(chr(cp))
            buffer.language = language
            buffer.guess_segment_properties()
            hb.shape(font.hb_font, buffer)
            infos = buffer.glyph_infos
            if len(infos) == 1 and infos[0].codepoint != nominal:
                forms.setdefault(infos[0].codepoint, chr(cp))
    return forms


def _widths_array(widths: list[tuple[int, float]]) -> bytes:
    """The /W array: runs of consecutive codes share one bracket."""
    parts, run, start = [], [], 0
    for code, width in widths:
        if run and code == start + len(run):
            run.append(round(width))
            continue
        if run:
            parts.append(f"{start} [{' '.join(map(str, run))}]")
        start, run = code, [round(width)]
    if run:
        parts.append(f"{start} [{' '.join(map(str, run))}]")
    return ("[" + " ".join(parts) + "]").encode()


def _to_unicode_cmap(by_code: list[tuple[int, str]]) -> bytes:
    lines = []
    for start in range(0, len(by_code), 100):
        chunk = by_code[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for code, text in chunk:
            lines.append(f"<{code:04X}> <{text.encode('utf-16-be').hex().upper()}>")
        lines.append("endbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(lines)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()
