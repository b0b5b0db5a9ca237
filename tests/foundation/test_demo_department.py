"""The demo department is run as a real one: imported history, a retired officer, an edited track.

Each is checked on the page a department's staff would open, after `flask lms demo`.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.demo import DEMO_PASSWORD
from lms.demo.records import SOURCE_SYSTEM
from lms.models import CertificationTrack, Person, PriorTraining


@pytest.fixture
def demo(runner, make, client, sign_in):
    """The demo loaded, and its administrator signed in."""
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    admin = make.db.scalars(select(Person).where(Person.email == "admin@demo.lms.test")).one()
    sign_in(admin, DEMO_PASSWORD)
    return make.db


def person(db, name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == name)).one()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def imported_section(transcript_page: str) -> str:
    """The words of a transcript page's "Imported training records" section."""
    return text_of(transcript_page.split('id="imported"', 1)[1].split("</section>", 1)[0])


def test_the_directory_lists_the_retired_officer_as_deactivated(demo, client):
    active = text_of(client.get("/training/people/", query_string={"q": "Pruitt"}).text)
    assert "Ofc. Walter Pruitt" not in active  # the directory shows active people first
    listed = client.get("/training/people/", query_string={"q": "Pruitt", "activity": "inactive"})
    assert listed.status_code == 200
    assert "Ofc. Walter Pruitt Patrol Officer Deactivated" in text_of(listed.text)

    retiree = person(demo, "Ofc. Walter Pruitt")
    page = text_of(client.get(f"/training/people/{retiree.id}").text)
    assert "No: the account is deactivated" in page
    assert "Deactivated: Retired on " in page and "after 24 years of service." in page
    # His records stay: the history imported for him is on his transcript.
    transcript = client.get(f"/training/transcripts/people/{retiree.id}").text
    assert imported_section(transcript).count(SOURCE_SYSTEM) == 4


def test_an_imported_officer_s_transcript_marks_the_records_with_their_source(demo, client):
    rivera = person(demo, "Ofc. Sofia Rivera")
    imported = demo.scalars(select(PriorTraining).where(PriorTraining.person_id == rivera.id)).all()
    assert len(imported) == 4 and {p.source_system for p in imported} == {SOURCE_SYSTEM}

    page = client.get(f"/training/transcripts/people/{rivera.id}").text
    section = imported_section(page)
    assert section.count(SOURCE_SYSTEM) == 4
    assert "ALERRT Active Shooter Level I (basic course)" in section
    assert "ALERRT Center, Texas State University" in section
    # Her cycles say how each was earned: imported ones, then the classes taught here.
    cycles = text_of(page.split('id="completions"', 1)[0])
    assert cycles.count(f"Imported from {SOURCE_SYSTEM}, certificate ") == 4
    assert "Completed ALERRT-REFRESH" in cycles

    # The signed PDF marks them too (issued as the administrator would, from her page).
    issued = client.submit(
        f"/training/transcripts/people/{rivera.id}",
        {},
        action=f"/training/transcripts/people/{rivera.id}/issue",
    )
    pdf = client.get(issued.headers["Location"])
    assert pdf.status_code == 200
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    printed = text.split("Imported training records", 1)[1]
    assert printed.count("Legacy RMS") == 4


def test_the_alerrt_track_s_history_shows_its_one_edit(demo, client):
    track = demo.scalars(
        select(CertificationTrack).where(CertificationTrack.code == "ALERRT")
    ).one()
    assert (track.renewal_window_days, track.due_soon_days) == (90, 60)
    page = text_of(client.get(f"/training/programs/tracks/{track.id}").text)
    history = page.split("History", 1)[1]
    assert "Version 2 · track updated" in history
    assert "Renewal window days: 60 → 90" in history
    assert "Version 1 · track created" in history
    assert "Version 3" not in history
    # Widening the window moved no one's earned cycle.
    assert "cycle(s) planned again" not in history


@pytest.mark.parametrize(
    "action, words",
    [
        (
            "import.records",
            "Dana Whitfield imported past training records from rms-training-export.csv "
            "(11 records, 11 cycles, 4 people)",
        ),
        ("person.deactivated", "Dana Whitfield deactivated Ofc. Walter Pruitt"),
        ("track.updated", "Dana Whitfield changed the certification track ALERRT"),
        ("track.updated", "renewal window days: 60 → 90"),
    ],
)
def test_the_audit_log_tells_the_department_s_first_days_in_words(demo, client, action, words):
    page = text_of(client.get("/training/audit/", query_string={"action": action}).text)
    assert words in page
    assert "Dana Whitfield" in page.split("What happened", 1)[1]
