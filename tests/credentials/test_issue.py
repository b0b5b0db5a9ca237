"""Issuing certificates, as an instructor at the session's certificate page sees it."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.app import db
from lms.credentials import operations
from lms.dates import add_months
from lms.models import AuditEvent, Certificate, Role
from lms.signals import certificate_issued

from .support import pdf_text


def page_url(session):
    return f"/training/sessions/{session.id}/certificates"


def issue_url(session):
    return f"/training/sessions/{session.id}/certificates/issue"


def certificates(make, **criteria):
    return make.db.scalars(select(Certificate).filter_by(**criteria)).all()


def test_instructor_issues_one_certificate_and_the_officer_can_read_it(
    client, make, sign_in, trained_class
):
    cls = trained_class()
    sign_in(cls.instructor)
    sent = []

    def receiver(app, certificate, actor):
        sent.append((certificate.serial, actor.id))

    with certificate_issued.connected_to(receiver):
        response = client.submit(
            page_url(cls.session),
            {"completion_id": cls.completions[0].id},
            action=issue_url(cls.session),
            follow_redirects=True,
        )
    page = response.get_data(as_text=True)
    assert "Issued 1 certificate." in page
    assert "1 of 3 completions have a certificate." in page

    [cert] = certificates(make, completion_id=cls.completions[0].id)
    assert cert.holder_name == "Ofc. Sofia Rivera"
    assert cert.display_serial in page
    assert len(cert.serial) == 28  # 140 random bits
    assert cert.signer_id == cls.instructor.id
    assert cert.organization_name == "Missoula Police Department"
    assert cert.expires_on == add_months(cls.completions[0].completed_on, 12)
    assert sent == [(cert.serial, cls.instructor.id)]
    audit = make.db.scalars(select(AuditEvent).filter_by(action="certificate.issued")).one()
    assert audit.actor_id == cls.instructor.id and audit.object_id == str(cert.id)

    pdf = client.get(f"/training/certificates/{cert.display_serial}/download")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Ofc. Sofia Rivera" in text and cert.display_serial in text


def test_the_page_lists_each_completion_by_name_with_its_certificate_or_an_issue_button(
    client, make, sign_in, trained_class
):
    cls = trained_class()
    rivera = cls.completions[0]
    report = operations.issue_certificates(cls.instructor, cls.session.id, [rivera.id])
    make.db.commit()
    sign_in(cls.instructor)
    response = client.get(page_url(cls.session))
    html = response.get_data(as_text=True)
    serial = report.issued[0].display_serial
    names = ["Ofc. Dana Whitehorse", "Ofc. Marcus Bell", "Ofc. Sofia Rivera"]
    where = [html.index(f">{name}</td>") for name in names]
    assert where == sorted(where)  # by name
    assert f'href="/training/certificates/{serial}">{serial}</a>' in html
    assert f'href="/training/certificates/{serial}/download">Download</a>' in html
    for completion in cls.completions[1:]:
        assert f'name="completion_id" value="{completion.id}"' in html
    assert 'aria-label="Issue certificate for Ofc. Marcus Bell"' in html
    assert f'value="{rivera.id}"' not in html


def test_issuing_again_refuses_and_names_the_existing_certificate(
    client, make, sign_in, trained_class
):
    cls = trained_class()
    sign_in(cls.instructor)
    data = {"completion_id": cls.completions[0].id}
    client.submit(page_url(cls.session), data, action=issue_url(cls.session))
    [cert] = certificates(make, completion_id=cls.completions[0].id)
    again = client.submit(
        page_url(cls.session), data, action=issue_url(cls.session), follow_redirects=True
    )
    assert (
        f"That completion already has certificate {cert.display_serial}; nothing new was issued."
        in again.get_data(as_text=True)
    )
    assert len(certificates(make, completion_id=cls.completions[0].id)) == 1

    with pytest.raises(operations.CertificateError) as refused:
        operations.issue_certificate(cls.instructor, cls.completions[0].id)
    assert refused.value.existing.id == cert.id


def test_whole_roster_in_one_action_and_a_retry_adds_nothing(client, make, sign_in, trained_class):
    cls = trained_class()
    sign_in(cls.instructor)
    first = client.submit(
        page_url(cls.session), {}, action=issue_url(cls.session), follow_redirects=True
    )
    assert "Issued 3 certificates." in first.get_data(as_text=True)
    retry = client.submit(
        page_url(cls.session), {}, action=issue_url(cls.session), follow_redirects=True
    )
    assert "Every completion already has its certificate." in retry.get_data(as_text=True)
    assert make.db.scalar(select(func.count(Certificate.id))) == 3
    serials = {c.serial for c in certificates(make)}
    assert len(serials) == 3


def test_concurrent_clicks_give_one_certificate(app, make, trained_class):
    cls = trained_class()
    completion_id, instructor_id = cls.completions[0].id, cls.instructor.id
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        with app.app_context():
            instructor = db.session.get(type(cls.instructor), instructor_id)
            barrier.wait()
            try:
                report = operations.issue_certificates(instructor, cls.session.id, [completion_id])
                db.session.commit()
                outcomes.append(("issued", len(report.issued), len(report.already)))
            except operations.CertificateError as exc:
                db.session.rollback()
                outcomes.append(("refused", str(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    make.db.expire_all()
    assert len(certificates(make, completion_id=completion_id)) == 1
    assert sorted(o[:3] for o in outcomes) == [("issued", 0, 1), ("issued", 1, 0)]


def test_refusals_are_clear_and_write_nothing(client, make, sign_in, trained_class):
    cls = trained_class()
    other = trained_class(("Ofc. Elsewhere",), department=cls.department)
    sign_in(cls.instructor)
    # A completion of someone else's session, posted to this session.
    wrong = client.submit(
        page_url(cls.session),
        {"completion_id": other.completions[0].id},
        action=issue_url(cls.session),
        follow_redirects=True,
    )
    assert "That completion does not exist or is not of this session." in wrong.get_data(
        as_text=True
    )
    missing = client.submit(
        page_url(cls.session),
        {"completion_id": 999999},
        action=issue_url(cls.session),
        follow_redirects=True,
    )
    assert "That completion does not exist or is not of this session." in missing.get_data(
        as_text=True
    )
    # The other session's page is not this instructor's to see.
    assert client.get(page_url(other.session)).status_code == 404
    with pytest.raises(operations.CertificateError, match="only for sessions you teach"):
        operations.issue_certificate(cls.instructor, other.completions[0].id)
    with pytest.raises(operations.CertificateError, match="no such completion"):
        operations.issue_certificate(cls.instructor, 424242)
    assert certificates(make) == []


def test_an_instructor_whose_qualification_lapsed_cannot_sign(client, make, sign_in, trained_class):
    cls = trained_class(instructor_current=False)
    sign_in(cls.instructor)
    page = client.get(page_url(cls.session)).get_data(as_text=True)
    assert "certification is not current, so you cannot sign certificates." in page
    assert "Issue all certificates" not in page
    response = client.submit(
        page_url(cls.session), {}, action=issue_url(cls.session), follow_redirects=True
    )
    assert "not current" in response.get_data(as_text=True)
    assert certificates(make) == []


def test_a_coordinator_may_issue_and_a_civilian_class_has_no_expiry(
    client, make, sign_in, trained_class
):
    cls = trained_class(("Pat Morales",), layout="civilian-attendance", grants=False)
    coordinator = make.person(Role.COORDINATOR, organization=cls.department)
    sign_in(coordinator)
    response = client.submit(
        page_url(cls.session), {}, action=issue_url(cls.session), follow_redirects=True
    )
    assert "Issued 1 certificate." in response.get_data(as_text=True)
    [cert] = certificates(make)
    assert cert.expires_on is None
    assert cert.layout_key == "civilian-attendance"
    assert cert.issued_on == date.today() or abs((cert.issued_on - date.today()).days) <= 1


def test_session_page_offers_issue_all_to_its_instructor_only(client, make, sign_in, trained_class):
    cls = trained_class()
    sign_in(cls.instructor)
    page = client.get(f"/training/sessions/{cls.session.id}").get_data(as_text=True)
    assert "0 of 3 completions have a certificate." in page
    assert "Issue all certificates" in page
    client.submit(f"/training/sessions/{cls.session.id}", {}, action=issue_url(cls.session))
    page = client.get(f"/training/sessions/{cls.session.id}").get_data(as_text=True)
    assert "3 of 3 completions have a certificate." in page

    officer = cls.officers[0]
    client.submit("/training/", {}, action="/training/sign-out")
    sign_in(officer)
    page = client.get(f"/training/sessions/{cls.session.id}").get_data(as_text=True)
    assert "Issue all certificates" not in page
