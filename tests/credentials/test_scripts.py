"""Names in every script, issued and printed as anyone reading the PDF sees them.

Each name is a well-known person's, as written in their own script (public
sources). The certificate is issued through the real operation and read back
with poppler (pdftotext, pdffonts), qpdf, and HarfBuzz's own command-line
shaper: the glyphs written for the name, in visual order, are the ones
``hb-shape`` gives for the same font and text, so joined Arabic and shaped
Devanagari are checked, not assumed.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from lms.credentials import operations, printing
from lms.credentials.render import font_for
from lms.credentials.text import FontChain, fallback_faces, language_of, two_lines
from lms.resources import layouts_dir

from .support import qpdf_check
from .test_render import prepared, snapshot, url_of

FONTS = layouts_dir() / "shared" / "fonts"
LATIN = "DejaVuSerif-Bold.ttf"  # the officer layout's name font
#: script: (name, the pieces of it in visual order: (font file, text, direction[, language])).
NAMES = {
    "latin": ("Antonín Dvořák", [(LATIN, "Antonín Dvořák", "ltr")]),
    "polish": ("Krzysztof Kieślowski", [(LATIN, "Krzysztof Kieślowski", "ltr")]),
    "greek": ("Νίκος Καζαντζάκης", [(LATIN, "Νίκος Καζαντζάκης", "ltr")]),
    "cyrillic": ("Фёдор Достоевский", [(LATIN, "Фёдор Достоевский", "ltr")]),
    "armenian": ("Արամ Խաչատրյան", [("NotoSansArmenian-Bold.ttf", "Արամ Խաչատրյան", "ltr")]),
    "georgian": ("შოთა რუსთაველი", [("NotoSansGeorgian-Bold.ttf", "შოთა რუსთაველი", "ltr")]),
    "hebrew": ("גולדה מאיר", [("NotoSansHebrew-Bold.ttf", "גולדה מאיר", "rtl")]),
    "arabic": ("نجيب محفوظ", [("NotoSansArabic-Bold.ttf", "نجيب محفوظ", "rtl")]),
    "devanagari": ("अमिताभ बच्चन", [("NotoSansDevanagari-Bold.ttf", "अमिताभ बच्चन", "ltr")]),
    "bengali": (
        "রবীন্দ্রনাথ ঠাকুর",
        [("NotoSansBengali-Bold.ttf", "রবীন্দ্রনাথ ঠাকুর", "ltr")],
    ),
    "tamil": (
        "சுப்பிரமணிய பாரதி",
        [("NotoSansTamil-Bold.ttf", "சுப்பிரமணிய பாரதி", "ltr")],
    ),
    "thai": ("ภูมิพลอดุลยเดช", [("NotoSansThai-Bold.ttf", "ภูมิพลอดุลยเดช", "ltr")]),
    "ethiopic": ("ኃይለ ሥላሴ", [("NotoSansEthiopic-Bold.ttf", "ኃይለ ሥላሴ", "ltr")]),
    "chinese": ("朱镕基", [("NotoSansCJKsc-Regular.otf", "朱镕基", "ltr")]),
    # Written with kana, so Japanese: its ideographs take their Japanese forms (the
    # face's locl feature for the language ja), not the Chinese ones of the character map.
    "japanese": ("美空ひばり", [("NotoSansCJKsc-Regular.otf", "美空ひばり", "ltr", "ja")]),
    # Ideographs alone do not say the language: drawn in the face's default (Chinese) forms.
    "japanese-kanji": ("宮崎 駿", [("NotoSansCJKsc-Regular.otf", "宮崎 駿", "ltr")]),
    "korean": ("김연아", [("NotoSansCJKsc-Regular.otf", "김연아", "ltr")]),
    "mixed": (
        "Omar Khayyam عمر خیام",
        [(LATIN, "Omar Khayyam ", "ltr"), ("NotoSansArabic-Bold.ttf", "عمر خیام", "rtl")],
    ),
}
#: Markers pdftotext puts around right-to-left lines; not part of the text.
BIDI_MARKS = dict.fromkeys(range(0x202A, 0x202F))


def issue_pdfs(app, make, trained_class, names):
    """Issue a class's certificates through the real operation; the report and PDFs by name."""
    cls = trained_class(names)
    report = operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    with app.test_request_context():
        pdfs = {c.holder_name: printing.render_pdf(c) for c in report.issued}
    return report, pdfs


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.translate(BIDI_MARKS)


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def hb_shape(font_file: str, text: str, direction: str, language: str | None = None) -> list[int]:
    """Glyph ids in visual order from HarfBuzz's command-line shaper, spaces left out."""
    out = subprocess.run(
        [
            "hb-shape",
            "--no-glyph-names",
            "--no-positions",
            f"--direction={direction}",
            *([f"--language={language}"] if language else []),
            str(FONTS / font_file),
            text,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pairs = [item.split("=") for item in out.strip("[]").split("|")]
    return [int(gid) for gid, cluster in pairs if text[int(cluster)] != " "]


def glyph_ids(font_file: str, codes: list[int]) -> list[int]:
    """Codes of a PDF string as glyph ids, spaces left out (CFF codes are the charset's CIDs)."""
    font = TTFont(FONTS / font_file, lazy=True)
    space = font.getBestCmap().get(32)
    space = font.getGlyphID(space) if space else None
    by_code = {}
    if "CFF " in font:
        order = font.getGlyphOrder()
        by_code = {0 if n == ".notdef" else int(n[3:]): gid for gid, n in enumerate(order)}
    gids = [by_code.get(code, code) for code in codes]
    return [gid for gid in gids if gid != space]


def written_glyphs(pdf: bytes) -> list[tuple[str, list[int]]]:
    """(font's PostScript name, codes) of each string drawn in the holder's line, in order."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    fonts = page["/Resources"]["/Font"]
    shown, font, inside, depth = [], None, False, 0
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"BDC" and inside:
            depth += 1
        elif operator == b"BDC" and operands[0] == "/LMSPrinted":
            inside = str(operands[1]["/Template"]) == "{holder}"
        elif operator == b"EMC" and depth:
            depth -= 1
        elif operator == b"EMC":
            inside = False
        elif operator == b"Tf":
            font = str(fonts[operands[0]].get_object().get("/BaseFont", "+QR")).split("+", 1)[1]
        elif inside and operator in (b"Tj", b"TJ"):
            for string in operands[0] if operator == b"TJ" else operands:
                if isinstance(string, int | float):
                    continue
                data = getattr(string, "original_bytes", string)
                codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
                shown.append((font, codes))
    return shown


@pytest.mark.parametrize("script", sorted(NAMES))
def test_a_name_in_each_script_is_issued_and_prints_exactly(
    script, app, make, trained_class, tmp_path
):
    name, pieces = NAMES[script]
    report, pdfs = issue_pdfs(app, make, trained_class, [name, "Ofc. Sofia Rivera"])
    assert report.refused == []
    pdf = pdfs[name]

    check = qpdf_check(pdf, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    rows = pdffonts(pdf, tmp_path)  # name, type..., emb sub uni, object ID
    for row in rows:
        assert row[-5] == "yes", row  # embedded
        assert row[-3] == "yes", row  # with a ToUnicode map
        if row[0] != "[none]":  # the QR code's Type 3 font is drawn in the file itself
            assert row[-4] == "yes" and re.fullmatch(r"[A-Z]{6}\+.+", row[0]), row  # subset
    text = pdftotext(pdf, tmp_path)
    assert name in text.splitlines()

    # The QR code beside the name reads back, with another reader, as the verify address
    # of the serial printed on the page.
    page = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72, grayscale=True).to_pil()
    [found] = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    serial, _, signature = found.text.rsplit("/verify/", 1)[1].partition("?sig=")
    assert f"Serial {serial}" in text and signature

    # The glyphs of the name, font by font, are HarfBuzz's for the same font and text.
    expected, file_of = [], {}
    for font_file, piece, direction, *language in pieces:
        expected += hb_shape(font_file, piece, direction, *language)
        file_of[TTFont(FONTS / font_file, lazy=True)["name"].getDebugName(6)] = font_file
    written = []
    for font, codes in written_glyphs(pdf):
        if font in file_of:  # else: a space set in the face of the text before it
            written += glyph_ids(file_of[font], codes)
    assert written == expected


def holder_spans(pdf: bytes) -> list[tuple[str | None, str]]:
    """(/Lang, /ActualText) of each marked span in the holder's line, in order."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    spans, inside = [], False
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"BDC" and operands[0] == "/LMSPrinted":
            inside = str(operands[1]["/Template"]) == "{holder}"
        elif operator == b"BDC" and inside and operands[0] == "/Span":
            properties = operands[1]
            language = properties.get("/Lang")
            spans.append(
                (None if language is None else str(language), str(properties["/ActualText"]))
            )
    return spans


#: Ideographs whose Japanese form the shipped CJK face draws differently from its
#: Chinese one (直: the inner strokes; 骨: the top box's inner stroke; 角: the middle
#: stroke through the bottom; 次: the left two strokes).
JAPANESE_FORMS = "直骨角次"


def test_the_cjk_face_keeps_the_japanese_forms_of_ideographs():
    """hb-shape, given the language ja, picks other glyphs than for Chinese: the face's
    locl lookups for Japanese (JAN) survived the reduction of the shipped face."""
    cjk = "NotoSansCJKsc-Regular.otf"
    for char in JAPANESE_FORMS:
        assert hb_shape(cjk, char, "ltr", "ja") != hb_shape(cjk, char, "ltr"), char
    assert hb_shape(cjk, "김연아", "ltr", "ja") == hb_shape(cjk, "김연아", "ltr")


def test_a_japanese_name_is_drawn_in_japanese_forms_and_marked_japanese(tmp_path):
    """美空ひばり (Misora Hibari) is written with kana: 美 and 空 are drawn in their
    Japanese forms, the name's runs say /Lang (ja), and the text reads back exactly."""
    name = NAMES["japanese"][0]
    cert = snapshot(name)
    pdf = prepared("officer-certification").render(cert, url_of(cert))
    cjk = "NotoSansCJKsc-Regular.otf"
    written = [
        gid
        for font, codes in written_glyphs(pdf)
        if font == "NotoSansCJKsc-Regular"
        for gid in glyph_ids(cjk, codes)
    ]
    japanese = hb_shape(cjk, name, "ltr", "ja")
    chinese = hb_shape(cjk, name, "ltr")
    assert written == japanese
    # 美 and 空 differ between the two; the kana are the same glyphs either way.
    assert [j != c for j, c in zip(japanese, chinese, strict=True)] == [True, True] + [False] * 3
    assert holder_spans(pdf) == [("ja", "美空"), ("ja", "ひばり")]
    assert name in pdftotext(pdf, tmp_path).splitlines()
    # Without /ActualText (pypdf reads ToUnicode only) the Japanese glyphs still read back.
    assert name in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()

    # A name in ideographs alone is drawn in the face's default (Chinese) forms, unmarked.
    cert = snapshot("宮崎 駿")
    spans = holder_spans(prepared("officer-certification").render(cert, url_of(cert)))
    assert spans and all(language is None for language, _ in spans)


def test_a_japanese_name_wrapped_onto_two_lines_stays_japanese():
    """Each line of a wrapped name is shaped in the language of the whole name: a line
    of ideographs alone, cut from a name with kana, keeps the Japanese forms."""
    layout = prepared("officer-certification")
    font = layout.fonts["bold"]
    chain = FontChain(font, fallback_faces(font, font_for))
    name = "直角次郎" * 10 + "ひばり"
    assert language_of(name) == "ja" and language_of("直角次郎") is None
    first, second = two_lines(chain, name)
    assert first.text.startswith("直角次郎")
    for line in (first, second):
        assert line.runs and all(run.language == "ja" for run in line.runs)
    alone = chain.line(first.text)
    assert [g[0] for g in first.runs[0].glyphs] != [g[0] for g in alone.runs[0].glyphs]


def test_a_name_no_font_prints_is_refused_and_the_rest_of_the_roster_is_issued(
    app, make, trained_class, tmp_path
):
    emoji = "Ofc. Marcus Bell \U0001f693"
    linear_b = "\U00010012\U0001001c\U00010030"  # ko-no-so, Knossos in Linear B
    smiling = "Ofc. Dana Whitehorse \U0001f600"  # DejaVu Sans draws it, in one colour
    report, pdfs = issue_pdfs(
        app, make, trained_class, ["Ofc. Sofia Rivera", emoji, linear_b, "宮崎 駿", smiling]
    )
    assert sorted(pdfs) == sorted(["Ofc. Sofia Rivera", "宮崎 駿", smiling])
    assert smiling in pdftotext(pdfs[smiling], tmp_path).splitlines()
    assert len(report.refused) == 2
    car, knossos = sorted(report.refused, key=lambda m: "Marcus" not in m)
    assert car.startswith(f"No certificate for {emoji}: the name has characters")
    assert "U+1F693 POLICE CAR" in car
    for char in linear_b:
        assert f"U+{ord(char):05X} {unicodedata.name(char)}" in knossos
    assert knossos.startswith(f"No certificate for {linear_b}:")


def test_the_instructor_sees_who_was_refused_and_why(client, make, sign_in, trained_class):
    cls = trained_class(["Ofc. Sofia Rivera", "Ofc. Dana \U0001f694 Whitehorse"])
    sign_in(cls.instructor)
    url = f"/training/sessions/{cls.session.id}/certificates"
    page = client.submit(url, {}, action=url + "/issue", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Issued 1 certificate." in html
    assert "No certificate for Ofc. Dana \U0001f694 Whitehorse: the name has characters" in html
    assert "U+1F694 ONCOMING POLICE CAR" in html
