"""A person's certification history as the status page shows it: read as columns.

Every cycle on every track, revoked ones included, newest first, with what earned
it (the completed course and day, or the taught course and day). One statement;
the rows are facts, not cycles: the page shows a dozen of them to each officer
who opens it, and building each cycle with its track, completion, course and
taught session was a quarter of the page's cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from ..core import read
from ..models import (
    Certification,
    CertificationSource,
    CertificationTrack,
    Completion,
    Course,
    CourseSession,
)


@dataclass(frozen=True)
class HistoryRow:
    """One cycle: its track's name, its dates and what earned it."""

    track_name: str
    cycle: int
    granted_on: date
    valid_from: date
    expires_on: date
    source: CertificationSource
    completed_course: str | None
    completed_on: date | None
    taught_course: str | None
    taught_starts_at: datetime | None
    taught_timezone: str | None
    revoked_at: datetime | None
    revoke_reason: str | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_current_on(self, day: date) -> bool:
        """As :meth:`lms.models.Certification.is_current_on`."""
        return not self.is_revoked and self.valid_from <= day < self.expires_on


@cache
def _history_statement() -> Select:
    """Built once per process; ``person_id`` is bound per call."""
    completed = aliased(Course)
    taught = aliased(CourseSession)
    taught_course = aliased(Course)
    return (
        select(
            CertificationTrack.name,
            Certification.cycle,
            Certification.granted_on,
            Certification.valid_from,
            Certification.expires_on,
            Certification.source,
            completed.code,
            Completion.completed_on,
            taught_course.code,
            taught.starts_at,
            taught.timezone,
            Certification.revoked_at,
            Certification.revoke_reason,
        )
        .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
        .outerjoin(Completion, Completion.id == Certification.completion_id)
        .outerjoin(completed, completed.id == Completion.course_id)
        .outerjoin(taught, taught.id == Certification.taught_session_id)
        .outerjoin(taught_course, taught_course.id == taught.course_id)
        .where(Certification.person_id == bindparam("person_id"))
        .order_by(Certification.granted_on.desc(), Certification.id.desc())
    )


def history_of(person_id: int) -> list[HistoryRow]:
    """Every cycle of a person on every track, revoked ones included, newest first."""
    rows = read(_history_statement(), {"person_id": person_id})
    return [HistoryRow(*row) for row in rows]
