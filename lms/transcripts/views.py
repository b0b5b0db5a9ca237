"""Transcript pages: a person's record, issuing and downloading, agency batches, verification."""

from __future__ import annotations

import io

from flask import abort, redirect, render_template, request, send_file, url_for

from ..auth.policy import (
    PUBLIC,
    SIGNED_IN,
    STAFF,
    allow,
    can_view_person,
    coordinated_organization_ids,
    coordinates,
    current_person,
    require,
)
from ..compliance.queries import organizations
from ..core import NoPublicAddress, db_session, local_today
from ..credentials import signing
from ..credentials.printing import LayoutUnavailable
from ..credentials.views import VERIFY_RATE
from ..models import Organization, Person
from ..ratelimit import rate_limited
from . import files, operations, queries
from .forms import AgencyZipForm, IssueForm, TranscriptVerifyForm
from .render import UnprintableText


def _send(data: bytes, filename: str, mimetype: str):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _visible_person(person_id: int) -> Person:
    person = db_session().get(Person, person_id)
    require(person is not None and can_view_person(current_person(), person), hide=True)
    return person


def _coordinated(organization_id: int) -> Organization:
    organization = db_session().get(Organization, organization_id)
    require(organization is not None and coordinates(current_person(), organization), hide=True)
    return organization


# --- one person -------------------------------------------------------------------


@allow(SIGNED_IN)
def person_page(person_id: int):
    person = _visible_person(person_id)
    today = local_today()
    return render_template(
        "lms/transcripts/person.html",
        person=person,
        own=person.id == current_person().id,
        transcript=queries.transcript_of(person, today),
        issued=queries.issued_to(person.id),
        form=IssueForm(),
        today=today,
    )


@allow(SIGNED_IN)
def issue(person_id: int):
    person = _visible_person(person_id)
    if not IssueForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        transcript = operations.issue_transcript(current_person(), person)
    except UnprintableText as exc:  # refused before anything is recorded
        abort(422, description=str(exc))
    db_session().commit()
    return redirect(url_for("lms.transcripts.download", serial=transcript.display_serial), 303)


@allow(SIGNED_IN)
def download(serial: str):
    transcript = queries.transcript_by_serial(serial)
    require(
        transcript is not None and can_view_person(current_person(), transcript.person),
        hide=True,
    )
    try:
        data = files.render_pdf(transcript)
    except LayoutUnavailable as exc:
        abort(503, description=str(exc))
    except UnprintableText as exc:
        abort(422, description=str(exc))
    return _send(data, files.pdf_filename(transcript), "application/pdf")


# --- agencies -------------------------------------------------------------------------


@allow(STAFF)
def index():
    return render_template(
        "lms/transcripts/index.html",
        organizations=organizations(coordinated_organization_ids(current_person())),
    )


@allow(STAFF)
def organization_page(organization_id: int):
    organization = _coordinated(organization_id)
    return render_template(
        "lms/transcripts/organization.html",
        organization=organization,
        people=queries.members_of(organization),
        form=AgencyZipForm(),
    )


@allow(STAFF)
def organization_zip(organization_id: int):
    organization = _coordinated(organization_id)
    if not AgencyZipForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    people = queries.members_of(organization)
    require(bool(people), hide=True)
    try:
        transcripts = operations.issue_for_people(current_person(), people)
        data = files.render_zip(transcripts)
    except (LayoutUnavailable, NoPublicAddress) as exc:
        db_session().rollback()
        abort(503, description=str(exc))
    except UnprintableText as exc:
        db_session().rollback()
        abort(422, description=str(exc))
    db_session().commit()
    return _send(data, f"transcripts-{organization.slug}-{local_today()}.zip", "application/zip")


# --- public verification ---------------------------------------------------------------


@allow(PUBLIC)
@rate_limited(VERIFY_RATE, scope="certificate-verify")
def verify_home():
    form = TranscriptVerifyForm(request.args)
    if request.args.get("serial") is not None and form.validate():
        serial = signing.normalize_serial(form.serial.data)
        target = signing.display_serial(serial) if serial else form.serial.data.strip()
        return redirect(url_for("lms.transcripts.verify", serial=target))
    return render_template("lms/transcripts/verify.html", form=form, result=None, asked=False)


@allow(PUBLIC)
@rate_limited(VERIFY_RATE, scope="certificate-verify")
def verify(serial: str):
    result = queries.verify(serial, request.args.get("sig"))
    page = render_template(
        "lms/transcripts/verify.html",
        form=TranscriptVerifyForm(formdata=None),
        result=result,
        asked=True,
        today=local_today(),
    )
    return (page, 404) if result is None else page
