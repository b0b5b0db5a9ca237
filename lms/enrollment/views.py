"""Enrolling: one's own place, and training coordinators' view of a session's places.

Views are thin: they parse the form, ask :mod:`lms.auth.policy` who may do it,
call an operation (which locks, checks, writes and audits) and commit once.
Community groups' pages are in :mod:`lms.enrollment.group_views`, pages for
people without an account in :mod:`lms.enrollment.public_views`; the helpers
below serve all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for

from ..auth.policy import (
    SIGNED_IN,
    STAFF,
    allow,
    can_manage_organization,
    cancel_mode,
    coordinates_session,
    current_person,
    is_session_staff,
    require,
)
from ..catalog.queries import session_by_id
from ..core import db_session
from ..models import CourseSession, Enrollment, Organization, Person, utcnow
from . import group_operations, operations, places, queries, rules
from .forms import (
    CancelForm,
    CoordinatorEnrollForm,
    EnrollForm,
    SeatCapForm,
    StaffCancelForm,
    select_choices,
)
from .places import EnrollmentError

SOURCE_LABELS = {
    "self": "Themselves",
    "group": "Their group",
    "public": "Public registration",
    "coordinator": "A coordinator",
}


def session_or_404(session_id: int, viewer: Person | None, options: Sequence = ()) -> CourseSession:
    """The session as ``viewer`` may see it in the catalog, or 404 (``options``: see
    :func:`lms.catalog.queries.session_by_id`)."""
    session = session_by_id(session_id, viewer, options)
    if session is None:
        abort(404)
    return session


@dataclass(frozen=True)
class Placed:
    """What a new place is, read before the commit expires it (no reload afterwards)."""

    enrollment_id: int
    session_id: int
    title: str
    waitlisted: bool
    who: str

    @classmethod
    def of(cls, enrollment: Enrollment, who: str = "You are") -> Placed:
        return cls(
            enrollment.id,
            enrollment.session_id,
            enrollment.session.course.title,
            enrollment.is_waitlisted,
            who,
        )

    def message(self) -> str:
        """A seat, or a place on the waitlist, numbered as the line stands now."""
        if self.waitlisted:
            position = queries.waitlist_positions([self.session_id]).get(self.enrollment_id)
            return f"The session is full: {self.who} #{position} on the waitlist for {self.title}."
        return f"{self.who} enrolled in {self.title}."


def refused(exc: EnrollmentError) -> str:
    """Undo the refused request's transaction (and its lock); the message to show."""
    db_session().rollback()
    return str(exc)


# --- self-service --------------------------------------------------------------------


@allow(SIGNED_IN)
def enroll(session_id: int):
    viewer = current_person()
    session = session_or_404(session_id, viewer, places.WITHOUT_INSTRUCTORS)
    if EnrollForm().validate_on_submit():
        try:
            enrollment = operations.enroll_self(session.id, viewer)
        except EnrollmentError as exc:
            flash(refused(exc), "error")
        else:
            placed = Placed.of(enrollment)
            db_session().commit()
            flash(placed.message(), "success")
    return redirect(url_for("lms.catalog.session_detail", session_id=session_id))


@allow(SIGNED_IN)
def my_enrollments():
    viewer = current_person()
    now = utcnow()
    rows = queries.enrollments_of(viewer)
    return render_template(
        "lms/enrollment/mine.html",
        rows=rows,
        cancel_problems={
            r.enrollment.id: rules.self_cancel_problem(r.enrollment, now) for r in rows
        },
        now=now,
    )


def _after_cancel_url(mode: str, enrollment: Enrollment) -> str:
    if mode == "staff" and enrollment.person_id != current_person().id:
        return url_for("lms.enrollment.session_enrollments", session_id=enrollment.session_id)
    if mode == "group":
        return url_for(
            "lms.enrollment.group_session",
            organization_id=enrollment.organization_id,
            session_id=enrollment.session_id,
        )
    return url_for("lms.enrollment.my_enrollments")


