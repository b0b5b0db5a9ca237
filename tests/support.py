"""Test helpers: a client that fills real forms (with their CSRF token), and factories."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import has_app_context
from flask.testing import FlaskClient

from lms.app import db
from lms.auth.passwords import hash_password
from lms.dates import add_months
from lms.models import (
    AgencyType,
    Audience,
    Certification,
    CertificationSource,
    CertificationTrack,
    Completion,
    Course,
    CoursePrerequisite,
    CourseSession,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    InstructorRole,
    Meeting,
    Organization,
    OrganizationKind,
    Person,
    Role,
    RoleAssignment,
    SessionInstructor,
)

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DENVER = ZoneInfo("America/Denver")


NONE_ATTRIBUTE_RE = re.compile(r'<[^>]*\s[\w-]+="None"[^>]*>')


class FormClient(FlaskClient):
    """Flask's test client, plus ``submit`` that posts a page's form like a browser.

    Each request runs in its own app context, as in production (its own ``g``
    and database session), and the test's session is expired afterwards so the
    test reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        outer_session = db.session() if has_app_context() else None
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer_session is not None:
            outer_session.expire_all()
        if response.mimetype == "text/html" and not response.is_streamed:
            # A Python None passed to a template as an attribute (autocomplete="None").
            printed_none = NONE_ATTRIBUTE_RE.search(response.get_data(as_text=True))
            assert printed_none is None, f"an attribute printed as None: {printed_none.group()}"
        return response

    def csrf_token(self, page_url: str) -> str:
        page = self.get(page_url)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {page_url} ({page.status_code})"
        return match.group(1)

    def submit(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        """GET ``page_url`` for its CSRF token, then POST ``data`` to ``action`` (or the page)."""
        payload = {"csrf_token": self.csrf_token(page_url), **data}
        return self.post(action or page_url, data=payload, **kwargs)


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = DENVER) -> datetime:
    """A wall-clock time in ``zone`` as the UTC instant that is stored."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


class Factory:
    """Builders that write through the app's session and flush; tests commit if needed."""

    PASSWORD = "Correct-Horse-Battery-42"
    _seq = itertools.count(1)

    def __init__(self, session):
        self.db = session
        self._password_hash = None

    def _n(self) -> int:
        return next(self._seq)

    def set_password(self, person: Person, password: str = PASSWORD) -> None:
        if password == self.PASSWORD:
            if self._password_hash is None:
                self._password_hash = hash_password(password)
            person.password_hash = self._password_hash
        else:
            person.password_hash = hash_password(password)
        self.db.commit()

    def organization(self, name=None, kind=OrganizationKind.DEPARTMENT, agency_type=None, **kw):
        n = self._n()
        agency_type = agency_type or (
            AgencyType.POLICE if kind is OrganizationKind.DEPARTMENT else AgencyType.SCHOOL
        )
        org = Organization(
            name=name or f"Organization {n}",
            slug=kw.pop("slug", f"org-{n}"),
            kind=kind,
            agency_type=agency_type,
            timezone=kw.pop("timezone", "America/Denver"),
            **kw,
        )
        self.db.add(org)
        self.db.commit()
        return org

    def group(self, name=None, **kw):
        return self.organization(name, kind=OrganizationKind.COMMUNITY_GROUP, **kw)

    def person(
        self, *roles: Role, organization=None, email=..., password=None, name=None, scope=..., **kw
    ) -> Person:
        """A person holding ``roles`` (scoped to their organization unless ``scope`` says)."""
        n = self._n()
        organization = organization or self.organization()
        person = Person(
            full_name=name or f"Person {n}",
            organization=organization,
            email=f"person{n}@example.test" if email is ... else email,
            **kw,
        )
        for role in roles:
            role_scope = (None if role is Role.ADMIN else organization) if scope is ... else scope
            person.roles.append(RoleAssignment(role=role, organization=role_scope))
        self.db.add(person)
        self.db.commit()
        if password:
            self.set_password(person, password)
        return person

    def track(self, code=None, validity_months=12, renewal_window_days=90, **kw):
        track = CertificationTrack(
            code=code or f"TRACK-{self._n()}",
            name=kw.pop("name", "Active-threat response"),
            validity_months=validity_months,
            renewal_window_days=renewal_window_days,
            due_soon_days=kw.pop("due_soon_days", renewal_window_days),
            **kw,
        )
        self.db.add(track)
        self.db.commit()
        return track

    def course(
        self, code=None, *, organization=None, audience=Audience.OFFICERS, prerequisites=(), **kw
    ) -> Course:
        course = Course(
            code=code or f"COURSE-{self._n()}",
            title=kw.pop("title", "ALERRT Active-Shooter Response Refresher"),
            organization=organization or self.organization(),
            audience=audience,
            credit_hours=kw.pop("credit_hours", Decimal("8")),
            **kw,
        )
        for track in prerequisites:
            course.prerequisites.append(CoursePrerequisite(track=track))
        self.db.add(course)
        self.db.commit()
        return course

    def session(
        self,
        course=None,
        *,
        start=None,
        days=1,
        hours=(8, 16),
        capacity=10,
        lead=None,
        assistants=(),
        **kw,
    ) -> CourseSession:
        """A session of ``days`` meetings from ``start`` (a date; default two weeks ahead)."""
        course = course or self.course()
        start = start or (datetime.now(DENVER).date() + timedelta(days=14))
        session = CourseSession(
            course=course,
            organization=kw.pop("organization", course.organization),
            timezone=kw.pop("timezone", "America/Denver"),
            location=kw.pop("location", "Training Center, Room 1"),
            capacity=capacity,
            **kw,
        )
        zone = ZoneInfo(session.timezone)
        for i in range(days):
            day = start + timedelta(days=i)
            session.meetings.append(
                Meeting(
                    starts_at=local(day, hours[0], zone=zone),
                    ends_at=local(day, hours[1], zone=zone),
                )
            )
        if lead is not None:
            session.instructors.append(SessionInstructor(person=lead, role=InstructorRole.LEAD))
        for person in assistants:
            session.instructors.append(
                SessionInstructor(person=person, role=InstructorRole.ASSISTANT)
            )
        self.db.add(session)
        self.db.commit()
        return session

    def enrollment(self, session, person, status=EnrollmentStatus.ENROLLED, **kw) -> Enrollment:
        enrollment = Enrollment(
            session=session,
            person=person,
            organization_id=kw.pop("organization_id", person.organization_id),
            status=status,
            source=kw.pop("source", EnrollmentSource.SELF),
            waitlisted_at=kw.pop(
                "waitlisted_at",
                datetime.now(UTC) if status is EnrollmentStatus.WAITLISTED else None,
            ),
            **kw,
        )
        self.db.add(enrollment)
        self.db.commit()
        return enrollment

    def completion(self, enrollment, completed_on=None, **kw) -> Completion:
        session = enrollment.session
        completion = Completion(
            enrollment=enrollment,
            person_id=enrollment.person_id,
            course_id=session.course_id,
            session_id=session.id,
            completed_on=completed_on or session.meetings[-1].starts_at.astimezone(DENVER).date(),
            credit_hours=kw.pop("credit_hours", session.course.credit_hours),
            rule_key=kw.pop("rule_key", session.course.completion_rule),
            **kw,
        )
        enrollment.status = EnrollmentStatus.COMPLETED
        self.db.add(completion)
        self.db.commit()
        return completion

    def certification(self, person, track, granted_on, expires_on=None, cycle=None, **kw):
        """A cycle on ``track`` granted on ``granted_on`` (expiry: validity months later)."""
        existing = (
            self.db.query(Certification).filter_by(person_id=person.id, track_id=track.id).count()
        )
        cert = Certification(
            person_id=person.id,
            track=track,
            cycle=cycle or existing + 1,
            granted_on=granted_on,
            valid_from=kw.pop("valid_from", granted_on),
            expires_on=expires_on or add_months(granted_on, track.validity_months),
            source=kw.pop("source", CertificationSource.IMPORTED),
            **kw,
        )
        self.db.add(cert)
        self.db.commit()
        return cert
