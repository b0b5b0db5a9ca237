"""The PDF as anyone reading it sees it: text, fonts, metadata, QR code, validity."""

from __future__ import annotations

import builtins
import io
import json
import random
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from lms.credentials import operations, printing, qr, signing
from lms.credentials.batch import render_merged
from lms.credentials.layouts import LayoutError, parse_layout
from lms.credentials.render import Branding, PreparedLayout
from lms.models import Certificate
from lms.resources import layouts_dir

from .support import pdf_text, qpdf_check, read_qr

LAYOUTS = ["officer-certification", "instructor-certification", "civilian-attendance"]
VERIFY = "https://training.example.gov/training/verify/"
NAMES = {
    "latin": "Ofc. Zoë Ångström-Núñez",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Алексей Смирнов-Воронцов",
    "markup": '<img src="file:///etc/passwd"> <font color="red">Bold</font> &amp; (x) \\',
    "vietnamese": "Nguyễn Thị Minh Khai",
}


@dataclass
class Snapshot:
    """What a certificate keeps, without a database."""

    serial: str
    holder_name: str
    course_code: str = "ALERRT-REFRESH"
    course_title: str = "ALERRT Active-Shooter Response Refresher"
    completed_on: date = date(2026, 3, 12)
    issued_on: date = date(2026, 3, 13)
    expires_on: date | None = date(2027, 3, 12)
    organization_name: str = "Missoula Police Department"
    credit_hours: Decimal = Decimal("8.00")
    instructor_name: str = "Sgt. Erin Hayes"
    signer_name: str = "Sgt. Erin Hayes"
    key_id: str = "0a1b2c3d4e"
    signature: str = signing.b64url(bytes(range(64)))
    created_at: datetime = datetime(2026, 3, 13, 15, 30, tzinfo=UTC)


def snapshot(name="Ofc. Sofia Rivera", **kw) -> Snapshot:
    return Snapshot(signing.new_serial(), name, **kw)


def prepared(name: str, page_size: str | None = None, **branding) -> PreparedLayout:
    folder = layouts_dir() / name
    spec = parse_layout(
        json.loads((folder / "layout.json").read_text()), folder, layouts_dir() / "shared"
    )
    return PreparedLayout(spec, Branding("Missoula Police Department", **branding), page_size)


def url_of(cert) -> str:
    return VERIFY + signing.display_serial(cert.serial)


