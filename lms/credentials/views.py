"""Certificate pages: the public verify page and key set, downloads, issue, revoke, correct."""

from __future__ import annotations

import io

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from ..auth.policy import (
    PUBLIC,
    SIGNED_IN,
    allow,
    can_manage_organization,
    can_revoke_certificate,
    can_view_certificate,
    current_person,
    is_session_staff,
    require,
)
from ..core import db_session, local_today
from ..models import CourseSession, Organization, Role
from ..models.certificates import CertificateStatus
from ..ratelimit import rate_limited
from . import operations, printing, queries, signing
from .forms import CorrectionForm, IssueForm, RevokeForm, VerifyForm

#: Public verify page: enough for a school office checking a stack by hand.
VERIFY_RATE = "60/minute"


def _viewer():
    return current_person()


def _send(data: bytes, filename: str, mimetype: str):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public -----------------------------------------------------------------------


@allow(PUBLIC)
@rate_limited(VERIFY_RATE, scope="certificate-verify")
def verify_home():
    form = VerifyForm(request.args)
    if request.args.get("serial") is not None and form.validate():
        serial = signing.normalize_serial(form.serial.data)
        target = signing.display_serial(serial) if serial else form.serial.data.strip()
        return redirect(url_for("lms.credentials.verify", serial=target))
    return render_template("lms/credentials/verify.html", form=form, result=None, asked=False)


@allow(PUBLIC)
@rate_limited(VERIFY_RATE, scope="certificate-verify")
def verify(serial: str):
    result = queries.verify(serial, request.args.get("sig"))
    form = VerifyForm(formdata=None)
    page = render_template(
        "lms/credentials/verify.html", form=form, result=result, asked=True, today=local_today()
    )
    if result is None:
        return page, 404
    return page


