"""Reads of a person's private feed: who owns a token, and the events it holds.

A person's events are their enrollments (one event per meeting, the latest
enrollment in a session deciding), the sessions they teach, and the sessions
they were taken off as instructor, shown cancelled for as long as a cancelled
session is (see :class:`lms.models.InstructorRemoval`). Each kind is one query
of plain rows (:func:`lms.calendar.queries.entry_rows`), never one per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, exists, func, select, true
from sqlalchemy.orm import aliased

from ..auth.operations import token_hash
from ..core import read
from ..models import (
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    FeedChange,
    InstructorRemoval,
    Person,
    SessionInstructor,
)
from .queries import (
    PERSON,
    EntryBuilder,
    FeedWindow,
    entry_rows,
    shown,
    window_conditions,
)
from .render import Involvement, MeetingEntry

#: Feed tokens are ``secrets.token_urlsafe(32)``: 43 URL-safe characters.
TOKEN_LENGTH = 43
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_well_formed_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(char in _TOKEN_CHARS for char in token)


@dataclass(frozen=True)
class FeedOwner:
    """The active owner of a feed token, and the version of what their feed shows.

    ``changes`` and ``last_change`` are the count and highest id of the
    person's rows in the feed change log (see :class:`lms.models.FeedChange`):
    together they move on with every committed write that can change the feed.
    ``teaches`` says whether they teach a session or were ever taken off one:
    most feeds are officers', who teach nothing, and skip the two statements that
    find teaching (assigning or removing an instructor writes the change log).
    """

    person_id: int
    changes: int
    last_change: int | None
    teaches: bool = True


_FEED_OWNER = (
    select(
        Person.id,
        func.count(FeedChange.id),
        func.max(FeedChange.id),
        exists().where(SessionInstructor.person_id == Person.id)
        | exists().where(InstructorRemoval.person_id == Person.id),
    )
    .outerjoin(FeedChange, FeedChange.person_id == Person.id)
    .where(Person.calendar_token_hash == bindparam("token_hash"), Person.active.is_(True))
    .group_by(Person.id)
)


def feed_owner(token: str) -> FeedOwner | None:
    """Who owns a feed token, with their feed's version, in one indexed query.

    None if the token is unknown, revoked or malformed, or its owner deactivated.
    """
    if not is_well_formed_token(token):
        return None
    row = read(_FEED_OWNER, {"token_hash": token_hash(token)}).first()
    return FeedOwner(*row) if row is not None else None


@dataclass(frozen=True)
class PrivateSelection:
    """What a person's feed holds: their enrollments, their teaching, their dates."""

    enrolled: bool = True
    teaching: bool = True
    certifications: bool = True


def _enrollment_conditions() -> list:
    # The person's enrollments as a set of ids, so that the join reaches each one
    # through its session (SQLite, left to guess, would otherwise read all of the
    # person's enrollments again for every meeting).
    theirs = aliased(Enrollment)
    return [
        Enrollment.id.in_(select(theirs.id).where(theirs.person_id == bindparam(PERSON))),
        *window_conditions(),
        shown(Enrollment.status == EnrollmentStatus.CANCELLED, Enrollment.cancelled_at),
    ]


def _taught(query):
    """Rows of sessions the person teaches (a join, so the planner starts from them)."""
    return query.join(
        SessionInstructor,
        and_(
            SessionInstructor.session_id == CourseSession.id,
            SessionInstructor.person_id == bindparam(PERSON),
        ),
    ).where(*window_conditions())


@lru_cache(maxsize=1)
def _enrollment_statements():
    """(enrolled entries, re-enrollments)."""
    theirs = aliased(Enrollment)
    their_sessions = select(theirs.session_id).where(theirs.person_id == bindparam(PERSON))
    enrolled = (
        entry_rows(their_sessions, Enrollment.id, Enrollment.status, Enrollment.status_changed_at)
        .join(Enrollment, Enrollment.session_id == CourseSession.id)
        .where(*_enrollment_conditions())
    )
    # The person's enrollments in sessions they enrolled in more than once (cancelled,
    # then enrolled again): usually none. Counted over all of them, not only the shown.
    repeated = (
        select(Enrollment.session_id)
        .where(Enrollment.person_id == bindparam(PERSON))
        .group_by(Enrollment.session_id)
        .having(func.count(Enrollment.id) > 1)
    )
    reenrollments = (
        select(Enrollment.session_id, Enrollment.id)
        .where(Enrollment.person_id == bindparam(PERSON), Enrollment.session_id.in_(repeated))
        .order_by(Enrollment.session_id, Enrollment.id)
    )
    return enrolled, reenrollments


