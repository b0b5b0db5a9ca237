"""A ZIP of transcripts for a whole agency: its coordinators only, each transcript recorded."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from lms.models import IssuedTranscript, Role

from .support import pages


def zip_of(client, organization, page=None):
    page = page or f"/training/transcripts/organizations/{organization.id}"
    return client.submit(
        page,
        {},
        action=f"/training/transcripts/organizations/{organization.id}/transcripts.zip",
    )


def test_a_coordinator_downloads_every_transcript_of_their_agency(client, make, sign_in, history):
    h = history()
    make.person(Role.OFFICER, organization=h.department, name="Ofc. Marcus Bell")
    make.person(Role.OFFICER, organization=h.department, name="Ofc. Gone Away", active=False)
    make.person(Role.OFFICER, organization=h.department, name="Алексей Смирнов")
    coordinator = make.person(Role.COORDINATOR, organization=h.department, name="Lt. Ana Cruz")
    sign_in(coordinator)
    index = client.get("/training/transcripts/").get_data(as_text=True)
    assert "Missoula Police Department" in index
    listing = client.get(f"/training/transcripts/organizations/{h.department.id}")
    assert "Ofc. Marcus Bell" in listing.get_data(as_text=True)
    assert "Ofc. Gone Away" not in listing.get_data(as_text=True)
    response = zip_of(client, h.department)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    # Active people only: the officer, the instructor, Bell, Smirnov and the coordinator.
    assert len(names) == 5
    # A name in another script is transliterated, not stripped to fragments.
    assert any(n.startswith("transcript-Aleksey-Smirnov-") for n in names)
    assert any(n.startswith("transcript-Ofc-Sofia-Rivera-") for n in names)
    assert not any("Gone" in n for n in names)
    rivera = next(n for n in names if "Sofia-Rivera" in n)
    assert "ALERRT Instructor Certification" in " ".join(pages(archive.read(rivera)))
    recorded = make.db.scalar(select(func.count()).select_from(IssuedTranscript))
    assert recorded == 5


def test_another_agency_and_officers_get_no_zip(client, make, sign_in, history):
    h = history()
    fire = make.organization("Missoula Fire Department")
    sign_in(make.person(Role.COORDINATOR, organization=fire))
    assert client.get(f"/training/transcripts/organizations/{h.department.id}").status_code == 404
    assert zip_of(client, h.department, page="/training/transcripts/").status_code == 404
    client.submit("/training/", {}, action="/training/sign-out")
    sign_in(h.officer)
    assert client.get("/training/transcripts/").status_code == 403
    assert make.db.scalar(select(func.count()).select_from(IssuedTranscript)) == 0
