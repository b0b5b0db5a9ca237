"""Who may download, revoke and correct which certificate: everyone else gets 404."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.credentials import operations
from lms.models import AuditEvent, Certificate, EnrollmentSource, Role

from .support import pdf_text


@pytest.fixture
def certified(make, trained_class):
    cls = trained_class()
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    certs = {
        c.holder_name: c
        for c in make.db.scalars(select(Certificate).order_by(Certificate.id)).all()
    }
    return cls, certs


def download(client, cert):
    return client.get(f"/training/certificates/{cert.display_serial}/download")


def detail(client, cert):
    return client.get(f"/training/certificates/{cert.display_serial}")


def test_a_holder_downloads_their_own_from_the_dashboard(client, sign_in, certified):
    cls, certs = certified
    mine = certs["Ofc. Sofia Rivera"]
    sign_in(cls.officers[0])
    dashboard = client.get("/training/").get_data(as_text=True)
    assert "Your certificates" in dashboard
    assert f"/training/certificates/{mine.display_serial}/download" in dashboard
    assert certs["Ofc. Marcus Bell"].display_serial not in dashboard
    response = download(client, mine)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Ofc. Sofia Rivera" in pdf_text(response.data)


def test_someone_elses_certificate_is_404(client, make, sign_in, certified):
    cls, certs = certified
    sign_in(cls.officers[0])
    theirs = certs["Ofc. Marcus Bell"]
    assert download(client, theirs).status_code == 404
    assert detail(client, theirs).status_code == 404
    unknown = client.get("/training/certificates/0000-0000-0000-0000-0000-0000-0000/download")
    assert unknown.status_code == 404
    assert client.get(f"/training/sessions/{cls.session.id}/certificates.zip").status_code == 404


def test_a_coordinator_of_another_organization_gets_404(client, make, sign_in, certified):
    cls, certs = certified
    elsewhere = make.organization("Lolo Police Department")
    coordinator = make.person(Role.COORDINATOR, organization=elsewhere)
    sign_in(coordinator)
    assert download(client, certs["Ofc. Sofia Rivera"]).status_code == 404
    assert client.get(f"/training/sessions/{cls.session.id}/certificates").status_code == 404
    assert client.get(f"/training/sessions/{cls.session.id}/certificates.pdf").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, certified):
    _, certs = certified
    response = download(client, certs["Ofc. Sofia Rivera"])
    assert response.status_code == 302 and "/training/sign-in" in response.headers["Location"]


def test_instructor_downloads_the_session_as_zip_and_as_one_printable_pdf(
    client, sign_in, certified
):
    cls, certs = certified
    sign_in(cls.instructor)
    page = client.get(f"/training/sessions/{cls.session.id}/certificates").get_data(as_text=True)
    assert "3 of 3 completions have a certificate." in page
    archive = client.get(f"/training/sessions/{cls.session.id}/certificates.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        names = sorted(files.namelist())
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        texts = [pdf_text(files.read(n)) for n in names]
    for name in certs:  # each holder in exactly one file
        assert sum(name in text for text in texts) == 1
    printable = client.get(f"/training/sessions/{cls.session.id}/certificates.pdf")
    assert printable.status_code == 200
    reader = PdfReader(io.BytesIO(printable.data))
    assert len(reader.pages) == 3
    assert {n for n in certs if any(n in p.extract_text() for p in reader.pages)} == set(certs)


def test_a_group_coordinator_downloads_their_groups_certificates_only(
    client, make, sign_in, trained_class
):
    school = make.group("Big Sky High School")
    other_group = make.group("Hellgate Elementary")
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=school, name="Jo Principal")
    cls = trained_class(("Ofc. Placeholder",), layout="civilian-attendance", grants=False)
    teacher = make.person(Role.PARTICIPANT, organization=school, name="Ms. Lee Teacher", email=None)
    outsider = make.person(Role.PARTICIPANT, organization=other_group, name="Mr. Other", email=None)
    for person in (teacher, outsider):
        make.completion(make.enrollment(cls.session, person, source=EnrollmentSource.GROUP))
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    by_name = {c.holder_name: c for c in make.db.scalars(select(Certificate)).all()}

    sign_in(coordinator)
    dashboard = client.get("/training/").get_data(as_text=True)
    assert "Big Sky High School: certificates" in dashboard
    assert "Ms. Lee Teacher" in dashboard and "Mr. Other" not in dashboard
    assert download(client, by_name["Ms. Lee Teacher"]).status_code == 200
    assert download(client, by_name["Mr. Other"]).status_code == 404
    archive = client.get(f"/training/groups/{school.id}/certificates.zip")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        [name] = files.namelist()
        assert "Ms. Lee Teacher" in pdf_text(files.read(name))
    assert client.get(f"/training/groups/{other_group.id}/certificates.zip").status_code == 404


def test_revoking_without_a_reason_is_a_form_error(client, make, sign_in, certified):
    cls, certs = certified
    cert = certs["Ofc. Sofia Rivera"]
    sign_in(cls.instructor)
    url = f"/training/certificates/{cert.display_serial}"
    response = client.submit(url, {"reason": "  "}, action=f"{url}/revoke")
    assert response.status_code == 400
    assert "Give a reason for revoking the certificate." in response.get_data(as_text=True)
    make.db.expire_all()
    assert make.db.get(Certificate, cert.id).status.value == "issued"

    done = client.submit(
        url, {"reason": "Not present on day two"}, action=f"{url}/revoke", follow_redirects=True
    )
    assert f"Certificate {cert.display_serial} is revoked." in done.get_data(as_text=True)
    assert "Revoked on" in done.get_data(as_text=True)
    events = make.db.scalars(select(AuditEvent).filter_by(action="certificate.revoked")).all()
    assert [e.details["reason"] for e in events] == ["Not present on day two"]


def test_a_correction_supersedes_and_keeps_the_old_certificate(client, make, sign_in, certified):
    cls, certs = certified
    old = certs["Ofc. Dana Whitehorse"]
    sign_in(cls.instructor)
    url = f"/training/certificates/{old.display_serial}"
    missing = client.submit(url, {"holder_name": "x"}, action=f"{url}/correct")
    assert missing.status_code == 400
    assert "Say what the correction fixes." in missing.get_data(as_text=True)
    response = client.submit(
        url,
        {"holder_name": "Ofc. Dana White-Horse", "reason": "Hyphenated surname"},
        action=f"{url}/correct",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "is superseded." in page
    make.db.expire_all()
    all_for_completion = make.db.scalars(
        select(Certificate).filter_by(completion_id=old.completion_id).order_by(Certificate.id)
    ).all()
    assert [c.status.value for c in all_for_completion] == ["superseded", "issued"]
    new = all_for_completion[1]
    assert new.holder_name == "Ofc. Dana White-Horse" and new.supersedes_id == old.id
    assert new.serial != old.serial and new.correction_reason == "Hyphenated surname"
    old_page = detail(client, old).get_data(as_text=True)
    assert "Superseded by" in old_page and new.display_serial in old_page
    actions = {e.action for e in make.db.scalars(select(AuditEvent)).all()}
    assert {"certificate.superseded", "certificate.issued"} <= actions
