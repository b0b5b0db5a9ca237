"""Renewal reminders: a daily pass that mails each person whose certification comes due.

At each of ``LMS_REMINDER_OFFSETS_DAYS`` (60, 30, 7 and 0 days by default)
before the due date of a person's latest live cycle on a track (0: the day it
expires), they get a message listing the open sessions that would renew it in
time, with links to enroll. Each (cycle, offset) is mailed once (dedupe key
``reminder:<cycle id>:<offset>``). A day the pass did not run is caught up the
next day with the reminder then due (never an older one). Nothing goes to
someone renewed (their latest cycle is another), enrolled in a coming session
of a course that renews the track, inactive, without an address, or who turned
reminders off; a revoked cycle does not count.

Queuing for a whole department uses :mod:`.bulk`: one rendering per (track,
offset, due date) and a cheap MIME builder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from ..core import db_session, local_today, public_url, to_local
from ..formatting import format_local_date
from ..models import (
    Certification,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    MailCategory,
    MailPreference,
    Meeting,
    Person,
    SessionStatus,
    utcnow,
)
from ..status.cycles import counts_on
from ..status.queries import all_tracks
from ..status.routes import TrackRoutes, track_routes
from .bulk import BulkMail, Recipient, render_group, used_keys
from .worker import scheduled

TEMPLATE = "renewal_reminder"


@dataclass(frozen=True)
class Due:
    """One reminder to send: a person's cycle at an offset."""

    person: Recipient
    cycle_id: int
    track_id: int
    expires_on: date
    offset: int

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.cycle_id}:{self.offset}"


@dataclass
class ReminderReport:
    """What a pass found and queued."""

    day: date
    due: list[Due] = field(default_factory=list)
    queued: int = 0
    routes: dict[int, TrackRoutes] = field(default_factory=dict)  # by track id


def offset_for(days_left: int, offsets: tuple[int, ...]) -> int | None:
    """The reminder due with ``days_left`` to go: the nearest offset not before it."""
    candidates = [o for o in offsets if o >= days_left]
    return min(candidates) if candidates else None


def _latest_cycles_due(day: date, horizon: int) -> list[tuple[int, Recipient, int, date]]:
    """(cycle, person, track, expiry) of each latest live cycle expiring within ``horizon``
    whose person is active, has an address and has not turned reminders off.

    One statement: the cycles expiring in the window (an index range) less those a
    later live cycle of the same person and track follows (an index probe each),
    with their people and mail preferences joined in; its cost grows with the
    people due, not with all the history.
    """
    later = aliased(Certification)
    follows = (
        select(later.id)
        .where(
            later.person_id == Certification.person_id,
            later.track_id == Certification.track_id,
            counts_on(day, later),
            or_(
                later.expires_on > Certification.expires_on,
                (later.expires_on == Certification.expires_on) & (later.id > Certification.id),
            ),
        )
        .exists()
    )
    rows = db_session().execute(
        select(
            Certification.id,
            Person.id,
            Person.full_name,
            Person.email,
            Certification.track_id,
            Certification.expires_on,
        )
        .join(Person, Person.id == Certification.person_id)
        .outerjoin(MailPreference, MailPreference.person_id == Person.id)
        .where(
            counts_on(day),
            Certification.expires_on >= day,
            Certification.expires_on <= day + timedelta(days=horizon),
            ~follows,
            Person.active.is_(True),
            Person.email.is_not(None),
            or_(MailPreference.reminders.is_(None), MailPreference.reminders.is_(True)),
        )
    )
    return [
        (cycle_id, Recipient(person_id, name, email), track_id, expires_on)
        for cycle_id, person_id, name, email, track_id, expires_on in rows
    ]