@allow(PUBLIC)
def public_keys():
    response = jsonify(queries.key_store().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- one certificate -------------------------------------------------------------


def _visible_certificate(serial: str):
    certificate = queries.certificate_by_serial(serial)
    require(
        certificate is not None and can_view_certificate(_viewer(), certificate),
        hide=True,
    )
    return certificate


def _certificate_page(certificate, revoke_form=None, correction_form=None, status=200):
    viewer = _viewer()
    issued = certificate.status is CertificateStatus.ISSUED
    return (
        render_template(
            "lms/credentials/certificate.html",
            certificate=certificate,
            state=certificate.state_on(local_today()),
            verify_url=printing.verify_url(certificate),
            revoke_form=(revoke_form or RevokeForm())
            if issued and can_revoke_certificate(viewer, certificate)
            else None,
            correction_form=(correction_form or CorrectionForm())
            if issued and queries.can_correct(viewer, certificate)
            else None,
        ),
        status,
    )


@allow(SIGNED_IN)
def certificate_detail(serial: str):
    return _certificate_page(_visible_certificate(serial))


@allow(SIGNED_IN)
def certificate_pdf(serial: str):
    certificate = _visible_certificate(serial)
    try:
        data = printing.render_pdf(certificate)
    except printing.LayoutUnavailable as exc:
        abort(503, description=str(exc))
    return _send(data, printing.pdf_filename(certificate), "application/pdf")


@allow(SIGNED_IN)
def revoke(serial: str):
    certificate = _visible_certificate(serial)
    require(can_revoke_certificate(_viewer(), certificate))
    form = RevokeForm()
    if not form.validate_on_submit():
        return _certificate_page(certificate, revoke_form=form, status=400)
    try:
        operations.revoke_certificate(_viewer(), certificate.id, form.reason.data)
    except operations.CertificateError as exc:
        db_session().rollback()
        form.reason.errors = [*form.reason.errors, str(exc)]
        return _certificate_page(certificate, revoke_form=form, status=400)
    db_session().commit()
    flash(f"Certificate {certificate.display_serial} is revoked.", "success")
    return redirect(
        url_for("lms.credentials.certificate_detail", serial=certificate.display_serial)
    )


@allow(SIGNED_IN)
def correct(serial: str):
    certificate = _visible_certificate(serial)
    require(queries.can_correct(_viewer(), certificate))
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _certificate_page(certificate, correction_form=form, status=400)
    try:
        new = operations.correct_certificate(
            _viewer(), certificate.id, form.reason.data, form.holder_name.data
        )
    except operations.CertificateError as exc:
        db_session().rollback()
        form.reason.errors = [*form.reason.errors, str(exc)]
        return _certificate_page(certificate, correction_form=form, status=400)
    db_session().commit()
    flash(
        f"Corrected certificate {new.display_serial} issued; "
        f"{certificate.display_serial} is superseded.",
        "success",
    )
    return redirect(url_for("lms.credentials.certificate_detail", serial=new.display_serial))


# --- a session's certificates ---------------------------------------------------------


def _staff_session(session_id: int) -> CourseSession:
    session = queries.certifying_session(session_id)
    require(session is not None and is_session_staff(_viewer(), session), hide=True)
    return session


@allow(SIGNED_IN)
def session_certificates(session_id: int):
    session = _staff_session(session_id)
    rows = queries.session_roster(session)
    return render_template(
        "lms/credentials/session.html",
        session=session,
        rows=rows,
        refusal=queries.issue_refusal(_viewer(), session),
        issue_form=IssueForm(),
        issued_count=sum(1 for r in rows if r.certificate is not None),
        today=local_today(),
    )


@allow(SIGNED_IN)
def issue(session_id: int):
    session = _staff_session(session_id)
    form = IssueForm()
    back = redirect(url_for("lms.credentials.session_certificates", session_id=session.id))
    if not form.validate_on_submit():
        flash("The form was not valid; try again.", "error")
        return back
    completion_ids = [form.completion_id.data] if form.completion_id.data else None
    try:
        report = operations.issue_certificates(_viewer(), session.id, completion_ids)
    except operations.CertificateError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return back
    db_session().commit()
    if report.issued:
        noun = "certificate" if len(report.issued) == 1 else "certificates"
        flash(f"Issued {len(report.issued)} {noun}.", "success")
    for refusal in report.refused:
        flash(refusal, "error")
    if report.already:
        if completion_ids:
            flash(
                "That completion already has certificate "
                f"{report.already[0].display_serial}; nothing new was issued.",
                "warning",
            )
        elif not report.issued:
            flash("Every completion already has its certificate.", "info")
    if not report.issued and not report.already and not report.refused:
        flash("This session has no completions to certify yet.", "info")
    return back


def _session_files(session_id: int):
    session = _staff_session(session_id)
    certificates = queries.session_certificates(session.id)
    if not certificates:
        flash("No certificates have been issued for this session yet.", "info")
        return session, None
    return session, certificates


@allow(SIGNED_IN)
def session_zip(session_id: int):
    session, certificates = _session_files(session_id)
    if certificates is None:
        return redirect(url_for("lms.credentials.session_certificates", session_id=session_id))
    try:
        data = printing.render_zip(certificates)
    except printing.LayoutUnavailable as exc:
        abort(503, description=str(exc))
    return _send(
        data, f"certificates-{session.course.code}-session-{session.id}.zip", "application/zip"
    )


@allow(SIGNED_IN)
def session_printable(session_id: int):
    session, certificates = _session_files(session_id)
    if certificates is None:
        return redirect(url_for("lms.credentials.session_certificates", session_id=session_id))
    title = f"Certificates: {session.course.title}, session {session.id}"
    try:
        data = printing.render_printable(certificates, title)
    except printing.LayoutUnavailable as exc:
        abort(503, description=str(exc))
    return _send(
        data, f"certificates-{session.course.code}-session-{session.id}.pdf", "application/pdf"
    )


@allow(SIGNED_IN)
def group_zip(organization_id: int):
    viewer = _viewer()
    organization = db_session().get(Organization, organization_id)
    require(
        organization is not None
        and (
            viewer.has_role(Role.GROUP_COORDINATOR, organization_id)
            or (viewer.has_role(Role.COORDINATOR) and can_manage_organization(viewer, organization))
            or viewer.is_admin
        ),
        hide=True,
    )
    certificates = queries.group_certificates(organization_id)
    require(bool(certificates), hide=True)
    try:
        data = printing.render_zip(certificates)
    except printing.LayoutUnavailable as exc:
        abort(503, description=str(exc))
    return _send(data, f"certificates-{organization.slug}.zip", "application/zip")
