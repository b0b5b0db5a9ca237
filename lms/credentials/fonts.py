"""Fonts for certificates: read once, embedded as small subsets, chosen per script.

A certificate embeds each font it uses as a PDF Type 0 font whose codes are
the font's own glyph ids (TrueType, ``/CIDToGIDMap /Identity``) or CIDs
(CID-keyed CFF, as in Noto Sans CJK), so text is encoded the same whatever
the subset. Fonts are read with HarfBuzz (uharfbuzz) and fontTools; subsets
are built by :mod:`lms.credentials.subsets`.

Subsets are built per *repertoire* (see :func:`repertoire_key`): a name with
one Cyrillic or Arabic letter pulls in its whole 128-character block, so the
few repertoires a roster uses are built once and shared by every certificate;
ideographs and Hangul syllables are taken one by one.

A layout names its own fonts; characters they lack, and every script other
than Latin, Greek and Cyrillic, are set in the Noto faces of
:data:`FALLBACK_FONTS` shipped in ``certificates/shared/fonts`` (see
:mod:`lms.credentials.text`). :func:`unprintable_characters` says which
characters of a text no shipped font can print.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Iterable
from functools import cached_property, lru_cache
from pathlib import Path

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from ..boundary import describe_character
from ..resources import layouts_dir
from .subsets import FontSubset, build_subset

#: Always in a layout font's subset: printable ASCII.
BASE_REPERTOIRE = frozenset(range(0x20, 0x7F))
#: Below this code point a character pulls in its 128-character block; above, itself alone.
_BLOCKWISE_BELOW = 0x2E80

#: The fallback faces, tried in this order after a layout's own font: (regular, bold) files
#: in ``certificates/shared/fonts``. A script without a bold face is drawn emboldened.
FALLBACK_FONTS: tuple[tuple[str, str | None], ...] = (
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("NotoSansArmenian-Regular.ttf", "NotoSansArmenian-Bold.ttf"),
    ("NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf"),
    ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf"),
    ("NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf"),
    ("NotoSansGujarati-Regular.ttf", "NotoSansGujarati-Bold.ttf"),
    ("NotoSansOriya-Regular.ttf", "NotoSansOriya-Bold.ttf"),
    ("NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"),
    ("NotoSansTelugu-Regular.ttf", "NotoSansTelugu-Bold.ttf"),
    ("NotoSansKannada-Regular.ttf", "NotoSansKannada-Bold.ttf"),
    ("NotoSansMalayalam-Regular.ttf", "NotoSansMalayalam-Bold.ttf"),
    ("NotoSansSinhala-Regular.ttf", "NotoSansSinhala-Bold.ttf"),
    ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    ("NotoSansLao-Regular.ttf", "NotoSansLao-Bold.ttf"),
    ("NotoSansKhmer-Regular.ttf", "NotoSansKhmer-Bold.ttf"),
    ("NotoSansMyanmar-Regular.ttf", "NotoSansMyanmar-Bold.ttf"),
    ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
    ("NotoSansCJKsc-Regular.otf", None),
    # Last: symbols the Noto text faces lack (arrows, check marks, dingbats).
    ("DejaVuSans.ttf", None),
)
#: The layout fonts of :data:`lms.credentials.layouts.DEFAULT_FONTS`, also part of the chain.
DEFAULT_LAYOUT_FONTS = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSans.ttf")


class FontError(ValueError):
    """A font file this renderer cannot embed; the message names it."""


def _units(codepoints: Iterable[int]) -> set[tuple[int, int]]:
    units = set()
    for cp in codepoints:
        if cp < 0x80:
            continue
        if cp < _BLOCKWISE_BELOW:
            units.add((cp & ~0x7F, cp | 0x7F))
        else:
            units.add((cp, cp))
    return units


def repertoire_key(text: str) -> tuple:
    """What a text needs beyond printable ASCII: whole blocks, or single code points.

    Texts with the same key share one font subset; ASCII-only text has ``()``.
    """
    if text.isascii():
        return ()
    return tuple(sorted(_units(map(ord, set(text)))))


class _Lookup(dict):
    """A per-character table that answers ``default`` for characters it lacks.

    ``map(table.__getitem__, text)`` then runs in C, with no per-character
    Python code for the common case.
    """

    def __init__(self, items, default):
        super().__init__(items)
        self.default = default

    def __missing__(self, key):
        return self.default


class EmbeddableFont:
    """A TrueType or CID-keyed OpenType/CFF font read once: measures, encodes, subsets."""

    def __init__(self, data: bytes, label: str = "font", source: str | None = None):
        self.data = data
        self.label = label
        self.source = source or label  # where it was read from: the same file, the same font
        try:
            self.face = hb.Face(hb.Blob(data))
            self.units_per_em = self.face.upem
            self.codepoints: frozenset[int] = frozenset(self.face.unicodes)
        except Exception as exc:  # uharfbuzz raises plain errors on a damaged file
            raise FontError(f"{label}: not a readable font ({exc})") from None
        if not self.codepoints:
            raise FontError(f"{label}: not a readable font (no character map)")
        self.hb_font = hb.Font(self.face)  # scaled in font units
        self.notdef_width = 500.0
        self._advances: dict[int, int] = {}
        self._subsets: OrderedDict[tuple, FontSubset] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> EmbeddableFont:
        path = Path(path).resolve()
        return cls(path.read_bytes(), label=path.name, source=str(path))

    def __repr__(self) -> str:
        return f"<EmbeddableFont {self.label}>"

    # --- what the PDF font descriptor says (read on first use) ---------------------

    @cached_property
    def _tables(self) -> TTFont:
        return TTFont(io.BytesIO(self.data), lazy=True)

    @cached_property
    def cff(self) -> bool:
        return "CFF " in self._tables

    @cached_property
    def substitutes(self) -> bool:
        """Whether shaping may put other glyphs in place of the characters' (a GSUB table)."""
        return "GSUB" in self._tables

    @cached_property
    def cid_of(self) -> list[int] | None:
        """The CID of each glyph id for a CID-keyed CFF font; None for TrueType."""
        if not self.cff:
            return None
        top = self._tables["CFF "].cff.topDictIndex[0]
        if not hasattr(top, "ROS"):
            raise FontError(f"{self.label}: a name-keyed CFF font; use its TrueType version")
        return [0 if n == ".notdef" else int(n[3:]) for n in self._tables.getGlyphOrder()]

    def _scaled(self, value: float) -> float:
        return value * 1000.0 / self.units_per_em

    @cached_property
    def postscript_name(self) -> str:
        name = self._tables["name"].getDebugName(6) or self.label.rsplit(".", 1)[0]
        return "".join(c for c in name if c.isascii() and c.isalnum() or c in "-_") or "Font"

    @cached_property
    def ascent(self) -> float:
        return self._scaled(self._tables["hhea"].ascent)

    @cached_property
    def descent(self) -> float:
        return self._scaled(self._tables["hhea"].descent)

    @cached_property
    def cap_height(self) -> float:
        os2 = self._tables["OS/2"]
        height = getattr(os2, "sCapHeight", 0) if os2.version >= 2 else 0
        return self._scaled(height) if height else self.ascent * 0.7

    @cached_property
    def bbox(self) -> list[int]:
        head = self._tables["head"]
        return [round(self._scaled(v)) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]

    @cached_property
    def italic_angle(self) -> float:
        return float(self._tables["post"].italicAngle)

    @cached_property
    def weight(self) -> int:
        return int(self._tables["OS/2"].usWeightClass)

    @property
    def flags(self) -> int:
        return 32 | (64 if self.italic_angle else 0)  # nonsymbolic, italic

    @property
    def stem_v(self) -> int:
        return 50 + int((self.weight / 65.0) ** 2)

    # --- measuring and encoding ------------------------------------------------------

    def covers(self, char: str) -> bool:
        return ord(char) in self.codepoints

    def advance(self, gid: int) -> int:
        """The advance width of glyph ``gid`` in font units."""
        found = self._advances.get(gid)
        if found is None:
            found = self._advances[gid] = self.hb_font.get_glyph_h_advance(gid)
        return found

    def code(self, gid: int) -> int:
        """What a PDF string says to draw glyph ``gid``: the glyph id, or its CID."""
        cids = self.cid_of
        return gid if cids is None else cids[gid]

    @cached_property
    def _per_char(self) -> tuple[_Lookup, _Lookup]:
        hex_of, width_of = {}, {}
        for cp in self.codepoints:
            gid = self.hb_font.get_nominal_glyph(cp)
            if gid:
                hex_of[chr(cp)] = f"{self.code(gid):04X}"
                width_of[chr(cp)] = self._scaled(self.advance(gid))
        return _Lookup(hex_of, "0000"), _Lookup(width_of, self.notdef_width)

    @property
    def hex_of(self) -> _Lookup:
        return self._per_char[0]

    @property
    def width_of(self) -> _Lookup:
        return self._per_char[1]

    def text_width(self, text: str, size: float) -> float:
        """Width of ``text`` at ``size`` points, a glyph per character (no shaping)."""
        return sum(map(self.width_of.__getitem__, text)) * size / 1000.0

    def encode(self, text: str) -> str:
        """``text`` as the hex codes of a PDF string, a glyph per character (missing: .notdef)."""
        return "".join(map(self.hex_of.__getitem__, text))

    # --- subsets ---------------------------------------------------------------------

    def codepoints_for(self, key: tuple, extra: Iterable[str] = (), base: bool = True):
        wanted = set(BASE_REPERTOIRE) if base else set()
        for start, end in key:
            wanted.update(range(start, end + 1))
        wanted.update(ord(c) for c in extra)
        return frozenset(wanted & self.codepoints)

    def subset(
        self,
        key: tuple,
        extra: frozenset[str] = frozenset(),
        *,
        glyphs: frozenset[int] = frozenset(),
        base: bool = True,
    ) -> FontSubset:
        """The subset for repertoire ``key``, the characters ``extra`` and ``glyphs`` (cached).

        ``base``: printable ASCII too (a layout's own fonts draw its fixed text in it).
        """
        cache_key = (key, extra, glyphs, base)
        with self._lock:
            found = self._subsets.get(cache_key)
            if found is not None:
                self._subsets.move_to_end(cache_key)
                return found
        subset = build_subset(self, self.codepoints_for(key, extra, base), glyphs)
        with self._lock:
            self._subsets[cache_key] = subset
            while len(self._subsets) > 64:
                self._subsets.popitem(last=False)
        return subset


