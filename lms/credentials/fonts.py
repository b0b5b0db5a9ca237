"""TrueType fonts for certificates: parsed once, embedded as small glyph subsets.

A certificate embeds each font it uses as a PDF CIDFontType2 whose glyph ids
are the original font's (``/CIDToGIDMap /Identity``), so text is encoded the
same whatever the subset. A subset keeps the glyph table's full length but
empties every glyph it does not need (and strips hinting, which print does not
use), so it compresses to a few kilobytes. Subsets are built per *repertoire*
(see :func:`repertoire_key`): a name with one Cyrillic letter pulls in the
whole Cyrillic block, so the handful of repertoires in use are built once and
reused for every certificate.

reportlab's ``TTFontFile`` parses the font (cmap, metrics, glyph offsets);
this module only writes the subset.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Unicode blocks pulled in whole when a text uses any character of them.
BLOCKS: tuple[tuple[int, int], ...] = (
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0180, 0x024F),  # Latin Extended-B
    (0x0250, 0x02FF),  # IPA extensions, spacing modifier letters
    (0x0300, 0x036F),  # combining diacritical marks
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x04FF),  # Cyrillic
    (0x0500, 0x052F),  # Cyrillic Supplement
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh...)
    (0x1F00, 0x1FFF),  # Greek Extended (polytonic)
    (0x2000, 0x206F),  # general punctuation
)
_BLOCK_STARTS = [start for start, _ in BLOCKS]
#: Always in every subset: printable ASCII.
BASE_REPERTOIRE = frozenset(range(0x20, 0x7F))

_FLAG_ARG_WORDS = 0x0001
_FLAG_HAVE_SCALE = 0x0008
_FLAG_MORE = 0x0020
_FLAG_XY_SCALE = 0x0040
_FLAG_TWO_BY_TWO = 0x0080
_FLAG_INSTRUCTIONS = 0x0100


def block_of(codepoint: int) -> tuple[int, int] | None:
    """The block of :data:`BLOCKS` holding ``codepoint``, if any."""
    index = bisect.bisect_right(_BLOCK_STARTS, codepoint) - 1
    if index >= 0 and codepoint <= BLOCKS[index][1]:
        return BLOCKS[index]
    return None


def repertoire_key(text: str) -> tuple:
    """What a text needs beyond printable ASCII: whole blocks, or single code points.

    Texts with the same key share one font subset; ASCII-only text has ``()``.
    """
    if text.isascii():
        return ()
    needs = set()
    for char in set(text):
        codepoint = ord(char)
        if codepoint < 0x80:
            continue
        needs.add(block_of(codepoint) or (codepoint, codepoint))
    return tuple(sorted(needs))


def merge_keys(keys: Iterable[tuple]) -> tuple:
    merged: set = set()
    for key in keys:
        merged.update(key)
    return tuple(sorted(merged))


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


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


@dataclass(frozen=True)
class FontSubset:
    """The PDF-ready parts of one subset: all bytes, built once and reused."""

    tag: str  # six capital letters, the PDF subset prefix
    font_file: bytes  # the TrueType program, zlib-compressed
    font_file_length: int  # its uncompressed length (/Length1)
    widths: bytes  # the CIDFont /W array
    to_unicode: bytes  # the ToUnicode CMap, zlib-compressed
    codepoints: frozenset[int]


class EmbeddableFont:
    """A TrueType font read once: encodes and measures text, and builds subsets."""

    def __init__(self, data: bytes, label: str = "font"):
        # Imported here, not at the top: importing reportlab reads the user's
        # ~/.reportlab_settings, and the extension does no I/O when imported.
        from reportlab.pdfbase.ttfonts import TTFontFile

        self._ttf = TTFontFile(io.BytesIO(data), charInfo=1, validate=0)
        ttf = self._ttf
        self.data = data
        self.label = label
        self.postscript_name = ttf.name.decode() if isinstance(ttf.name, bytes) else ttf.name
        self.units_per_em = ttf.unitsPerEm
        self.ascent = ttf.ascent
        self.descent = ttf.descent
        self.cap_height = ttf.capHeight
        self.bbox = [int(v) for v in ttf.bbox]
        self.italic_angle = ttf.italicAngle
        self.flags = 32 if not ttf.flags & 1 else ttf.flags  # nonsymbolic
        self.stem_v = ttf.stemV
        self.num_glyphs = ttf.numGlyphs
        self.glyph_of: dict[int, int] = {
            cp: gid for cp, gid in ttf.charToGlyph.items() if gid and cp in ttf.charWidths
        }
        self._char_width: dict[int, float] = {cp: float(ttf.charWidths[cp]) for cp in self.glyph_of}
        # Per character: its 4-hex-digit glyph id and advance width (1/1000 em).
        self.notdef_width = 500.0
        self.hex_of = _Lookup(
            ((chr(cp), f"{gid:04X}") for cp, gid in self.glyph_of.items()), "0000"
        )
        self.width_of = _Lookup(
            ((chr(cp), w) for cp, w in self._char_width.items()), self.notdef_width
        )
        self._glyf = ttf.get_table("glyf")
        self._loca = ttf.glyphPos
        self._subsets: OrderedDict[tuple, FontSubset] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> EmbeddableFont:
        return cls(Path(path).read_bytes(), label=Path(path).name)

    def covers(self, char: str) -> bool:
        return ord(char) in self.glyph_of

    def text_width(self, text: str, size: float) -> float:
        """Width of ``text`` at ``size`` points (no kerning)."""
        return sum(map(self.width_of.__getitem__, text)) * size / 1000.0

    def encode(self, text: str) -> str:
        """``text`` as the hex glyph ids of a PDF string (missing glyphs: .notdef)."""
        return "".join(map(self.hex_of.__getitem__, text))

    # --- subsets ----------------------------------------------------------------

    def codepoints_for(self, key: tuple, extra: Iterable[str] = ()) -> frozenset[int]:
        wanted = set(BASE_REPERTOIRE)
        for start, end in key:
            wanted.update(range(start, end + 1))
        wanted.update(ord(c) for c in extra)
        return frozenset(cp for cp in wanted if cp in self.glyph_of)

    def subset(self, key: tuple, extra: frozenset[str] = frozenset()) -> FontSubset:
        """The subset for repertoire ``key`` plus the characters ``extra`` (cached)."""
        cache_key = (key, extra)
        with self._lock:
            found = self._subsets.get(cache_key)
            if found is not None:
                self._subsets.move_to_end(cache_key)
                return found
        subset = self._build_subset(self.codepoints_for(key, extra))
        with self._lock:
            self._subsets[cache_key] = subset
            while len(self._subsets) > 64:
                self._subsets.popitem(last=False)
        return subset

    def _glyph_bytes(self, gid: int) -> bytes:
        return self._glyf[self._loca[gid] : self._loca[gid + 1]]

    def _components(self, glyph: bytes) -> list[int]:
        if len(glyph) < 10 or struct.unpack(">h", glyph[:2])[0] >= 0:
            return []
        components, pos = [], 10
        while True:
            flags, gid = struct.unpack(">HH", glyph[pos : pos + 4])
            components.append(gid)
            pos += 4 + (4 if flags & _FLAG_ARG_WORDS else 2)
            if flags & _FLAG_HAVE_SCALE:
                pos += 2
            elif flags & _FLAG_XY_SCALE:
                pos += 4
            elif flags & _FLAG_TWO_BY_TWO:
                pos += 8
            if not flags & _FLAG_MORE:
                return components

    @staticmethod
    def _strip_hinting(glyph: bytes) -> bytes:
        """The glyph without its TrueType instructions (print ignores hinting)."""
        if len(glyph) < 10:
            return b""
        contours = struct.unpack(">h", glyph[:2])[0]
        if contours >= 0:
            at = 10 + 2 * contours
            length = struct.unpack(">H", glyph[at : at + 2])[0]
            out = glyph[:at] + b"\0\0" + glyph[at + 2 + length :]
        else:
            pos, parts = 10, bytearray(glyph[:10])
            while True:
                flags = struct.unpack(">H", glyph[pos : pos + 2])[0]
                size = 4 + (4 if flags & _FLAG_ARG_WORDS else 2)
                if flags & _FLAG_HAVE_SCALE:
                    size += 2
                elif flags & _FLAG_XY_SCALE:
                    size += 4
                elif flags & _FLAG_TWO_BY_TWO:
                    size += 8
                parts += struct.pack(">H", flags & ~_FLAG_INSTRUCTIONS)
                parts += glyph[pos + 2 : pos + size]
                pos += size
                if not flags & _FLAG_MORE:
                    break
            out = bytes(parts)
        return out + b"\0" * (-len(out) % 4)

    def _build_subset(self, codepoints: frozenset[int]) -> FontSubset:
        gids = {0} | {self.glyph_of[cp] for cp in codepoints}
        pending = list(gids)
        while pending:  # composite glyphs need their components
            for component in self._components(self._glyph_bytes(pending.pop())):
                if component not in gids and component < self.num_glyphs:
                    gids.add(component)
                    pending.append(component)

        glyf, offsets, position = [], [], 0
        for gid in range(self.num_glyphs):
            offsets.append(position)
            if gid in gids:
                data = self._strip_hinting(self._glyph_bytes(gid))
                glyf.append(data)
                position += len(data)
        offsets.append(position)
        glyf_table = b"".join(glyf)
        loca_table = struct.pack(f">{len(offsets)}I", *offsets)

        ttf = self._ttf
        hmtx_src = ttf.get_table("hmtx")
        hhea = bytearray(ttf.get_table("hhea"))
        metrics_count = struct.unpack(">H", hhea[34:36])[0]
        hmtx = bytearray(4 * self.num_glyphs)
        for gid in gids:
            if gid < metrics_count:
                hmtx[4 * gid : 4 * gid + 4] = hmtx_src[4 * gid : 4 * gid + 4]
            else:
                advance = hmtx_src[4 * (metrics_count - 1) : 4 * (metrics_count - 1) + 2]
                lsb_at = 4 * metrics_count + 2 * (gid - metrics_count)
                hmtx[4 * gid : 4 * gid + 4] = advance + hmtx_src[lsb_at : lsb_at + 2]
        hhea[34:36] = struct.pack(">H", self.num_glyphs)

        head = bytearray(ttf.get_table("head"))
        head[8:12] = b"\0\0\0\0"
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        post = bytearray(ttf.get_table("post")[:32])
        post[0:4] = struct.pack(">I", 0x00030000)  # no glyph names
        tables = {
            "OS/2": ttf.get_table("OS/2"),
            "cmap": _cmap_format4({cp: self.glyph_of[cp] for cp in codepoints if cp <= 0xFFFF}),
            "glyf": glyf_table,
            "head": bytes(head),
            "hhea": bytes(hhea),
            "hmtx": bytes(hmtx),
            "loca": loca_table,
            "maxp": ttf.get_table("maxp"),
            "name": ttf.get_table("name"),
            "post": bytes(post),
        }
        program = _assemble_sfnt(tables)
        # One code point per glyph for ToUnicode: the lowest (a space, not a no-break space).
        first_cp: dict[int, int] = {}
        for cp in sorted(codepoints):
            first_cp.setdefault(self.glyph_of[cp], cp)
        by_gid = sorted(first_cp.items())
        digest = hashlib.sha256(f"{self.postscript_name}{sorted(codepoints)}".encode()).digest()
        tag = "".join(chr(65 + b % 26) for b in digest[:6])
        return FontSubset(
            tag=tag,
            font_file=zlib.compress(program, 9),
            font_file_length=len(program),
            widths=_widths_array(by_gid, self._char_width),
            to_unicode=zlib.compress(_to_unicode_cmap(by_gid), 9),
            codepoints=codepoints,
        )


def _assemble_sfnt(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    entry_selector = count.bit_length() - 1
    search_range = 16 * (1 << entry_selector)
    header = struct.pack(
        ">IHHHH", 0x00010000, count, search_range, entry_selector, 16 * count - search_range
    )
    directory, body = [], []
    offset = 12 + 16 * count
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag.encode(), _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    head_at = (
        12
        + 16 * count
        + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[: tags.index("head")])
    )
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_at + 8 : head_at + 12] = struct.pack(">I", adjustment)
    return bytes(font)


def _cmap_format4(mapping: dict[int, int]) -> bytes:
    """A (3,1) format-4 cmap of ``mapping``: one segment per code point, plus the end."""
    codes = sorted(mapping)
    segments = [(c, c, (mapping[c] - c) & 0xFFFF) for c in codes] + [(0xFFFF, 0xFFFF, 1)]
    count = len(segments)
    entry_selector = count.bit_length() - 1
    search_range = 2 * (1 << entry_selector)
    body = b"".join(
        [
            struct.pack(">HHHH", 2 * count, search_range, entry_selector, 2 * count - search_range),
            struct.pack(f">{count}H", *(s[1] for s in segments)),
            b"\0\0",
            struct.pack(f">{count}H", *(s[0] for s in segments)),
            struct.pack(f">{count}H", *(s[2] for s in segments)),
            struct.pack(f">{count}H", *([0] * count)),
        ]
    )
    subtable = struct.pack(">HHH", 4, 6 + len(body), 0) + body
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + subtable


def _widths_array(by_gid: list[tuple[int, int]], widths: dict[int, float]) -> bytes:
    parts = [f"{gid} [{round(widths[cp])}]" for gid, cp in by_gid]
    return ("[" + " ".join(parts) + "]").encode()


def _to_unicode_cmap(by_gid: list[tuple[int, int]]) -> bytes:
    lines = []
    for start in range(0, len(by_gid), 100):
        chunk = by_gid[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        for gid, cp in chunk:
            utf16 = chr(cp).encode("utf-16-be").hex().upper()
            lines.append(f"<{gid:04X}> <{utf16}>")
        lines.append("endbfchar")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(lines)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()
