"""Who may take a place in which session, and when: the reasons a request is refused.

Each rule returns the reason shown to the person (or None when it passes), so the
session page can explain a refusal before anyone clicks, and the operations
enforce the very same rules inside the locked transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from ..formatting import format_local_date, format_local_datetime
from ..models import (
    Audience,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Organization,
    OrganizationKind,
    Person,
    Role,
    SessionStatus,
)
from ..status.queries import CertificationState, track_status

#: Courses for sworn people: officers, instructors and partner-agency staff attend.
SWORN_AUDIENCES = frozenset({Audience.OFFICERS, Audience.INSTRUCTORS})
#: Courses for the community: people of community groups attend.
COMMUNITY_AUDIENCES = frozenset({Audience.CIVILIANS, Audience.SCHOOL_STAFF})
#: The organization public registrants without an account belong to.
PUBLIC_REGISTRANTS_SLUG = "public-registrants"


def cancel_cutoff() -> timedelta:
    """How long before a session starts people can no longer cancel their own seat."""
    return timedelta(hours=float(current_app.config.get("LMS_CANCEL_CUTOFF_HOURS", 24)))


def timing_problem(session: CourseSession, now: datetime, *, staff: bool = False) -> str | None:
    """Why nobody may enroll in ``session`` right now (staff skip the registration window)."""
    zone = session.timezone
    if session.status is SessionStatus.CANCELLED:
        return "This session is cancelled."
    if session.status is SessionStatus.COMPLETED or session.roster_finalized_at is not None:
        return "This session is over; its roster is closed."
    if not session.meetings:
        return "This session has no meetings scheduled yet."
    if staff:
        if session.ends_at <= now:
            return "This session is over."
        return None
    if session.starts_at <= now:
        return "This session has already started."
    if session.registration_opens_at and now < session.registration_opens_at:
        opens = format_local_datetime(session.registration_opens_at, zone)
        return f"Registration opens {opens}."
    if session.registration_closes_at and now >= session.registration_closes_at:
        closed = format_local_datetime(session.registration_closes_at, zone)
        return f"Registration closed {closed}."
    return None


def organization_problem(organization: Organization) -> str | None:
    """Why nobody may take a new place on behalf of ``organization`` (it was deactivated)."""
    if not organization.active:
        return f"{organization.name} is inactive: it takes no new enrollments."
    return None


def is_community_member(person: Person) -> bool:
    return person.organization.kind is OrganizationKind.COMMUNITY_GROUP or bool(
        person.role_set & {Role.PARTICIPANT, Role.GROUP_COORDINATOR}
    )


def is_sworn(person: Person) -> bool:
    return person.organization.kind is OrganizationKind.PARTNER_AGENCY or bool(
        person.role_set & {Role.OFFICER, Role.INSTRUCTOR}
    )


def audience_problem(course: Course, person: Person) -> str | None:
    """Why ``person`` is not in the audience ``course`` is meant for."""
    if course.audience in SWORN_AUDIENCES and not is_sworn(person):
        return (
            f"{course.code} is for sworn officers and partner-agency staff; "
            "a training coordinator can enroll others."
        )
    if course.audience in COMMUNITY_AUDIENCES and not is_community_member(person):
        return (
            f"{course.code} is for {course.audience.label.lower()}; "
            "a training coordinator can enroll others."
        )
    return None


def group_audience_problem(course: Course) -> str | None:
    """Community groups enroll their people in community courses only."""
    if course.audience not in COMMUNITY_AUDIENCES:
        return f"{course.code} is for {course.audience.label.lower()}, not community groups."
    return None


def prerequisite_problems(course: Course, person: Person, day: date) -> list[str]:
    """The certifications ``person`` lacks to take ``course`` on ``day``."""
    problems = []
    for track in course.prerequisite_tracks:
        status = track_status(person.id, track, day)
        if status.is_current:
            continue
        if status.state is CertificationState.EXPIRED:
            held = f"{person.full_name}'s expired on {format_local_date(status.expires_on)}"
        else:
            held = f"{person.full_name} has none on record"
        problems.append(f"{course.code} requires a current {track.name} certification; {held}.")
    return problems


def staff_cancel_problem(enrollment: Enrollment, now: datetime) -> str | None:
    """Why even a training coordinator may not cancel this place now."""
    if enrollment.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
        return f"This place can no longer be cancelled: it is {enrollment.status.label.lower()}."
    ends = enrollment.session.ends_at
    if ends is not None and ends <= now:
        return "The session is over."
    return None


def self_cancel_problem(enrollment: Enrollment, now: datetime) -> str | None:
    """Why the enrolled person (or their group coordinator) may not cancel this place now."""
    if enrollment.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
        return f"This place can no longer be cancelled: it is {enrollment.status.label.lower()}."
    session = enrollment.session
    starts = session.starts_at
    if starts is not None and now >= starts:
        return "The session has already started."
    if enrollment.status is EnrollmentStatus.WAITLISTED or starts is None:
        return None  # leaving the waitlist frees no seat: allowed up to the start
    cutoff = cancel_cutoff()
    if now >= starts - cutoff:
        hours = f"{cutoff.total_seconds() / 3600:g}"
        deadline = format_local_datetime(starts - cutoff, session.timezone)
        return (
            f"Cancellations closed {deadline}, {hours} hours before the start. "
            "Ask the training coordinator."
        )
    return None
