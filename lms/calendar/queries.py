"""Reads of the calendar feature: what each feed holds, and what its ETag is made of.

This module holds the public feeds and what every feed shares (the window,
event rows); a person's own events are read in
:mod:`lms.calendar.private_queries`, their certification dates in
:mod:`lms.calendar.certification_queries`.

Every feed is one set of meeting rows chosen by SQL conditions. A request reads
its ETag's parts first, answers a revalidation with a 304 when they are
unchanged, and only then reads the rows:

- ``public_fingerprint``: one aggregate query over the public feed's meetings
  (grouped by course, so it is a few rows whatever the size of the feed) whose
  result changes whenever the feed's bytes would. It relies on time, place and
  status changes going through :func:`lms.calendar.operations.bump_revision`
  (SEQUENCE and revision rise), on rows joining or leaving the feed changing
  the count and sum of meeting ids, and on course titles read in the query.
- ``private_queries.feed_owner``: a private feed's owner and the version of their data, from
  the change log that database triggers keep (:class:`lms.models.FeedChange`):
  one indexed lookup, however many events the feed holds.
- ``*_meetings``: the rows themselves, each event's meeting, session and
  course in one query (four for a person: enrollments, re-enrollments,
  teaching, and teaching they were taken off), never one query per event.

Statements are built once per kind of feed and cached; the instants that
move (the window's edges) and the person are bind parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from flask import current_app
from sqlalchemy import (
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from ..core import db_session, department_zone, local_today, read
from ..models import (
    Audience,
    Course,
    CourseSession,
    Meeting,
    SessionStatus,
    UTCDateTime,
)
from .render import Involvement, MeetingEntry, SessionFacts

NOW = "now"
SHOWN_SINCE = "shown_since"
CANCELLED_SINCE = "cancelled_since"
PERSON = "person_id"


def instant(name: str):
    """A bind parameter holding an instant (a FeedWindow edge)."""
    return bindparam(name, type_=UTCDateTime())


@dataclass(frozen=True)
class FeedWindow:
    """Which meetings a feed shows as of ``now``.

    A meeting stays until ``history`` after it ended. A cancelled one (its
    session, or the reader's enrollment) stays, marked cancelled, until its
    end or ``cancelled_grace`` after the cancellation, whichever is later.
    Feeds take ``now`` from :func:`feed_window`: the start of the day.
    """

    now: datetime
    history: timedelta
    cancelled_grace: timedelta

    def params(self) -> dict[str, datetime]:
        return {
            NOW: self.now,
            SHOWN_SINCE: self.now - self.history,
            CANCELLED_SINCE: self.now - self.cancelled_grace,
        }


def shown(cancelled, cancelled_at):
    """SQL: the meeting row is shown, given a cancellation flag and its instant."""
    return or_(
        ~cancelled,
        Meeting.ends_at > instant(NOW),
        cancelled_at > instant(CANCELLED_SINCE),
    )


def window_conditions() -> list:
    return [
        Meeting.ends_at > instant(SHOWN_SINCE),
        shown(CourseSession.status == SessionStatus.CANCELLED, CourseSession.cancelled_at),
    ]


def feed_window(history_days: int, cancelled_days: int, today: date, zone: tzinfo) -> FeedWindow:
    """The window of ``today``, which moves once a day at midnight where the department is.

    So a feed's bytes change only with its data or the date, and a private
    feed's ETag (the owner's change log and the date) can skip reading its rows.
    """
    start = datetime.combine(today, time(), tzinfo=zone).astimezone(UTC)
    return FeedWindow(start, timedelta(days=history_days), timedelta(days=cancelled_days))


def current_window(today: date | None = None) -> FeedWindow:
    """The feeds' window as configured, on ``today`` (default: the department's today)."""
    config = current_app.config
    return feed_window(
        config["LMS_CALENDAR_HISTORY_DAYS"],
        config["LMS_CALENDAR_CANCELLED_DAYS"],
        today or local_today(),
        department_zone(),
    )


# --- the public feeds -------------------------------------------------------


@dataclass(frozen=True)
class PublicSelection:
    """Public sessions, optionally of some audiences or of one course."""

    audiences: frozenset[Audience] | None = None
    course_id: int | None = None

    @property
    def shape(self) -> tuple:
        """What the SQL statement depends on (the course id is a parameter)."""
        return (self.audiences, self.course_id is not None)

    def params(self, window: FeedWindow) -> dict:
        return {**window.params(), "course_id": self.course_id}


@lru_cache(maxsize=32)
def _public_conditions(shape: tuple) -> list:
    audiences, one_course = shape
    conditions = [CourseSession.is_public.is_(True), *window_conditions()]
    if audiences:
        conditions.append(Course.audience.in_(sorted(audiences)))
    if one_course:
        conditions.append(CourseSession.course_id == bindparam("course_id"))
    return conditions


def _numbered_meetings(session_ids):
    """Every meeting of the sessions ``session_ids`` (a subquery) with its day number
    and its session's number of meetings: one window pass, not a subquery per row."""
    return (
        select(
            Meeting.id.label("id"),
            func.row_number()
            .over(partition_by=Meeting.session_id, order_by=(Meeting.starts_at, Meeting.id))
            .label("number"),
            func.count(Meeting.id).over(partition_by=Meeting.session_id).label("count"),
        )
        .where(Meeting.session_id.in_(session_ids))
        .subquery("numbered")
    )


