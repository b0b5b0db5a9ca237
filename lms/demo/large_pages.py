"""The main pages of the large demo, and who opens each: what benchmarks and tests ask.

Chosen the same way whatever the data's size (the fullest past refresher, the
fullest civilian class, the first group, an officer with a refresher ahead), so
a world four times larger is asked the same questions.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Certificate, CourseSession, Enrollment, Organization, Person
from .large import feed_token
from .world import mail


def _fullest(db: Session, model_filter) -> int:
    """The session with the most enrollments among those ``model_filter`` selects."""
    return db.scalar(
        select(CourseSession.id)
        .join(Enrollment, Enrollment.session_id == CourseSession.id)
        .where(model_filter)
        .group_by(CourseSession.id)
        .order_by(func.count().desc(), CourseSession.id)
        .limit(1)
    )


def main_pages(db: Session) -> dict[str, tuple[str | None, str]]:
    """Page name -> (the email of who signs in, or None for nobody; the URL)."""
    alerrt = _fullest(db, (CourseSession.course_id == 1) & (CourseSession.status == "completed"))
    crase = _fullest(db, CourseSession.course_id == 3)
    lead = db.get(CourseSession, alerrt).instructors[0].person
    serial = db.scalar(select(Certificate.serial).order_by(Certificate.id).limit(1))
    group = db.scalar(select(Organization.id).where(Organization.slug == "group-1"))
    # An officer in the same situation in either world: a refresher ahead.
    officer_id = db.scalar(
        select(func.min(Enrollment.person_id))
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            CourseSession.course_id == 1,
            CourseSession.status == "scheduled",
            Enrollment.status == "enrolled",
        )
    )
    officer = db.get(Person, officer_id)
    return {
        "officer dashboard": (officer.email, "/training/"),
        "status": (officer.email, "/training/status/"),
        "enrollments": (officer.email, "/training/my/enrollments"),
        "certificates list": (lead.email, f"/training/sessions/{alerrt}/certificates"),
        "private feed": (None, f"/training/calendar/private/{feed_token(officer.id)}.ics"),
        "group page": (mail("coordinator", "group-1"), f"/training/groups/{group}/"),
        "roster page": (lead.email, f"/training/rosters/{alerrt}"),
        "session page": (None, f"/training/sessions/{crase}"),
        "compliance": (mail("admin"), "/training/compliance/"),
        "people directory": (mail("admin"), "/training/people/"),
        "people by status": (mail("admin"), "/training/people/?track=1&state=expired"),
        "audit log": (mail("admin"), "/training/audit/"),
        "public class list": (None, "/training/sessions/"),
        "verify page": (None, f"/training/verify/{serial}"),
    }