# --- the shipped chain ------------------------------------------------------------------


def shared_fonts_dir() -> Path:
    return layouts_dir() / "shared" / "fonts"


def fallback_paths(bold: bool) -> list[tuple[Path, bool]]:
    """The fallback files for regular or bold text: (path, drawn emboldened)."""
    folder = shared_fonts_dir()
    chosen = [(folder / (b if bold and b else r), bold and not b) for r, b in FALLBACK_FONTS]
    if bold:  # a bold face that lacks a character its regular face has
        chosen += [(folder / r, True) for r, b in FALLBACK_FONTS if b]
    return chosen


@lru_cache(maxsize=1)
def _shipped_coverage(folder: str) -> frozenset[int]:
    covered: set[int] = set()
    names = [r for r, _ in FALLBACK_FONTS] + [b for _, b in FALLBACK_FONTS if b]
    for name in [*names, *DEFAULT_LAYOUT_FONTS]:
        covered.update(hb.Face(hb.Blob((Path(folder) / name).read_bytes())).unicodes)
    return frozenset(covered)


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` no shipped font prints, as ``U+1F600 GRINNING FACE``.

    Empty when a certificate can print the whole text. Each character is named once,
    in the order it first appears.
    """
    if text.isascii():
        return []
    covered = _shipped_coverage(str(shared_fonts_dir()))
    missing = dict.fromkeys(c for c in text if ord(c) not in covered)
    return [describe_character(c) for c in missing]