@allow(SIGNED_IN)
def cancel(enrollment_id: int):
    viewer = current_person()
    enrollment = queries.enrollment_by_id(enrollment_id)
    mode = cancel_mode(viewer, enrollment) if enrollment is not None else None
    require(mode is not None, hide=True)
    own = enrollment.person_id == viewer.id
    form = StaffCancelForm() if mode == "staff" and not own else CancelForm()
    enforce_cutoff = mode != "staff"
    check = rules.self_cancel_problem if enforce_cutoff else rules.staff_cancel_problem
    problem = check(enrollment, utcnow())
    if form.validate_on_submit():
        try:
            operations.cancel_enrollment(
                enrollment.id, viewer, form.reason.data or None, enforce_cutoff=enforce_cutoff
            )
        except EnrollmentError as exc:
            problem = refused(exc)
        else:
            db_session().commit()
            who = "Your place" if own else f"{enrollment.person.full_name}'s place"
            flash(f"{who} in {enrollment.session.course.title} is cancelled.", "success")
            return redirect(_after_cancel_url(mode, enrollment))
    return render_template(
        "lms/enrollment/cancel.html",
        enrollment=enrollment,
        form=form,
        problem=problem,
        own=own,
        back_url=_after_cancel_url(mode, enrollment),
    )


# --- training coordinators -----------------------------------------------------------


def _managed_session(session_id: int) -> tuple[Person, CourseSession]:
    viewer = current_person()
    session = session_or_404(session_id, viewer)
    require(is_session_staff(viewer, session))
    return viewer, session


def _render_session_enrollments(session, viewer, enroll_form=None, cap_form=None, status=200):
    staff = coordinates_session(viewer, session)
    if staff and cap_form is None:
        cap_form = SeatCapForm()
    if cap_form is not None:
        cap_form.organization_id.choices = select_choices(
            (o.id, o.name) for o in queries.organizations_for_caps()
        )
    count = queries.count_seats(session)
    roster = queries.session_roster(session)
    return (
        render_template(
            "lms/enrollment/session_enrollments.html",
            session=session,
            roster=roster,
            cancellers=queries.people_by_id(e.cancelled_by_id for e in roster.cancelled),
            source_labels=SOURCE_LABELS,
            count=count,
            allocations=sorted(count.allocations.values(), key=lambda a: a.organization.name),
            enroll_form=(enroll_form or CoordinatorEnrollForm()) if staff else None,
            cap_form=cap_form,
            staff=staff,
        ),
        status,
    )


@allow(SIGNED_IN)
def session_enrollments(session_id: int):
    viewer, session = _managed_session(session_id)
    return _render_session_enrollments(session, viewer)


@allow(STAFF)
def coordinator_enroll(session_id: int):
    viewer, session = _managed_session(session_id)
    require(coordinates_session(viewer, session))
    form = CoordinatorEnrollForm()
    if form.validate_on_submit():
        person = queries.person_by_email(form.email.data)
        if person is None or not can_manage_organization(viewer, person.organization_id):
            form.email.errors.append("No one with that email among the people you manage.")
        else:
            try:
                enrollment = operations.enroll_by_coordinator(
                    session.id,
                    person,
                    viewer,
                    over_enrollment_reason=form.over_enrollment_reason.data or None,
                    prerequisite_override_reason=form.prerequisite_override_reason.data or None,
                )
            except EnrollmentError as exc:
                message = refused(exc)
                getattr(form, exc.field or "email").errors.append(message)
            else:
                placed = Placed.of(enrollment, f"{person.full_name} is")
                db_session().commit()
                flash(placed.message(), "success")
                return redirect(
                    url_for("lms.enrollment.session_enrollments", session_id=session.id)
                )
    return _render_session_enrollments(session, viewer, enroll_form=form, status=400)


@allow(STAFF)
def set_seat_cap(session_id: int):
    viewer, session = _managed_session(session_id)
    require(coordinates_session(viewer, session))
    form = SeatCapForm()
    form.organization_id.choices = select_choices(
        (o.id, o.name) for o in queries.organizations_for_caps()
    )
    if form.validate_on_submit():
        organization = db_session().get(Organization, form.organization_id.data)
        try:
            group_operations.set_seat_cap(session.id, organization, viewer, form.seat_cap.data)
        except EnrollmentError as exc:
            form.seat_cap.errors.append(refused(exc))
        else:
            db_session().commit()
            cap = form.seat_cap.data
            flash(
                f"{organization.name} may hold at most {cap} seats in this session."
                if cap is not None
                else f"{organization.name} has no cap of its own in this session.",
                "success",
            )
            return redirect(url_for("lms.enrollment.session_enrollments", session_id=session.id))
    return _render_session_enrollments(session, viewer, cap_form=form, status=400)