def _enrolled_courses(person_ids: set[int], course_ids: set[int]) -> set[tuple[int, int]]:
    """(person, course) of every seat held in a session of these courses not yet over."""
    if not person_ids or not course_ids:
        return set()
    now = utcnow()
    coming = select(Meeting.session_id).where(Meeting.ends_at > now).distinct().scalar_subquery()
    rows = db_session().execute(
        select(Enrollment.person_id, CourseSession.course_id)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.status == EnrollmentStatus.ENROLLED,
            CourseSession.course_id.in_(course_ids),
            CourseSession.status != SessionStatus.CANCELLED,
            CourseSession.id.in_(coming),
        )
    )
    return {(p, c) for p, c in rows if p in person_ids}


def open_sessions(course_ids: set[int]) -> list[CourseSession]:
    """Sessions of these courses not yet begun, open for registration, with a free seat."""
    if not course_ids:
        return []
    now = utcnow()
    sessions = db_session().scalars(
        select(CourseSession)
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.open_for_registration(now),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    return [s for s in sessions.unique() if s.seats_left > 0]


def find_due(day: date | None = None) -> ReminderReport:
    """The reminders due on ``day`` (default: today where the department is)."""
    day = day or local_today()
    report = ReminderReport(day)
    offsets = tuple(current_app.config["LMS_REMINDER_OFFSETS_DAYS"])
    if not offsets:
        return report
    candidates = []
    for cycle_id, person, track_id, expires_on in _latest_cycles_due(day, max(offsets)):
        offset = offset_for((expires_on - day).days, offsets)
        if offset is not None:
            candidates.append(Due(person, cycle_id, track_id, expires_on, offset))
    if not candidates:
        return report
    used = used_keys(due.dedupe_key for due in candidates)
    candidates = [due for due in candidates if due.dedupe_key not in used]
    routes = report.routes = track_routes(all_tracks())
    person_ids = {due.person.id for due in candidates}
    all_courses = set().union(*(routes[due.track_id].course_ids for due in candidates))
    enrolled = _enrolled_courses(person_ids, all_courses)
    report.due = [
        due
        for due in candidates
        if not any((due.person.id, c) in enrolled for c in routes[due.track_id].course_ids)
    ]
    return report


def _finishes_before(session: CourseSession, day: date) -> bool:
    ends = to_local(session.ends_at)
    return ends is not None and ends.date() < day


def _context(routes: TrackRoutes, sessions: list[CourseSession], due: Due, day: date) -> dict:
    in_time = sessions
    if due.offset > 0:
        in_time = [s for s in sessions if _finishes_before(s, due.expires_on)]
    return {
        "track": routes.track,
        "courses": routes.renewal_courses,
        "due_on": format_local_date(due.expires_on),
        "days_left": (due.expires_on - day).days,
        "expired": due.offset == 0,
        "sessions": [
            {"session": s, "url": public_url("lms.catalog.session_detail", session_id=s.id)}
            for s in in_time[:10]
        ],
        "status_url": public_url("lms.status.mine"),
    }


def queue_reminders(day: date | None = None) -> ReminderReport:
    """Queue every reminder due on ``day``; flushes, the caller commits."""
    report = find_due(day)
    if not report.due:
        return report
    routes = report.routes
    sessions_of = {
        track_id: open_sessions(routes[track_id].course_ids)
        for track_id in {d.track_id for d in report.due}
    }
    groups: dict[tuple[int, int, date], list[Due]] = defaultdict(list)
    for due in report.due:
        groups[(due.track_id, due.offset, due.expires_on)].append(due)
    mail = BulkMail.start(MailCategory.REMINDER)
    for (track_id, _offset, _expires_on), members in groups.items():
        rendered = render_group(
            TEMPLATE,
            _context(routes[track_id], sessions_of[track_id], members[0], report.day),
            MailCategory.REMINDER,
        )
        for due in members:
            mail.add(due.person, rendered, due.dedupe_key)
    report.queued = mail.flush()
    return report


# Hourly, so the department's day (not UTC's) decides what is due and a worker that
# was down catches up; each reminder is queued once all the same (its dedupe key).
@scheduled("reminders", crontab(minute="7"))
def reminders_job() -> int:
    """The worker's pass: queue today's reminders and commit."""
    session = db_session()
    try:
        queued = queue_reminders().queued
        session.commit()
    except Exception:
        session.rollback()
        raise
    return queued