@lru_cache(maxsize=1)
def _teaching_statements():
    """(taught entries, entries of sessions the person was taken off and does not teach),
    each row ending with the person's removals from that session: the count, then
    (taken off only) the latest."""
    removals = (
        select(
            InstructorRemoval.session_id,
            func.count(InstructorRemoval.id).label("count"),
            func.max(InstructorRemoval.removed_at).label("latest"),
        )
        .where(InstructorRemoval.person_id == bindparam(PERSON))
        .group_by(InstructorRemoval.session_id)
        .subquery("removals")
    )
    teaching = select(SessionInstructor.session_id).where(
        SessionInstructor.person_id == bindparam(PERSON)
    )
    taught = _taught(entry_rows(teaching, func.coalesce(removals.c.count, 0))).outerjoin(
        removals, removals.c.session_id == CourseSession.id
    )
    taken_off = (
        entry_rows(select(removals.c.session_id), removals.c.count, removals.c.latest)
        .join(removals, removals.c.session_id == CourseSession.id)
        .where(
            CourseSession.id.not_in(teaching),
            *window_conditions(),
            shown(true(), removals.c.latest),  # kept as long as a cancellation is
        )
    )
    return taught, taken_off


_ENROLLMENT_INVOLVEMENT = {
    EnrollmentStatus.WAITLISTED: Involvement.WAITLISTED,
    EnrollmentStatus.CANCELLED: Involvement.WITHDRAWN,
}
# How far an enrollment has come: waitlisted, holding a seat, cancelled. Each
# earlier enrollment in the same session counts as a whole lifecycle, so the
# offset only rises (cancel and enroll again: 2, then 3 or 4).
_STAGES = {EnrollmentStatus.WAITLISTED: 0, EnrollmentStatus.CANCELLED: 2}
_LIFECYCLE = 3


def private_meetings(
    person_id: int, selection: PrivateSelection, window: FeedWindow
) -> list[MeetingEntry]:
    """The events of a person's feed in four queries, one event per meeting."""
    enrolled, reenrollments = _enrollment_statements()
    params = {**window.params(), PERSON: person_id}
    found: dict[str, tuple[int, MeetingEntry]] = {}
    build = EntryBuilder()
    if selection.enrolled:
        earlier: dict[int, int] = {}  # enrollment id -> enrollments before it, same session
        previous_session, position = None, 0
        for session_id, enrollment_id in read(reenrollments, params):
            position = position + 1 if session_id == previous_session else 0
            earlier[enrollment_id], previous_session = position, session_id
        for row in read(enrolled, params):
            enrollment_id, status, changed_at = row[-3:]
            held = found.get(row.uid)
            if held is not None and held[0] > enrollment_id:
                continue  # the latest enrollment in a session decides
            offset = _LIFECYCLE * earlier.get(enrollment_id, 0) + _STAGES.get(status, 1)
            involvement = _ENROLLMENT_INVOLVEMENT.get(status, Involvement.ENROLLED)
            found[row.uid] = (enrollment_id, build(row, involvement, offset, changed_at))
    if selection.teaching:
        _add_teaching(found, build, params)
    return [entry for _, entry in found.values()]


def _add_teaching(found: dict[str, tuple[int, MeetingEntry]], build: EntryBuilder, params) -> None:
    """Add the person's teaching to ``found`` (their enrollments' events, by UID).

    Each time someone is taken off a session's instructors and each time they
    are put back raises its events' SEQUENCE by one: taken off ``n`` times, they
    are at ``2n - 1`` while off and at ``2n`` while teaching again.
    """
    taught, taken_off = _teaching_statements()
    for row in read(taught, params):
        held = found.get(row.uid)
        offset = (held[1].sequence - row.sequence if held else 0) + 2 * row[-1]
        found[row.uid] = (0, build(row, Involvement.TEACHING, offset))
    for row in read(taken_off, params):
        count, latest = row[-2:]
        held = found.get(row.uid)
        if held is None:
            found[row.uid] = (0, build(row, Involvement.UNASSIGNED, 2 * count - 1, latest))
        else:  # also enrolled in it: that event stays, newer than the teaching one was
            bumped = held[1]._replace(sequence=held[1].sequence + 2 * count - 1)
            found[row.uid] = (held[0], bumped)


def people_with_feed_history(after: int = 0, minimum_rows: int = 2, limit: int = 1000) -> list[int]:
    """Ids above ``after`` of up to ``limit`` people with ``minimum_rows`` feed changes or more."""
    query = (
        select(FeedChange.person_id)
        .where(FeedChange.person_id > after)
        .group_by(FeedChange.person_id)
        .having(func.count(FeedChange.id) >= minimum_rows)
        .order_by(FeedChange.person_id)
        .limit(limit)
    )
    return list(read(query, {}).scalars())
