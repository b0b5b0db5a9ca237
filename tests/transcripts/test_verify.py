"""The public verify page of a transcript: genuine or not, and what was revoked since."""

from __future__ import annotations

from sqlalchemy import text

from lms.models import Role
from lms.transcripts import operations

from .support import revoke


def issued(app, make, person):
    admin = make.person(Role.ADMIN)
    with app.test_request_context():
        transcript = operations.issue_transcript(admin, person)
    make.db.commit()
    return transcript


def verify(client, transcript, sig=None):
    query = f"?sig={sig}" if sig else ""
    return client.get(f"/training/verify/transcripts/{transcript.display_serial}{query}")


def test_the_page_shows_name_date_and_that_it_is_genuine(app, client, make, history):
    h = history()
    transcript = issued(app, make, h.officer)
    response = verify(client, transcript)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Genuine transcript" in html
    assert "Ofc. Sofia Rivera" in html
    assert transcript.as_of.strftime("%d %b %Y") in html
    assert "signature checks out" in html


def test_records_revoked_since_issue_are_named(app, client, make, history):
    h = history(years=2)
    transcript = issued(app, make, h.officer)
    revoke(make, h.completions[1])
    revoke(make, h.prior[0])
    html = verify(client, transcript).get_data(as_text=True)
    assert "2 records on it were revoked" in html
    assert "ALERRT Active-Shooter Response Refresher (" in html
    assert "ALERRT Instructor Certification" in html and "(imported from Records" in html
    assert "no record on it has been revoked" not in html


def test_forgeries_and_strangers_are_not_valid(app, client, make, history):
    h = history()
    transcript = issued(app, make, h.officer)
    wrong = f"{transcript.key_id}.{'A' * 86}"
    assert verify(client, transcript, sig=wrong).status_code == 404
    unknown = client.get("/training/verify/transcripts/0000-0000-0000-0000-0000-0000-0000")
    assert unknown.status_code == 404 and "Not valid" in unknown.get_data(as_text=True)
    # A record edited in the database no longer matches its signature.
    make.db.execute(text("UPDATE lms_transcript SET record = replace(record, 'Sofia', 'Sonia')"))
    make.db.commit()
    assert verify(client, transcript).status_code == 404


def test_the_serial_box_leads_to_the_transcript(app, client, make, history):
    h = history()
    transcript = issued(app, make, h.officer)
    typed = transcript.serial.lower()
    response = client.get(f"/training/verify/transcripts/?serial={typed}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/transcripts/{transcript.display_serial}")
