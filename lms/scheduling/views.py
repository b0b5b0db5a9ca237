"""Scheduling pages for training coordinators: courses, sessions, meetings, cancelling."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth.operations import department
from ..auth.policy import STAFF, allow, coordinates, coordinates_session, current_person, require
from ..boundary import query_text
from ..catalog.queries import upcoming_page
from ..core import db_session, registries
from ..enrollment.forms import select_choices
from ..models import Audience, Course, CourseSession, Person
from ..paging import page_number
from . import course_operations, operations, queries
from .forms import (
    MAX_MEETINGS,
    CancelSessionForm,
    CourseForm,
    RetireCourseForm,
    SessionForm,
)
from .times import utc_to_local

NO_TRACK = 0


def _viewer() -> Person:
    return current_person()


def _show_problems(form, error: operations.SchedulingError) -> None:
    """Put each problem on its field (or at the top of the form)."""
    db_session().rollback()
    for field_name, message in error.problems:
        if field_name == "meetings":
            form.meeting_errors.append(message)
        elif field_name and hasattr(form, field_name):
            getattr(form, field_name).errors.append(message)
        else:
            form.form_errors.append(message)


@allow(STAFF)
def index():
    return render_template(
        "lms/scheduling/index.html",
        courses=queries.all_courses(),
        listing=upcoming_page(_viewer(), page_number(), include_cancelled=True),
        retire_form=RetireCourseForm(),
    )


# --- courses -----------------------------------------------------------------------------


def _course_form_choices(form: CourseForm) -> None:
    lms_registries = registries()
    form.course_type.choices = select_choices(lms_registries.course_types.choices())
    form.completion_rule.choices = select_choices(lms_registries.completion_rules.choices())
    form.certificate_layout.choices = select_choices(lms_registries.certificate_layouts.choices())
    tracks = [(t.id, t.name) for t in queries.tracks()]
    form.grants_track_id.choices = select_choices([(NO_TRACK, "Nothing"), *tracks])
    form.instructor_track_id.choices = select_choices([(NO_TRACK, "No requirement"), *tracks])
    form.prerequisite_track_ids.choices = select_choices(tracks)


def _course_draft(form: CourseForm) -> course_operations.CourseDraft:
    return course_operations.CourseDraft(
        code=form.code.data,
        title=form.title.data,
        description=form.description.data or "",
        audience=Audience(form.audience.data),
        credit_hours=form.credit_hours.data,
        course_type=form.course_type.data,
        completion_rule=form.completion_rule.data,
        certificate_layout=form.certificate_layout.data,
        grants_track_id=form.grants_track_id.data or None,
        instructor_track_id=form.instructor_track_id.data or None,
        prerequisite_track_ids=list(form.prerequisite_track_ids.data or []),
        is_public=form.visibility.data == "public",
    )


def _course_data(course: Course) -> dict:
    return {
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "audience": course.audience.value,
        "credit_hours": course.credit_hours,
        "course_type": course.course_type,
        "completion_rule": course.completion_rule,
        "certificate_layout": course.certificate_layout,
        "grants_track_id": course.grants_track_id or NO_TRACK,
        "instructor_track_id": course.instructor_track_id or NO_TRACK,
        "prerequisite_track_ids": [p.track_id for p in course.prerequisites],
        "visibility": "public" if course.is_public else "private",
    }


@allow(STAFF)
def new_course():
    require(coordinates(_viewer(), department().id))
    form = CourseForm()
    _course_form_choices(form)
    if form.validate_on_submit():
        try:
            course = course_operations.create_course(
                _course_draft(form), department().id, _viewer()
            )
        except operations.SchedulingError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash(f"Course {course.code} is created.", "success")
            return redirect(url_for("lms.scheduling.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/scheduling/course_form.html", form=form, course=None), status


def _course_or_404(code: str) -> Course:
    """A course the viewer coordinates (another organization's: 403)."""
    course = queries.course_by_code(code)
    if course is None:
        abort(404)
    require(coordinates(_viewer(), course.organization_id))
    return course


@allow(STAFF)
def edit_course(code: str):
    course = _course_or_404(code)
    form = CourseForm() if request.method == "POST" else CourseForm(data=_course_data(course))
    _course_form_choices(form)
    if form.validate_on_submit():
        try:
            changes = course_operations.update_course(course, _course_draft(form), _viewer())
        except operations.SchedulingError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash(
                f"Course {course.code} is saved." if changes else "Nothing changed.",
                "success",
            )
            return redirect(url_for("lms.scheduling.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/scheduling/course_form.html", form=form, course=course), status


@allow(STAFF)
def set_course_active(code: str):
    course = _course_or_404(code)
    if RetireCourseForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            course_operations.set_course_active(course, active, _viewer())
        except operations.SchedulingError as exc:
            db_session().rollback()
            flash(str(exc), "error")
        else:
            db_session().commit()
            flash(
                f"{course.code} is {'back in' if active else 'retired from'} the catalog.",
                "success",
            )
    return redirect(url_for("lms.scheduling.index"))


# --- sessions -----------------------------------------------------------------------------


def _pad_meetings(form: SessionForm, minimum: int = 3) -> None:
    """Leave empty rows to add meetings in (no script needed)."""
    while len(form.meetings) < MAX_MEETINGS and (
        len(form.meetings) < minimum or not form.meetings[-1].form.is_blank
    ):
        form.meetings.append_entry()


def _instructor_choices(form: SessionForm, session: CourseSession | None) -> None:
    people = {p.id: p for p in queries.instructors()}
    if session is not None:
        people.update({i.person_id: i.person for i in session.instructors})
    pairs = [
        (p.id, f"{p.full_name} ({p.organization.name})")
        for p in sorted(people.values(), key=lambda p: p.full_name)
    ]
    form.lead_ids.choices = select_choices(pairs)
    form.assistant_ids.choices = select_choices(pairs)


def _session_draft(form: SessionForm) -> operations.SessionDraft:
    opens, closes = form.registration_window
    return operations.SessionDraft(
        location=form.location.data,
        capacity=form.capacity.data,
        group_seat_cap=form.group_seat_cap.data,
        is_public=form.visibility.data == "public",
        registration_opens_at=opens,
        registration_closes_at=closes,
        notes=form.notes.data or "",
        meetings=form.meeting_times,
        lead_ids=list(form.lead_ids.data or []),
        assistant_ids=list(form.assistant_ids.data or []),
    )


def _session_data(session: CourseSession) -> dict:
    zone = session.timezone
    return {
        "course_id": session.course_id,
        "location": session.location,
        "capacity": session.capacity,
        "group_seat_cap": session.group_seat_cap,
        "visibility": "public" if session.is_public else "private",
        "registration_opens": utc_to_local(session.registration_opens_at, zone),
        "registration_closes": utc_to_local(session.registration_closes_at, zone),
        "lead_ids": [p.id for p in session.lead_instructors],
        "assistant_ids": [p.id for p in session.assistant_instructors],
        "notes": session.notes,
        "meetings": [
            {
                "meeting_id": str(m.id),
                "day": utc_to_local(m.starts_at, zone).date(),
                "starts": utc_to_local(m.starts_at, zone).time(),
                "ends": utc_to_local(m.ends_at, zone).time(),
                "location": m.location or "",
            }
            for m in session.meetings
        ],
    }


def _render_session_form(form, session, zone_names, status=200):
    return (
        render_template(
            "lms/scheduling/session_form.html", form=form, session=session, zone_names=zone_names
        ),
        status,
    )


@allow(STAFF)
def new_session():
    viewer = _viewer()
    courses = [
        c for c in queries.all_courses() if c.active and coordinates(viewer, c.organization_id)
    ]
    zones = {c.id: operations.session_zone(c) for c in courses}
    if request.method == "POST":
        form = SessionForm(zone_of=zones.get)
    else:
        chosen = queries.course_by_code(query_text("course"))
        form = SessionForm(
            zone_of=zones.get, data={"course_id": chosen.id if chosen else None, "capacity": 24}
        )
    form.course_id.choices = select_choices((c.id, f"{c.code} — {c.title}") for c in courses)
    _instructor_choices(form, None)
    if form.validate_on_submit():
        course = db_session().get(Course, form.course_id.data)
        try:
            session = operations.create_session(course, _session_draft(form), _viewer())
        except operations.SchedulingError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash(f"The {course.code} session is scheduled.", "success")
            return redirect(url_for("lms.catalog.session_detail", session_id=session.id))
    _pad_meetings(form)
    status = 400 if request.method == "POST" else 200
    return _render_session_form(form, None, sorted(set(zones.values())), status)


def _session_or_404(session_id: int) -> CourseSession:
    """A session the viewer coordinates (another organization's: 403)."""
    session = db_session().get(CourseSession, session_id)
    if session is None:
        abort(404)
    require(coordinates_session(_viewer(), session))
    return session


@allow(STAFF)
def edit_session(session_id: int):
    session = _session_or_404(session_id)
    if session.is_cancelled:
        flash("A cancelled session cannot be changed.", "error")
        return redirect(url_for("lms.catalog.session_detail", session_id=session.id))

    def zone_of(course_id):
        return session.timezone if course_id == session.course_id else None

    if request.method == "POST":
        form = SessionForm(zone_of=zone_of)
    else:
        form = SessionForm(zone_of=zone_of, data=_session_data(session))
    form.course_id.choices = select_choices(
        [(session.course_id, f"{session.course.code} — {session.course.title}")]
    )
    _instructor_choices(form, session)
    if form.validate_on_submit():
        try:
            changes = operations.update_session(session.id, _session_draft(form), _viewer())
        except operations.SchedulingError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash("The session is saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("lms.catalog.session_detail", session_id=session.id))
    _pad_meetings(form)
    status = 400 if request.method == "POST" else 200
    return _render_session_form(form, session, [session.timezone], status)


@allow(STAFF)
def cancel_session(session_id: int):
    session = _session_or_404(session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            operations.cancel_session(session.id, _viewer(), form.reason.data)
        except operations.SchedulingError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash("The session is cancelled; everyone's place in it is cancelled.", "success")
            return redirect(url_for("lms.catalog.session_detail", session_id=session.id))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/scheduling/session_cancel.html", form=form, session=session), status
