"""Every layout is print-perfect: nothing collides, nothing leaves the printable area.

Each layout is rendered at each page size with every certificate field as long as
the forms allow (a 200-character name, title, organization and instructor, a
40-character course code), and at the lengths where each block starts to shrink
and to wrap, for names in Latin, Greek, Cyrillic, Arabic, Devanagari, Thai and
CJK; the transcript layout too, every page of it. PDFium reads the page back
(see :mod:`tests.credentials.geometry`): no glyph of one line may touch another
line, a frame or rule, an image or the QR code's quiet zone, and nothing may lie
in the quarter inch along the edges that office printers leave white.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from lms.credentials.layouts import PAGE_SIZES, parse_layout
from lms.credentials.render import Branding, PreparedLayout
from lms.resources import layouts_dir
from lms.transcripts import record as transcript_record
from lms.transcripts.render import TranscriptRenderer
from lms.transcripts.spec import parse_transcript_layout

from .geometry import layout_problems, page_geometry
from .test_render import LAYOUTS, prepared, snapshot, url_of

#: The forms' limit on a person's name, a course title and an organization's name.
LONGEST_NAME = 200
LONGEST_CODE = 40
#: Real name parts per script; long names are made by joining them.
NAME_PARTS = {
    "latin": (
        "María de los Ángeles Fernández-Villaverde y Álvarez de Toledo Guðrún Þórsdóttir "
        "Wojciech Żółkiewski Nguyễn Thị Minh Khai Łukasz Brzęczyszczykiewicz Zoë Ångström"
    ),
    "greek": (
        "Αλέξανδρος Κωνσταντίνος Χριστοδουλόπουλος Αικατερίνη Ευαγγελία Θεοδωροπούλου "
        "Γεώργιος Καραγιάννης Ιωάννης Παναγιωτόπουλος"
    ),
    "cyrillic": (
        "Александр Сергеевич Пушкин Екатерина Владимировна Смирнова-Воронцова Вячеслав "
        "Щербаков Анастасия Жуковская Дмитрий Ильич"
    ),
    # Naguib Mahfouz, Umm Kulthum, Gamal Abdel Nasser, Mahmoud Darwish, Taha Hussein,
    # Gibran Khalil Gibran, Fairuz: right to left, letters joined.
    "arabic": "نجيب محفوظ أم كلثوم جمال عبد الناصر محمود درويش طه حسين جبران خليل جبران فيروز",
    # Amitabh Bachchan, Lata Mangeshkar, Munshi Premchand, Sarojini Naidu, Harivansh Rai
    # Bachchan, Mahadevi Varma, Suryakant Tripathi 'Nirala': conjuncts, vowel signs above.
    "devanagari": (
        "अमिताभ बच्चन लता मंगेशकर मुंशी प्रेमचंद सरोजिनी नायडू हरिवंश राय बच्चन "
        "महादेवी वर्मा सूर्यकांत त्रिपाठी निराला"
    ),
    # Bhumibol Adulyadej, Pridi Banomyong, Seub Nakhasathien, Sunthorn Phu, Chuan Leekpai,
    # Silpa Bhirasri: vowels and tone marks stacked above and below.
    "thai": "ภูมิพลอดุลยเดช ปรีดี พนมยงค์ สืบ นาคะเสถียร สุนทรภู่ ชวน หลีกภัย ศิลป์ พีระศรี",
    # Zhu Rongji, Tu Youyou, Qian Xuesen, Misora Hibari, Miyazaki Hayao, Natsume Soseki,
    # Kim Yuna, Yun Dong-ju, Pak Kyongni: a character an em wide, breaks between any two.
    "cjk": "朱镕基 屠呦呦 钱学森 美空ひばり 宮崎駿 夏目漱石 김연아 윤동주 박경리",
}
TITLE_PARTS = (
    "ALERRT Active-Shooter Response Refresher for School Resource Officers and Patrol "
    "with Casualty Care, Breaching and Solo Officer Entry"
)
ORGANIZATION_PARTS = (
    "Missoula Police Department Multi-Jurisdictional Active Threat Response Team, "
    "Missoula County Sheriff's Office and Fire and Medical Partners"
)
#: Where blocks start to shrink, to wrap, and the longest allowed.
LENGTHS = (18, 36, 60, 90, 130, LONGEST_NAME)


def spec(name: str):
    folder = layouts_dir() / name
    return parse_layout(
        json.loads((folder / "layout.json").read_text()), folder, layouts_dir() / "shared"
    )


def text_of(parts: str, length: int) -> str:
    """Exactly ``length`` characters of ``parts`` repeated, cut at no trailing space."""
    text = ""
    while len(text) < length:
        text += parts + " "
    text = text[:length]
    return text[:-1] + text[0].lower() if text.endswith(" ") else text


def longest_facts(script: str, length: int):
    name = text_of(NAME_PARTS[script], length)
    return replace(
        snapshot(name),
        course_title=text_of(TITLE_PARTS, length),
        course_code=text_of("ALERRT-REFRESH-SRO-2026-SPRING-", LONGEST_CODE).upper(),
        organization_name=text_of(ORGANIZATION_PARTS, length),
        instructor_name=text_of(" ".join(reversed(NAME_PARTS[script].split())), length),
        credit_hours=Decimal("9999.75"),
        completed_on=date(2026, 9, 28),
        issued_on=date(2026, 9, 30),
        expires_on=date(2027, 9, 28),
    )


def test_long_fields_are_as_long_as_the_forms_allow():
    facts = longest_facts("cyrillic", LONGEST_NAME)
    assert len(facts.holder_name) == len(facts.course_title) == LONGEST_NAME
    assert len(facts.instructor_name) == len(facts.organization_name) == LONGEST_NAME
    assert len(facts.course_code) == LONGEST_CODE


@pytest.mark.parametrize("page_size", sorted(PAGE_SIZES))
@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("script", sorted(NAME_PARTS))
def test_nothing_collides_and_everything_prints(layout_name, page_size, script):
    problems = {}
    for length in LENGTHS:
        facts = longest_facts(script, length)
        layout = PreparedLayout(spec(layout_name), Branding(facts.organization_name), page_size)
        geometry = page_geometry(layout.render(facts, url_of(facts)))
        assert geometry.qr_symbol is not None and geometry.qr_zone is not None
        # A shaped name is drawn run by run (a space between ideographs is set in
        # the layout's font): the page's text, spaces aside, holds the name's start.
        drawn = "".join("".join(line.text.split()) for line in geometry.lines)
        assert "".join(facts.holder_name[:12].split()) in drawn
        found = layout_problems(geometry)
        if found:
            problems[length] = found
    assert problems == {}


# --- the transcript layout ----------------------------------------------------------


def transcript_renderer(page_size: str, **margins: float) -> TranscriptRenderer:
    """The shipped transcript layout, at ``page_size`` (and other ``margins``)."""
    folder = layouts_dir() / "transcript"
    raw = json.loads((folder / "layout.json").read_text())
    raw["page"]["size"] = page_size
    raw["margins"].update(margins)
    return TranscriptRenderer(parse_transcript_layout(raw, folder, layouts_dir() / "shared"))


def longest_record(script: str, length: int) -> dict:
    """A transcript's record with the holder's name, details and every text as long as
    the forms allow; enough rows to run over two pages."""
    facts = longest_facts(script, length)
    day = date(2026, 9, 30)
    name, instructor = facts.holder_name, facts.instructor_name
    return {
        "version": transcript_record.VERSION,
        "serial": "7KQ2M9XA3FPTWB8RJ4HNC6VDYE01",
        "holder": name,
        "details": {
            "title": text_of("Senior Patrol Officer, Field Training ", length),
            "badge": "4127-0099-1234",
            "employee_number": "E-2026-000412-ALERRT",
            "unit": text_of("Patrol Division, Night Shift, School Resource Unit ", length),
            "organization": facts.organization_name,
        },
        "as_of": day.isoformat(),
        "issued": day.isoformat(),
        "issuer": facts.organization_name,
        "certifications": [
            {
                "id": n,
                "track": text_of("ALERRT Active-Shooter Response Instructor ", length),
                "cycle": 10 - n,
                "granted": "2025-09-30",
                "valid_from": "2025-09-30",
                "expires": "2026-09-30",
                "earned": "completion",
                "how": f"Completed {facts.course_code}, 30 Sep 2025",
            }
            for n in range(2)
        ],
        "completions": [
            {
                "id": n,
                "date": "2026-09-28",
                "course_code": facts.course_code,
                "course": facts.course_title,
                "hours": "9999.75",
                "result": "Completed (practical passed, written 92)",
                "instructor": instructor,
            }
            for n in range(10)
        ],
        "imported": [
            {
                "id": n,
                "date": "2016-04-12",
                "training": facts.course_title,
                "hours": "24",
                "instructor": instructor,
                "source": text_of("Records Management System (RMS) ", length),
                "prior_certificate": "AL-2016-77812-0099-ALERRT-INSTRUCTOR",
            }
            for n in range(2)
        ],
        "hours": [
            {
                "period": "2026",
                "label": "1 July 2025 to 30 June 2026",
                "here": "9999.75",
                "imported": "24",
                "total": "10023.75",
            }
        ],
    }


TRANSCRIPT_PAYLOAD = "https://training.example.gov/training/verify/transcripts/7KQ2?sig=0a1b." + (
    "A" * 86
)


@pytest.mark.parametrize("page_size", sorted(PAGE_SIZES))
@pytest.mark.parametrize("script", sorted(NAME_PARTS))
def test_the_transcript_collides_nowhere_on_any_page(page_size, script):
    renderer = transcript_renderer(page_size)
    problems = {}
    for length in (36, LONGEST_NAME):
        facts = longest_record(script, length)
        pdf = renderer.render(transcript_record.canonical(facts), TRANSCRIPT_PAYLOAD)
        pages = len(pdfium.PdfDocument(pdf))
        assert pages >= 2
        for index in range(pages):
            geometry = page_geometry(pdf, index)
            if index == 0:
                assert geometry.qr_symbol is not None
                drawn = "".join("".join(line.text.split()) for line in geometry.lines)
                assert "".join(facts["holder"][:12].split()) in drawn
            found = layout_problems(geometry)
            if found:
                problems[(length, index + 1)] = found
    assert problems == {}


def test_the_check_sees_a_transcript_footer_pushed_off_the_page():
    """With a bottom margin too small for its footer, the transcript's notice leaves the
    printable area: the check reads transcripts too."""
    renderer = transcript_renderer("letter", bottom=30)
    facts = longest_record("latin", 36)
    pdf = renderer.render(transcript_record.canonical(facts), TRANSCRIPT_PAYLOAD)
    found = "\n".join(layout_problems(page_geometry(pdf, 0)))
    assert "text 'A training record kept by" in found
    assert "leaves the printable area" in found


def test_the_check_reports_text_on_a_frame_on_other_text_and_in_the_margin():
    """The check can fail: lines moved onto the frame, onto a line and off the page."""
    layout = prepared("officer-certification")
    facts = snapshot("Ofc. Sofia Rivera")
    geometry = page_geometry(layout.render(facts, url_of(facts)))
    assert layout_problems(geometry) == []
    name = next(line for line in geometry.lines if "Sofia" in line.text)
    inner_frame = 0.05 * layout.height  # the gold frame's inset

    def moved(y0: float, y1: float):
        return replace(name, glyphs=[replace(g, y0=y0, y1=y1) for g in name.glyphs])

    geometry.lines += [moved(inner_frame - 3, inner_frame + 3), name, moved(2, 9)]
    found = "\n".join(layout_problems(geometry))
    assert "'Ofc. Sofia Rivera' [" in found
    assert "crosses a 1.2 pt line" in found
    assert "overlaps 'Ofc. Sofia Rivera'" in found
    assert "leaves the printable area" in found


def test_the_footer_where_it_used_to_be_is_reported_on_the_frame():
    """Read from a real page: the footer line at its old place (4.3% up) crossed the frame."""
    raw = json.loads((layouts_dir() / "officer-certification" / "layout.json").read_text())
    footer = next(b for b in raw["blocks"] if b["text"].startswith("A training record"))
    footer.update(x=0.5, y=0.043)
    folder = layouts_dir() / "officer-certification"
    layout = PreparedLayout(
        parse_layout(raw, folder, layouts_dir() / "shared"), Branding("Missoula Police Department")
    )
    facts = snapshot("Ofc. Sofia Rivera")
    found = layout_problems(page_geometry(layout.render(facts, url_of(facts))))
    assert any(
        p.startswith("text 'A training record issued by") and "crosses a 1.2 pt line" in p
        for p in found
    ), found
