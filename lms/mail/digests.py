"""The coordinators' weekly digest and the lead instructor's roster reminder.

- On ``LMS_DIGEST_WEEKDAY`` (the department's day), each training coordinator
  (a partner agency's too: the scope of their role decides what they see) gets
  who in their scope is due soon, who expired, and the rosters waiting to be
  finalized. Once per coordinator and day (dedupe key ``digest:<person>:<date>``).
- Two days after a session's last meeting, a roster still not finalized: its
  lead instructors get one reminder (``roster:<session>:<person>``). Sessions
  that ended more than :data:`ROSTER_LOOKBACK` ago are left alone (no flood of
  old sessions the first time this runs).

Both run in the worker's hourly ``digests`` job; each message goes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import func, select

from ..auth.policy import coordinated_organization_ids, coordinates_session
from ..config import WEEKDAYS
from ..core import db_session, local_today, public_url
from ..models import (
    CourseSession,
    MailCategory,
    Meeting,
    Person,
    Role,
    RoleAssignment,
    SessionStatus,
    utcnow,
)
from ..status.population import Standing, population_standings
from ..status.queries import CertificationState, all_tracks
from .operations import queue_mail
from .worker import scheduled

#: A roster reminder goes two days after the last meeting ...
ROSTER_GRACE = timedelta(days=2)
#: ... for sessions that ended at most this long ago.
ROSTER_LOOKBACK = timedelta(days=30)
#: People listed per part of a digest (the page has the rest).
DIGEST_LIMIT = 50


@dataclass(frozen=True)
class Digest:
    """What one coordinator's digest says."""

    due_soon: list[Standing]
    expired: list[Standing]
    rosters: list[CourseSession]

    @property
    def is_empty(self) -> bool:
        return not (self.due_soon or self.expired or self.rosters)


def unfinalized_rosters(ended_after=None, ended_before=None) -> list[CourseSession]:
    """Sessions over (every meeting ended), not cancelled, whose roster is not finalized."""
    last_end = (
        select(Meeting.session_id, func.max(Meeting.ends_at).label("ends_at"))
        .group_by(Meeting.session_id)
        .subquery()
    )
    query = (
        select(CourseSession)
        .join(last_end, last_end.c.session_id == CourseSession.id)
        .where(
            CourseSession.status != SessionStatus.CANCELLED,
            CourseSession.roster_finalized_at.is_(None),
            last_end.c.ends_at < (ended_before or utcnow()),
        )
        .order_by(last_end.c.ends_at, CourseSession.id)
    )
    if ended_after is not None:
        query = query.where(last_end.c.ends_at >= ended_after)
    return list(db_session().scalars(query).unique())


def coordinators() -> list[Person]:
    """Active training coordinators (of the department or a partner agency) with an address."""
    return list(
        db_session()
        .scalars(
            select(Person)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(
                RoleAssignment.role == Role.COORDINATOR,
                Person.active.is_(True),
                Person.email.is_not(None),
            )
            .order_by(Person.id)
        )
        .unique()
    )


def digest_for(person: Person, day: date, rosters: list[CourseSession]) -> Digest:
    """``person``'s digest: their scope's standings and rosters."""
    standings = population_standings(all_tracks(), day, coordinated_organization_ids(person))
    return Digest(
        due_soon=[s for s in standings if s.state is CertificationState.DUE_SOON],
        expired=[s for s in standings if s.state is CertificationState.EXPIRED],
        rosters=[s for s in rosters if coordinates_session(person, s)],
    )


def queue_digests(day: date | None = None) -> int:
    """On the digest weekday, queue each coordinator's digest (once); how many were queued."""
    day = day or local_today()
    if WEEKDAYS[day.weekday()] != current_app.config["LMS_DIGEST_WEEKDAY"]:
        return 0
    rosters = unfinalized_rosters()
    queued = 0
    for person in coordinators():
        digest = digest_for(person, day, rosters)
        context = {
            "day": day,
            "due_soon": digest.due_soon[:DIGEST_LIMIT],
            "due_soon_count": len(digest.due_soon),
            "expired": digest.expired[:DIGEST_LIMIT],
            "expired_count": len(digest.expired),
            "rosters": [
                (s, public_url("lms.rosters.roster", session_id=s.id)) for s in digest.rosters
            ],
            "compliance_url": public_url("lms.compliance.overview"),
        }
        message = queue_mail(
            person,
            "weekly_digest",
            context,
            category=MailCategory.DIGEST,
            dedupe_key=f"digest:{person.id}:{day.isoformat()}",
        )
        queued += message is not None
    return queued


def queue_roster_reminders() -> int:
    """Remind each lead instructor of a roster left open two days after the last meeting."""
    now = utcnow()
    queued = 0
    for session in unfinalized_rosters(now - ROSTER_LOOKBACK, now - ROSTER_GRACE):
        for lead in session.lead_instructors:
            message = queue_mail(
                lead,
                "roster_reminder",
                {
                    "session": session,
                    "roster_url": public_url("lms.rosters.roster", session_id=session.id),
                },
                category=MailCategory.REMINDER,
                dedupe_key=f"roster:{session.id}:{lead.id}",
            )
            queued += message is not None
    return queued


@scheduled("digests", crontab(minute="17"))
def digests_job() -> int:
    """The worker's hourly pass: this week's digests and the overdue rosters; commits."""
    session = db_session()
    try:
        queued = queue_digests() + queue_roster_reminders()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return queued