def fonts_report(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    """pdffonts' table: one row per font, with its 'emb' column."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_prints_the_certificate_and_passes_qpdf(layout, tmp_path):
    cert = snapshot()
    pdf = prepared(layout).render(cert, url_of(cert))
    check = qpdf_check(pdf, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    text = pdf_text(pdf)
    for expected in (
        "Ofc. Sofia Rivera",
        "ALERRT Active-Shooter Response Refresher",
        signing.display_serial(cert.serial),
        "Missoula Police Department",
        "completed 12 March 2026",
        "Sgt. Erin Hayes",
    ):
        assert expected in text
    assert ("Valid until 12 March 2027" in text) == (layout != "civilian-attendance")
    rows = fonts_report(pdf, tmp_path)
    # pdffonts columns: name, type, encoding, then emb sub uni object ID
    assert all(row[-5] == "yes" and row[-3] == "yes" for row in rows), rows
    truetype = [row for row in rows if "TrueType" in row]
    assert {row[0].split("+")[1] for row in truetype} == {
        "DejaVuSerif",
        "DejaVuSerif-Bold",
        "DejaVuSans",
    }
    assert len({row[0].split("+")[0] for row in truetype}) == 3  # a subset tag each
    assert [row[:3] for row in rows if row not in truetype] == [["[none]", "Type", "3"]]


def test_every_font_object_embeds_its_program():
    cert = snapshot(NAMES["cyrillic"])
    reader = PdfReader(io.BytesIO(prepared("officer-certification").render(cert, url_of(cert))))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert sorted(f["/Subtype"] for f in fonts) == ["/Type0", "/Type0", "/Type0", "/Type3"]
    for font in fonts:
        assert "/ToUnicode" in font
        if font["/Subtype"] == "/Type3":  # the QR code's glyphs: drawn in the file itself
            assert len(font["/CharProcs"]) == 16
            continue
        descendant = font["/DescendantFonts"][0].get_object()
        program = descendant["/FontDescriptor"]["/FontFile2"].get_object()
        assert len(program.get_data()) > 1000


def test_metadata_names_the_certificate():
    cert = snapshot()
    info = PdfReader(
        io.BytesIO(prepared("officer-certification").render(cert, url_of(cert)))
    ).metadata
    assert info.title == "Certificate of Training: Ofc. Sofia Rivera"
    assert info.author == "Missoula Police Department"
    assert "ALERRT Active-Shooter Response Refresher" in info.subject
    assert signing.display_serial(cert.serial) in info.subject
    assert info.creator == "lms certificates, layout officer-certification"
    assert info.producer
    assert info.creation_date == datetime(2026, 3, 13, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_in_any_script_print_with_their_own_glyphs(script, tmp_path):
    name = NAMES[script]
    layout = prepared("officer-certification")
    cert = snapshot(name)
    pdf = layout.render(cert, url_of(cert))
    assert qpdf_check(pdf, tmp_path).returncode == 0
    assert name in pdf_text(pdf)
    bold = layout.fonts["bold"]
    assert all(bold.covers(c) for c in name)
    # The embedded subset maps every character of the name to a glyph.
    reader = PdfReader(io.BytesIO(pdf))
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        if "Bold" in font.get_object().get("/BaseFont", ""):
            cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode()
            for char in set(name) - {" "}:
                assert f"<{ord(char):04X}>" in cmap, char


def test_markup_in_a_name_prints_literally_and_opens_nothing(tmp_path, monkeypatch):
    layout = prepared("civilian-attendance")  # assets loaded here, before the guard
    opened = []
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    cert = snapshot(NAMES["markup"])
    pdf = layout.render(cert, url_of(cert))
    monkeypatch.undo()
    assert opened == []
    assert NAMES["markup"] in pdf_text(pdf)
    assert b"/etc/passwd" not in pdf  # the name is only ever glyph ids, never PDF syntax
    assert qpdf_check(pdf, tmp_path).returncode == 0


def test_a_long_name_shrinks_onto_the_page_and_keeps_every_word(tmp_path):
    name = "Maximilian Alexander Konstantin von Hohenberg-Wittelsbach the Third of Missoula County"
    layout = prepared("officer-certification")
    cert = snapshot(name)
    pdf = layout.render(cert, url_of(cert))
    text = " ".join(pdf_text(pdf).split())
    assert name in text
    width = max(layout.fonts["bold"].text_width(line, 1) for line in ("Maximilian", name))
    assert width * 32 > 0.76 * layout.width  # at its normal size it would not fit


def test_a4_is_a_configuration_away():
    cert = snapshot()
    letter = PdfReader(io.BytesIO(prepared("officer-certification").render(cert, url_of(cert))))
    a4 = PdfReader(io.BytesIO(prepared("officer-certification", "a4").render(cert, url_of(cert))))
    assert [round(float(v)) for v in letter.pages[0].mediabox] == [0, 0, 792, 612]
    assert [round(float(v)) for v in a4.pages[0].mediabox] == [0, 0, 842, 595]


def test_the_qr_code_read_from_the_page_is_the_signed_verification_url(tmp_path):
    cert = snapshot()
    pdf = prepared("instructor-certification").render(cert, url_of(cert))
    assert read_qr(pdf, tmp_path) == [signing.qr_payload(url_of(cert), cert)]


def test_rendering_is_deterministic_and_certificates_differ():
    layout = prepared("officer-certification")
    cert = snapshot()
    assert layout.render(cert, url_of(cert)) == layout.render(cert, url_of(cert))
    other = replace(cert, serial=signing.new_serial())
    assert layout.render(other, url_of(other)) != layout.render(cert, url_of(cert))


def test_a_printable_batch_shares_its_fonts_and_keeps_every_page(tmp_path):
    layout = prepared("officer-certification")
    certs = [snapshot(NAMES[k]) for k in ("latin", "greek", "cyrillic")]
    pdf = render_merged([(c, layout) for c in certs], url_of, title="Session 4", author="MPD")
    assert qpdf_check(pdf, tmp_path).returncode == 0
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for page, cert in zip(reader.pages, certs, strict=True):
        assert cert.holder_name in page.extract_text()
    assert len(fonts_report(pdf, tmp_path)) == 4  # one of each font for the whole batch
    assert reader.metadata.title == "Session 4"


def test_logo_of_the_organization_brands_the_certificate(tmp_path):
    from lms.credentials.pdf import load_image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, "PNG")
    plain = prepared("officer-certification")
    branded = prepared("officer-certification", logo=load_image(buffer.getvalue()))
    cert = snapshot()
    reader = PdfReader(io.BytesIO(branded.render(cert, url_of(cert))))
    sizes = [
        (int(x.get_object()["/Width"]), int(x.get_object()["/Height"]))
        for x in reader.pages[0]["/Resources"]["/XObject"].values()
    ]
    assert (40, 20) in sizes
    assert plain.render(cert, url_of(cert)) != branded.render(cert, url_of(cert))


# --- layouts are data, checked --------------------------------------------------------


def base_spec(**changes):
    spec = json.loads((layouts_dir() / "officer-certification" / "layout.json").read_text())
    spec.update(changes)
    return spec


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"blocks": [{"text": "{password}", "x": 0.5, "y": 0.5}]}, "unknown placeholder"),
        ({"fonts": {"regular": "../../../etc/passwd"}}, "leaves the layout's folder"),
        ({"fonts": {"regular": "shared:fonts/NoSuch.ttf"}}, "not found"),
        ({"qr": {"x": 2, "y": 0.1, "size": 0.1}}, "'x' must be a number from 0.0 to 1.0"),
        ({"page": {"size": "tabloid"}}, "page size 'tabloid'"),
        ({"name": "Bad Name"}, "lower-case letters"),
    ],
)
def test_a_broken_layout_is_refused_with_its_reason(changes, message):
    folder = layouts_dir() / "officer-certification"
    with pytest.raises(LayoutError, match=message):
        parse_layout(base_spec(**changes), folder, layouts_dir() / "shared")


# --- the QR encoder ----------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 17, 64, 181, 300, 700])
def test_qr_symbols_decode_with_an_independent_reader(length):
    payload = random.Random(length).randbytes(length).hex()[:length].encode()  # the same each run
    for mask in (0, 5):
        symbol = qr.encode(payload, mask=mask)
        assert symbol == qr.encode_stepwise(payload, mask=mask)
        rows = symbol.rows()
        n = symbol.size + 8
        image = Image.new("L", (n, n), 255)
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    image.putpixel((x + 4, y + 4), 0)
        image = image.resize((n * 4, n * 4), Image.NEAREST)
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [f.text.encode() for f in found] == [payload], [(f.text, f.position) for f in found]


def test_qr_function_patterns_match_segno():
    """Finder, timing, alignment, format and version areas agree with segno's symbol."""
    payload = b"x" * 150
    symbol = qr.encode(payload, mask=2)
    reference = segno.make_qr(payload, error="m", mode="byte", mask=2, boost_error=False)
    assert reference.version == symbol.version
    mine, theirs = symbol.rows(), [bytes(r) for r in reference.matrix]
    size = symbol.size
    for y in range(size):
        for x in range(size):
            in_finder = (x < 9 and y < 9) or (x < 9 and y >= size - 8) or (x >= size - 8 and y < 9)
            on_timing = x == 6 or y == 6
            in_version = (x >= size - 11 and y < 6) or (y >= size - 11 and x < 6)
            if in_finder or on_timing or in_version:
                assert mine[y][x] == theirs[y][x], (x, y)


def test_the_wsgi_warm_up_builds_the_qr_tables_the_first_certificate_uses(app, make, trained_class):
    """Served by lms.wsgi, the first certificate does not wait for its QR code's tables."""
    app.config["LMS_PUBLIC_URL"] = "https://training.missoula.example.gov/lms"
    cls = trained_class(("Ofc. Rosa Parkes",))
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    cert = make.db.scalars(select(Certificate)).one()

    qr._linear_tables.cache_clear()
    printing.warm_up()
    assert qr._linear_tables.cache_info().currsize == 1
    with app.test_request_context():
        pdf = printing.render_pdf(cert)
    info = qr._linear_tables.cache_info()
    assert info.currsize == 1 and info.hits  # the warmed tables, nothing built anew
    assert "Ofc. Rosa Parkes" in pdf_text(pdf)
