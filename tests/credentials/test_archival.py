"""Certificates and the merged roster PDF are archival files: PDF/A-2b, with XMP metadata.

How this is checked (veraPDF cannot be fetched here): ``qpdf --check`` for the
syntax, :func:`tests.credentials.pdfa.pdfa_problems` for the PDF/A-2b clauses
that apply (read with pypdf and ElementTree), and ``pdffonts`` for embedding.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from lms.credentials.archival import srgb_profile
from lms.credentials.batch import render_merged

from .pdfa import pdfa_problems
from .support import qpdf_check
from .test_render import LAYOUTS, NAMES, fonts_report, prepared, snapshot, url_of

#: Names set in the fallback faces, each a well-known person's: joined Arabic, shaped
#: Devanagari (both TrueType, shaped by HarfBuzz) and Japanese in the CID-keyed CFF face.
SHAPED_NAMES = {
    "arabic": "نجيب محفوظ",
    "devanagari": "अमिताभ बच्चन",
    "japanese": "美空ひばり",
    "mixed": "Omar Khayyam عمر خیام",
}
#: The kind of font (pdffonts' type column) each shaped name must bring into the file.
FACES = {
    "arabic": ("NotoSansArabic-Bold", "CID TrueType"),
    "devanagari": ("NotoSansDevanagari-Bold", "CID TrueType"),
    "japanese": ("NotoSansCJKsc-Regular", "CID Type 0C"),
    "mixed": ("NotoSansArabic-Bold", "CID TrueType"),
}


def names_and_types(pdf: bytes, tmp_path) -> dict[str, str]:
    """pdffonts' fonts: {PostScript name without subset tag: type}, all of them embedded."""
    rows = fonts_report(pdf, tmp_path)
    assert all(row[-5] == "yes" for row in rows), rows  # every font embedded
    return {row[0].split("+", 1)[-1]: " ".join(row[1:-6]) for row in rows}


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("script", ["latin", "greek", "cyrillic", "markup", *SHAPED_NAMES])
def test_each_certificate_is_pdf_a_2b(layout_name, script, tmp_path):
    cert = snapshot(NAMES.get(script) or SHAPED_NAMES[script])
    pdf = prepared(layout_name).render(cert, url_of(cert))
    assert pdfa_problems(pdf) == []
    check = qpdf_check(pdf, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    fonts = names_and_types(pdf, tmp_path)
    if script in FACES:  # the name's own face is in the file, and was checked
        face, kind = FACES[script]
        assert fonts.get(face) == kind, fonts


def test_the_width_check_reads_cff_and_truetype_programs():
    """A /W width changed by a tenth of an em is reported, for the CJK face's CFF program
    and for a TrueType face: the widths check reads both kinds of font program."""
    cert = snapshot(SHAPED_NAMES["japanese"])
    pdf = prepared("officer-certification").render(cert, url_of(cert))
    assert pdfa_problems(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for face in ("NotoSansCJKsc-Regular", "DejaVuSerif-Bold"):
        [descendant] = [
            f.get_object()["/DescendantFonts"][0].get_object()
            for f in fonts.values()
            if str(f.get_object().get("/BaseFont", "")).endswith("+" + face)
        ]
        widths = descendant["/W"]
        first, run = int(widths[0]), widths[1]
        # /W starts with CID 0 (.notdef): its width, written the same length, a tenth wider.
        old = b"/W [%d [%d" % (first, int(run[0]))
        new = b"/W [%d [%d" % (first, int(run[0]) + 100)
        assert old in pdf and len(old) == len(new), (face, old)
        tampered = pdf.replace(old, new, 1)
        found = "\n".join(pdfa_problems(tampered))
        assert f"CID {first} is {int(run[0]) + 100} wide in /W" in found, found
        assert face in found and "(6.2.11.5)" in found


def test_the_xmp_says_what_the_information_dictionary_says():
    cert = snapshot(NAMES["markup"])
    reader = PdfReader(io.BytesIO(prepared("officer-certification").render(cert, url_of(cert))))
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": f"Certificate of Training: {NAMES['markup']}"}
    assert xmp.dc_creator == ["Missoula Police Department"]
    assert xmp.dc_description["x-default"] == reader.metadata.subject
    assert xmp.pdf_keywords == reader.metadata["/Keywords"]
    assert xmp.xmp_creator_tool == "lms certificates, layout officer-certification"
    assert xmp.pdf_producer == reader.metadata.producer
    assert xmp.xmp_create_date == datetime(2026, 3, 13, 15, 30)  # pypdf reads it naive, UTC
    assert reader.metadata.creation_date == datetime(2026, 3, 13, 15, 30, tzinfo=UTC)
    # The name's markup reaches the XMP as character references, never as XML or PDF syntax.
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<img" not in raw and b"/etc/passwd" not in raw
    assert b"&#x3C;img src&#x3D;&#x22;file&#x3A;&#x2F;&#x2F;&#x2F;etc" in raw


def test_the_output_intent_is_the_shipped_srgb_profile():
    cert = snapshot()
    reader = PdfReader(io.BytesIO(prepared("civilian-attendance").render(cert, url_of(cert))))
    [intent] = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    assert intent["/DestOutputProfile"].get_object().get_data() == srgb_profile()


def test_a_merged_roster_in_several_scripts_is_pdf_a_2b(tmp_path):
    """One file for a roster of Latin, Arabic, Devanagari, Japanese and Chinese names:
    every face (TrueType and CFF) embedded once for all its pages, and archival."""
    layout = prepared("officer-certification")
    names = [NAMES["latin"], *SHAPED_NAMES.values(), "朱镕基"]
    certs = [snapshot(name) for name in names]
    merged = render_merged([(c, layout) for c in certs], url_of, title="Session 5", author="MPD")
    assert pdfa_problems(merged) == []
    check = qpdf_check(merged, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    fonts = names_and_types(merged, tmp_path)
    for face, kind in FACES.values():
        assert fonts.get(face) == kind, fonts
    embedded = [row[0] for row in fonts_report(merged, tmp_path) if row[0] != "[none]"]
    assert len(embedded) == len(fonts) - ("[none]" in fonts)  # each face once
    assert len(PdfReader(io.BytesIO(merged)).pages) == len(names)


def test_the_merged_roster_pdf_is_pdf_a_2b_with_the_same_metadata(tmp_path):
    layout = prepared("officer-certification")
    certs = [snapshot(NAMES[k]) for k in ("latin", "greek", "cyrillic")]
    merged = render_merged([(c, layout) for c in certs], url_of, title="Session 4", author="MPD")
    assert pdfa_problems(merged) == []
    assert qpdf_check(merged, tmp_path).returncode == 0
    single = PdfReader(io.BytesIO(layout.render(certs[0], url_of(certs[0]))))
    reader = PdfReader(io.BytesIO(merged))
    assert set(reader.metadata) == set(single.metadata) - {"/LMSCertificate"}
    assert reader.metadata.title == "Session 4"
    assert reader.metadata.subject == (
        "3 certificates of ALERRT Active-Shooter Response Refresher (ALERRT-REFRESH)."
    )
    assert reader.metadata.creator == single.metadata.creator
    assert reader.xmp_metadata.dc_title == {"x-default": "Session 4"}
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"


def test_the_checks_see_a_file_that_is_not_archival():
    """A plain reportlab file (no XMP, no output intent, interpolated image) is refused."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 72, "Not archival")
    page.save()
    found = "\n".join(pdfa_problems(buffer.getvalue()))
    assert "the catalog has no XMP /Metadata (6.6.2.1)" in found
    assert "0 PDF/A output intents instead of one (6.2.3)" in found
    assert "not embedded (6.2.11.4)" in found  # reportlab's Helvetica
