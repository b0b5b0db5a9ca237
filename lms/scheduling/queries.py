"""Reads of the scheduling feature: courses, tracks, instructors, sessions to manage."""

from __future__ import annotations

from sqlalchemy import exists, select

from ..core import db_session
from ..models import (
    AttendanceRecord,
    CertificationTrack,
    Course,
    CourseSession,
    Meeting,
    Person,
    Role,
    RoleAssignment,
    SessionStatus,
    utcnow,
)


def all_courses() -> list[Course]:
    """Every course, retired ones included, by code."""
    return list(db_session().scalars(select(Course).order_by(Course.active.desc(), Course.code)))


def course_by_code(code: str) -> Course | None:
    return db_session().scalar(select(Course).where(Course.code == code))


def course_code_taken(code: str, except_id: int | None = None) -> bool:
    query = select(Course.id).where(Course.code == code)
    if except_id is not None:
        query = query.where(Course.id != except_id)
    return db_session().scalar(query) is not None


def tracks() -> list[CertificationTrack]:
    return list(db_session().scalars(select(CertificationTrack).order_by(CertificationTrack.name)))


def instructors() -> list[Person]:
    """Active people holding the instructor role, by name."""
    return list(
        db_session().scalars(
            select(Person)
            .where(
                Person.active.is_(True),
                exists().where(
                    RoleAssignment.person_id == Person.id, RoleAssignment.role == Role.INSTRUCTOR
                ),
            )
            .order_by(Person.full_name)
        )
    )


def coming_scheduled_sessions(course: Course) -> list[CourseSession]:
    """Sessions of ``course`` still to run and not cancelled."""
    now = utcnow()
    sessions = db_session().scalars(
        select(CourseSession).where(
            CourseSession.course_id == course.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            exists().where(Meeting.session_id == CourseSession.id, Meeting.ends_at > now),
        )
    )
    return sorted(sessions.unique(), key=lambda s: s.starts_at or now)


def meetings_with_attendance(meeting_ids) -> set[int]:
    meeting_ids = set(meeting_ids)
    if not meeting_ids:
        return set()
    return set(
        db_session().scalars(
            select(AttendanceRecord.meeting_id)
            .where(AttendanceRecord.meeting_id.in_(meeting_ids))
            .distinct()
        )
    )
