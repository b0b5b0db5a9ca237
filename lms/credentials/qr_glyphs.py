"""The QR code drawn as PDF text, in a small Type 3 font.

Each row is written as its hex digits, one glyph per digit; the glyph of a
digit fills the dark modules among its four (dark touching dark is one
rectangle, slightly overlapping the next glyph and the row above so no
hairline shows between them). A symbol is then a handful of string slices,
however many modules it has, and stays vector art at any size.
"""

from __future__ import annotations

from .qr import Symbol

#: Glyphs reach this far (in modules) into their right and upper neighbours.
OVERLAP = 0.06
HEX_DIGITS = "0123456789abcdef"


def glyph_procedures() -> dict[str, bytes]:
    """The 16 glyph descriptions (PDF content), by glyph name ``q0``..``qf``."""
    procedures = {}
    for value, digit in enumerate(HEX_DIGITS):
        ops, start = [b"4 0 0 0 4 %.2f d1" % (1 + OVERLAP)], None
        for i in range(5):
            dark = i < 4 and (value >> (3 - i)) & 1 == 1
            if dark and start is None:
                start = i
            elif not dark and start is not None:
                ops.append(b"%d 0 %.2f %.2f re" % (start, i - start + OVERLAP, 1 + OVERLAP))
                start = None
        if len(ops) > 1:
            ops.append(b"f")
        procedures[f"q{digit}"] = b"\n".join(ops)
    return procedures


def font_dictionary(procedures: dict[str, int], to_unicode: int) -> bytes:
    """The Type 3 font, given the object numbers of its glyph procedures and ToUnicode."""
    names = b" ".join(b"/q%s" % d.encode() for d in HEX_DIGITS)
    charprocs = b" ".join(b"/%s %d 0 R" % (n.encode(), num) for n, num in procedures.items())
    widths = b" ".join(
        b"4" if chr(code) in HEX_DIGITS else b"0" for code in range(ord("0"), ord("f") + 1)
    )
    return (
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 4 %.2f] /FontMatrix [1 0 0 1 0 0]"
        b" /CharProcs << %s >> /Encoding << /Type /Encoding /Differences [48 %s 97 %s] >>"
        b" /FirstChar 48 /LastChar 102 /Widths [%s] /Resources << >> /ToUnicode %d 0 R >>"
        % (
            1 + OVERLAP,
            charprocs,
            b" ".join(names.split()[:10]),
            b" ".join(names.split()[10:]),
            widths,
            to_unicode,
        )
    )


def font_to_unicode() -> bytes:
    """Every digit glyph reads as a space: the code is a picture, not text."""
    entries = "\n".join(f"<{ord(d):02x}> <0020>" for d in HEX_DIGITS)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /LMS-QR-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <ff>\nendcodespacerange\n"
        f"16 beginbfchar\n{entries}\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode()


def text_rows(symbol: Symbol) -> bytes:
    """The rows as text-showing operators, top row first, one line (module) apart.

    Use inside ``BT``, with the QR font at size 1, leading 1 and the text
    matrix scaled to the module size with its origin one row above the symbol.
    """
    per_row = symbol.width // 4
    digits = format(symbol.cells, f"0{symbol.size * per_row}x")
    rows = [digits[i : i + per_row] for i in range(0, len(digits), per_row)]
    return ("(" + ") '\n(".join(rows) + ") '\n").encode()
