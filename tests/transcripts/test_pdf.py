"""The transcript PDF: multi-page, names extractable, QR to the verify page, record signed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from lms.credentials import signing
from lms.credentials.queries import key_store
from lms.models import AuditEvent, IssuedTranscript, Role
from lms.models.transcripts import TranscriptRewriteError
from lms.transcripts import operations, record
from tests.credentials.support import qpdf_check, read_qr

from .support import attachment, pages, revoke


def issue_and_download(client, person):
    """The person's transcript issued through the page, then downloaded: (serial, bytes)."""
    response = client.submit(
        f"/training/transcripts/people/{person.id}",
        {},
        action=f"/training/transcripts/people/{person.id}/issue",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    serial = re.search(r"/transcripts/([0-9A-Z-]+)/download", location).group(1)
    pdf = client.get(location)
    assert pdf.status_code == 200
    return serial, pdf.data


def test_a_ten_year_history_runs_over_numbered_pages(client, sign_in, history, tmp_path):
    name = "Ofc. Zoë Łukasiewicz-Nguyễn"
    h = history(name=name, years=10, per_year=4)
    sign_in(h.officer)
    serial, data = issue_and_download(client, h.officer)
    text = pages(data)
    assert len(text) >= 3
    for number, page in enumerate(text, start=1):
        assert f"Page {number} of {len(text)}" in page
        assert f"Serial {serial}" in page
        assert name in page  # the holder, extracted exactly, on every page
    everything = " ".join(" ".join(text).split())  # table cells wrap over lines
    assert everything.count("Completed (written 92)") == 40
    assert "Records Management System" in everything and "AL-2016-77812" in everything
    assert "TrainingSheet" in everything and "PD-0042" in everything
    assert "Training hours per reporting period" in everything
    assert "Training completed (continued)" in everything
    check = qpdf_check(data, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_revoked_records_are_left_off_the_pdf(client, make, sign_in, history):
    h = history(years=2)
    revoke(make, h.completions[0])
    revoke(make, h.prior[1])
    sign_in(h.officer)
    _, data = issue_and_download(client, h.officer)
    everything = " ".join(" ".join(pages(data)).split())
    assert everything.count("Completed (written 92)") == 1
    assert "PD-0042" not in everything
    assert "AL-2016-77812" in everything


def test_the_qr_code_opens_the_verify_page_with_the_signature(client, sign_in, history, tmp_path):
    h = history()
    sign_in(h.officer)
    serial, data = issue_and_download(client, h.officer)
    [payload] = read_qr(data, tmp_path)
    assert payload.startswith(f"http://localhost/training/verify/transcripts/{serial}?sig=")
    client.submit("/training/", {}, action="/training/sign-out")
    page = client.get(payload.removeprefix("http://localhost"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Genuine transcript" in html
    assert "The signature in the scanned code matches this record" in html
    assert "Ofc. Sofia Rivera" in html
    assert "no record on it has been revoked" in html


def test_the_embedded_record_is_what_was_signed_and_recorded(app, client, sign_in, history):
    h = history(years=3)
    sign_in(h.officer)
    serial, data = issue_and_download(client, h.officer)
    embedded = attachment(data)
    stored = app.extensions["lms"].db.session.scalar(select(IssuedTranscript))
    assert stored.display_serial == serial
    assert embedded == stored.record.encode("utf-8")
    facts = json.loads(embedded)
    assert facts["holder"] == "Ofc. Sofia Rivera"
    assert len(facts["completions"]) == 3
    assert {p["source"] for p in facts["imported"]} == {
        "Records Management System (RMS)",
        "TrainingSheet 2015.xlsx",
    }
    token = signing.parse_token(f"{stored.key_id}.{stored.signature}")
    assert record.verify(embedded, token, key_store().public_keys())
    altered = embedded.replace(b"Sofia", b"Sonia")
    assert not record.verify(altered, token, key_store().public_keys())
    # Downloading again prints the same record (rendered from it, not from today's data).
    again = client.get(f"/training/transcripts/{serial}/download").data
    assert attachment(again) == embedded


def test_issuing_is_audited_and_the_record_never_changes(app, make, history):
    h = history()
    admin = make.person(Role.ADMIN)
    with app.test_request_context():
        transcript = operations.issue_transcript(admin, h.officer)
        make.db.commit()
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "transcript.issued"))
    assert event.actor_id == admin.id
    assert event.details["serial"] == transcript.serial
    assert event.details["record_sha256"] == transcript.record_sha256
    transcript.as_of = transcript.as_of.replace(year=2000)
    with pytest.raises(TranscriptRewriteError):
        make.db.commit()
    make.db.rollback()
    make.db.delete(transcript)
    with pytest.raises(TranscriptRewriteError):
        make.db.commit()
    make.db.rollback()
