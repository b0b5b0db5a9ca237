"""Reads of the catalog: courses and scheduled sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, exists, select

from ..auth.policy import can_see_hidden_courses
from ..core import db_session
from ..models import SESSION_LISTING, Course, CourseSession, Meeting, Person, SessionStatus, utcnow
from ..paging import Page, page_of

#: Coming sessions a page of the lists: a statewide program has hundreds.
SESSIONS_A_PAGE = 25


def visible_courses(viewer: Person | None) -> list[Course]:
    """Active courses: all for signed-in people, public ones for everyone else."""
    query = select(Course).where(Course.active.is_(True)).order_by(Course.code)
    if viewer is None:
        query = query.where(Course.is_public.is_(True))
    return list(db_session().scalars(query))


def course_by_code(code: str, viewer: Person | None) -> Course | None:
    course = db_session().scalar(select(Course).where(Course.code == code))
    if course is None or (viewer is None and not course.is_public):
        return None
    if not course.active and not can_see_hidden_courses(viewer):
        return None
    return course


def _session_query(viewer: Person | None) -> Select:
    query = select(CourseSession).join(CourseSession.course)
    if viewer is None:
        query = query.where(CourseSession.is_public.is_(True))
    return query


def _upcoming(
    viewer: Person | None,
    course: Course | None,
    after: datetime | None,
    include_cancelled: bool,
) -> Select:
    """Sessions whose last meeting has not ended, soonest first."""
    after = after or utcnow()
    has_future_meeting = exists().where(
        Meeting.session_id == CourseSession.id, Meeting.ends_at > after
    )
    first_start = (
        select(Meeting.starts_at)
        .where(Meeting.session_id == CourseSession.id)
        .order_by(Meeting.starts_at)
        .limit(1)
        .correlate(CourseSession)
        .scalar_subquery()
    )
    query = _session_query(viewer).where(has_future_meeting).order_by(first_start, CourseSession.id)
    if not include_cancelled:
        query = query.where(CourseSession.status != SessionStatus.CANCELLED)
    if course is not None:
        query = query.where(CourseSession.course_id == course.id)
    return query


def _listed(query: Select) -> list[CourseSession]:
    return list(db_session().scalars(query.options(*SESSION_LISTING)).unique())


def upcoming_sessions(
    viewer: Person | None,
    course: Course | None = None,
    *,
    after: datetime | None = None,
    include_cancelled: bool = False,
    limit: int | None = None,
) -> list[CourseSession]:
    """Sessions whose last meeting has not ended, soonest first."""
    query = _upcoming(viewer, course, after, include_cancelled)
    return _listed(query.limit(limit) if limit else query)


def upcoming_page(
    viewer: Person | None, number: int, *, include_cancelled: bool = False
) -> Page[CourseSession]:
    """One page (``SESSIONS_A_PAGE``) of :func:`upcoming_sessions`."""
    query = _upcoming(viewer, None, None, include_cancelled)
    return page_of(query, number, SESSIONS_A_PAGE, _listed)


def session_by_id(
    session_id: int, viewer: Person | None, options: Sequence = ()
) -> CourseSession | None:
    """The session ``viewer`` may see in the catalog; ``options``: its loader options
    (a form that reads neither its instructors nor its course's prerequisites skips them)."""
    session = db_session().get(CourseSession, session_id, options=options)
    if session is None or (viewer is None and not session.is_public):
        return None
    return session