def _recently_met():
    """Sessions with a meeting inside the window (via ix_lms_meeting_ends_at)."""
    recent = aliased(Meeting)
    return select(recent.session_id).where(recent.ends_at > instant(SHOWN_SINCE))


#: What an event is written from. Plain rows, not ORM objects: a 1,000-event feed
#: loads three times faster, and the renderer takes value objects anyway.
_ENTRY_COLUMNS = (
    Meeting.uid,
    Meeting.starts_at,
    Meeting.ends_at,
    Meeting.location,
    Meeting.sequence,
    CourseSession.id,
    Course.code,
    Course.title,
    CourseSession.timezone,
    CourseSession.location,
    (CourseSession.status == SessionStatus.CANCELLED).label("cancelled"),
    CourseSession.cancel_reason,
    CourseSession.revised_at,
)


def entry_rows(session_ids, *extra_columns):
    """Event rows of meetings among ``session_ids`` (a subquery that bounds the numbering)."""
    numbered = _numbered_meetings(session_ids)
    return (
        select(*_ENTRY_COLUMNS, numbered.c.number, numbered.c.count, *extra_columns)
        .select_from(Meeting)
        .join(numbered, numbered.c.id == Meeting.id)
        .join(CourseSession, Meeting.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
    )


class EntryBuilder:
    """Turns entry rows into MeetingEntry values, one SessionFacts per session."""

    def __init__(self):
        self.sessions: dict[int, SessionFacts] = {}

    def __call__(
        self, row, involvement: Involvement = Involvement.PUBLIC, offset: int = 0, stamp=None
    ) -> MeetingEntry:
        (uid, starts, ends, location, sequence, session_id, code, title, tz, place, cancelled,
         reason, revised_at, number, count) = row[:15]  # fmt: skip
        facts = self.sessions.get(session_id)
        if facts is None:
            facts = self.sessions[session_id] = SessionFacts(
                session_id,
                code,
                title,
                tz,
                place or "",
                bool(cancelled),
                reason,
                revised_at,
            )
        return MeetingEntry(
            uid,
            starts,
            ends,
            location,
            sequence + offset,
            facts,
            (number, count),
            involvement,
            stamp,
        )


@lru_cache(maxsize=64)
def _public_entries_statement(shape: tuple):
    # No ORDER BY: the renderer orders events, and the planner is free to start
    # from the recent meetings (ix_lms_meeting_ends_at).
    return entry_rows(_recently_met()).where(*_public_conditions(shape))


def public_meetings(selection: PublicSelection, window: FeedWindow) -> list[MeetingEntry]:
    """The events of a public feed, in one query."""
    rows = read(_public_entries_statement(selection.shape), selection.params(window))
    build = EntryBuilder()
    return [build(row) for row in rows]


@lru_cache(maxsize=64)
def _public_fingerprint_statement(shape: tuple):
    # Code and title depend on the id (its primary key): PostgreSQL accepts them.
    return (
        select(
            Course.id,
            Course.code,
            Course.title,
            func.count(Meeting.id),
            func.sum(Meeting.id),
            func.sum(Meeting.sequence),
            func.sum(CourseSession.revision),
            func.max(CourseSession.revised_at),
            func.sum(case((CourseSession.status == SessionStatus.CANCELLED, 1), else_=0)),
        )
        .select_from(Meeting)
        .join(CourseSession, Meeting.session_id == CourseSession.id)
        .join(Course, CourseSession.course_id == Course.id)
        .where(*_public_conditions(shape))
        .group_by(Course.id)
        .order_by(Course.id)
    )


def public_fingerprint(selection: PublicSelection, window: FeedWindow) -> tuple:
    """What the public feed's bytes depend on in the database, in one small query."""
    rows = read(_public_fingerprint_statement(selection.shape), selection.params(window))
    return tuple(tuple(row) for row in rows)


def public_course(code: str) -> Course | None:
    """An active public course (a course feed is read by anonymous calendar clients)."""
    return db_session().scalar(
        select(Course).where(
            Course.code == code, Course.is_public.is_(True), Course.active.is_(True)
        )
    )


def public_courses() -> list[Course]:
    return list(
        db_session().scalars(
            select(Course)
            .where(Course.is_public.is_(True), Course.active.is_(True))
            .order_by(Course.code)
        )
    )


def fingerprint_hash(parts: Iterable) -> str:
    """A short, stable hash of fingerprint parts (reprs of numbers, text and instants)."""
    return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:40]
