"""A training program to test against: the ALERRT tracks, their courses and people.

Every test package of records and status builds on this; figures follow
DOMAIN.md (ALERRT valid 12 months with a 90-day window, instructor 36 months
with a 180-day window). Each step writes in one commit (a commit costs tens
of milliseconds on SQLite), so several people or enrollments are made at once.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, func, select

from lms.core import local_today
from lms.dates import add_months
from lms.models import (
    AgencyType,
    Audience,
    Certification,
    CertificationSource,
    CertificationTrack,
    Course,
    CoursePrerequisite,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Organization,
    OrganizationKind,
    Person,
    RenewalBasis,
    RenewalMethod,
    Role,
    RoleAssignment,
    TrackRenewalPath,
    utcnow,
)
from tests.support import DENVER

_names = itertools.count(1)


class Program:
    def __init__(self, make):
        self.make = make
        self.db = make.db
        self.today = local_today()
        self.department = Organization(
            name="Missoula Police Department",
            slug="mpd",
            kind=OrganizationKind.DEPARTMENT,
            agency_type=AgencyType.POLICE,
        )
        self.alerrt = CertificationTrack(
            code="ALERRT",
            name="ALERRT active-threat response",
            validity_months=12,
            renewal_window_days=90,
            due_soon_days=90,
            renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
        )
        self.instructor_track = CertificationTrack(
            code="ALERRT-INSTRUCTOR",
            name="ALERRT instructor",
            validity_months=36,
            renewal_window_days=180,
            due_soon_days=180,
            renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
            qualifies_instructors=True,
        )
        self.refresher = Course(
            code="ALERRT-REFRESH",
            title="ALERRT Active-Shooter Response Refresher",
            organization=self.department,
            audience=Audience.OFFICERS,
            credit_hours=Decimal("8"),
            course_type="certification",
            completion_rule="attendance",
            completion_params={},
            grants_track=self.alerrt,
            instructor_track=self.instructor_track,
        )
        self.instructor_course = Course(
            code="ALERRT-INSTR",
            title="ALERRT Instructor Certification",
            organization=self.department,
            audience=Audience.INSTRUCTORS,
            credit_hours=Decimal("24"),
            course_type="certification",
            completion_rule="teach_back",
            completion_params={"pass_score": 85},
            grants_track=self.instructor_track,
            instructor_track=self.instructor_track,
            prerequisites=[CoursePrerequisite(track=self.alerrt)],
        )
        self.crase = Course(
            code="CRASE",
            title="CRASE: Avoid, Deny, Defend",
            organization=self.department,
            audience=Audience.CIVILIANS,
            credit_hours=Decimal("3"),
            course_type="civilian",
            completion_rule="attendance",
            is_public=True,
        )
        self.db.add_all(
            [
                self.department,
                self.refresher,
                self.instructor_course,
                self.crase,
                TrackRenewalPath(
                    track=self.alerrt, method=RenewalMethod.COMPLETE_COURSE, course=self.refresher
                ),
                TrackRenewalPath(
                    track=self.instructor_track,
                    method=RenewalMethod.COMPLETE_COURSE,
                    course=self.instructor_course,
                ),
                TrackRenewalPath(
                    track=self.instructor_track,
                    method=RenewalMethod.TEACH_SESSION,
                    course=self.refresher,
                ),
            ]
        )
        self.db.commit()

    # --- people -------------------------------------------------------------------
    def _person(self, name, organization, roles, scope=..., **fields) -> Person:
        n = next(_names)
        organization = organization or self.department
        person = Person(
            full_name=name or f"Officer {n}",
            organization=organization,
            email=fields.pop("email", f"program.person{n}@example.test"),
            **fields,
        )
        for role in roles:
            person.roles.append(
                RoleAssignment(role=role, organization=organization if scope is ... else scope)
            )
        self.db.add(person)
        return person

    def officers(self, *names, organization=None, **fields) -> list[Person]:
        """Officers of ``organization`` (default the department), in one commit."""
        people = [self._person(n, organization, [Role.OFFICER], **fields) for n in names]
        self.db.commit()
        return people

    def officer(self, name=None, organization=None, **fields) -> Person:
        (person,) = self.officers(name, organization=organization, **fields)
        return person

    def instructor(self, name=None, *, qualified_until=None, organization=None) -> Person:
        """An instructor whose instructor certification expires on ``qualified_until``.

        Default: qualified for two more years (well outside the renewal window);
        ``qualified_until=False``: never certified.
        """
        person = self._person(name, organization, [Role.INSTRUCTOR, Role.OFFICER])
        if qualified_until is not False:
            self.db.flush()
            self._cycle(
                person, self.instructor_track, qualified_until or self.today + timedelta(730)
            )
        self.db.commit()
        return person

    def coordinator(self, organization=None, *, scoped=False, **fields) -> Person:
        """A training coordinator: of every agency, or only of ``organization`` when scoped."""
        organization = organization or self.department
        person = self._person(
            fields.pop("name", None),
            organization,
            [Role.COORDINATOR],
            scope=organization if scoped else None,
            **fields,
        )
        self.db.commit()
        return person

    def _cycle(self, person, track, expires_on, granted_on=None) -> Certification:
        taken = self.db.scalar(
            select(func.count(Certification.id)).where(
                Certification.person_id == person.id, Certification.track_id == track.id
            )
        )
        granted_on = granted_on or add_months(expires_on, -track.validity_months)
        cycle = Certification(
            person_id=person.id,
            track=track,
            cycle=taken + 1,
            granted_on=granted_on,
            valid_from=granted_on,
            expires_on=expires_on,
            source=CertificationSource.IMPORTED,
            created_at=utcnow(),
        )
        self.db.add(cycle)
        self.db.flush()
        return cycle

    def certify(self, person, track, *, expires_on, granted_on=None) -> Certification:
        """A cycle on ``track`` that expires on ``expires_on`` (granted one validity earlier)."""
        cycle = self._cycle(person, track, expires_on, granted_on)
        self.db.commit()
        return cycle

    def certify_all(self, cycles) -> None:
        """Cycles from (person, track, expires_on) triples, in one commit."""
        for person, track, expires_on in cycles:
            self._cycle(person, track, expires_on)
        self.db.commit()

    # --- sessions -----------------------------------------------------------------
    def past_session(self, course=None, *, days_ago=2, days=1, lead=None, assistants=(), **kw):
        """A session that began ``days_ago`` days ago (its meetings have all begun)."""
        assert days_ago >= days, "every meeting must have begun"
        return self.make.session(
            course or self.refresher,
            start=self.today - timedelta(days=days_ago),
            days=days,
            lead=lead,
            assistants=assistants,
            **kw,
        )

    def future_session(self, course=None, *, in_days=14, **kw):
        return self.make.session(
            course or self.refresher, start=self.today + timedelta(days=in_days), **kw
        )

    def enroll(self, session, *people, status=EnrollmentStatus.ENROLLED) -> list[Enrollment]:
        """Enrollments of ``people`` in ``session``, in one commit."""
        enrollments = [
            Enrollment(
                session=session,
                person=person,
                organization_id=person.organization_id,
                status=status,
                source=EnrollmentSource.SELF,
                waitlisted_at=utcnow() if status is EnrollmentStatus.WAITLISTED else None,
            )
            for person in people
        ]
        self.db.add_all(enrollments)
        self.db.commit()
        return enrollments


def last_day(session) -> date:
    """The session's completion day: its last meeting's date in the department's zone."""
    return session.meetings[-1].starts_at.astimezone(DENVER).date()


@contextmanager
def counting_queries(engine):
    """Collect every SQL statement sent through ``engine`` inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
