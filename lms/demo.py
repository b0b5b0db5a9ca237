"""``flask lms demo``: a department that looks like the seed page.

A city police department with six school resource officers, two ALERRT
instructors and two officers working toward instructor certification; fire,
EMS and sheriff partners; a high school, an elementary school, a church and a
business; the four courses of DOMAIN.md; sessions over past and coming months.
Loaded in one transaction, and only once: a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .auth.operations import create_person
from .auth.passwords import hash_password
from .core import audit, db_session
from .credentials.operations import issue_certificates
from .models import (
    AgencyType,
    AttendanceRecord,
    Audience,
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
    RenewalBasis,
    RenewalMethod,
    Role,
    SessionGroupAllocation,
    SessionInstructor,
    SessionStatus,
    TrackRenewalPath,
)
from .status.operations import grant_for_completions

DEMO_PASSWORD = "Avoid-Deny-Defend-2026"  # noqa: S105 - published demo sign-in
DEPARTMENT_SLUG = "mpd"
EMAIL_DOMAIN = "demo.lms.test"


@dataclass
class DemoResult:
    created: bool
    sign_ins: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            "Demo data loaded." if self.created else "Demo data already present; nothing changed."
        )
        lines = [head, f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
        lines += [f"  {label:<34} {email}" for label, email in self.sign_ins]
        return "\n".join(lines)


SIGN_INS = [
    ("Administrator", f"admin@{EMAIL_DOMAIN}"),
    ("Training coordinator", f"coordinator@{EMAIL_DOMAIN}"),
    ("ALERRT instructor", f"instructor.hayes@{EMAIL_DOMAIN}"),
    ("Officer (school resource officer)", f"officer.rivera@{EMAIL_DOMAIN}"),
    ("Officer (instructor candidate)", f"officer.nguyen@{EMAIL_DOMAIN}"),
    ("School coordinator (Big Sky High)", f"coordinator@bigskyhigh.{EMAIL_DOMAIN}"),
    ("Church coordinator", f"coordinator@gracechurch.{EMAIL_DOMAIN}"),
]


def load_demo(today: date | None = None) -> DemoResult:
    """Load the demo department unless it is already there."""
    session = db_session()
    if session.scalar(select(Organization).where(Organization.slug == DEPARTMENT_SLUG)):
        return DemoResult(False, SIGN_INS)
    tz_name = current_app.config["LMS_TIMEZONE"]
    builder = _Builder(tz_name, today or datetime.now(ZoneInfo(tz_name)).date())
    try:
        builder.build()
        audit("demo.loaded", object_type="system", details={"today": builder.today.isoformat()})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return DemoResult(True, SIGN_INS)


class _Builder:
    def __init__(self, tz_name: str, today: date):
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self.today = today
        self.db = db_session()
        # One hash for every demo login: hashing each costs ~0.1 s by design.
        self.password_hash = hash_password(DEMO_PASSWORD)

    # --- helpers -----------------------------------------------------------
    def org(self, slug, name, kind, agency_type, parent=None):
        org = Organization(
            slug=slug,
            name=name,
            kind=kind,
            agency_type=agency_type,
            timezone=self.tz_name,
            parent=parent,
        )
        self.db.add(org)
        return org

    def person(self, org, name, email=None, roles=(), login=True, actor=None, **fields):
        person = create_person(
            full_name=name,
            organization=org,
            email=email,
            roles=[(role, scope) for role, scope in roles],
            actor=actor,
            **fields,
        )
        if login:
            person.password_hash = self.password_hash
            person.claimed_at = datetime.now(UTC)
        return person

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    def session(
        self,
        course,
        days_from_today,
        *,
        hours=(8, 16),
        days=1,
        capacity=12,
        location="MPD Training Center, 101 Training Way",
        public=False,
        lead=None,
        assistant=None,
    ):
        first = self.today + timedelta(days=days_from_today)
        s = CourseSession(
            course=course,
            organization=self.department,
            timezone=self.tz_name,
            location=location,
            capacity=capacity,
            is_public=public,
            status=SessionStatus.SCHEDULED,
        )
        for offset in range(days):
            day = first + timedelta(days=offset)
            s.meetings.append(
                Meeting(
                    starts_at=self.at(day, time(hours[0])), ends_at=self.at(day, time(hours[1]))
                )
            )
        if lead:
            s.instructors.append(SessionInstructor(person=lead, role=InstructorRole.LEAD))
        if assistant:
            s.instructors.append(SessionInstructor(person=assistant, role=InstructorRole.ASSISTANT))
        self.db.add(s)
        return s

    def enroll(
        self,
        session,
        person,
        status=EnrollmentStatus.ENROLLED,
        source=EnrollmentSource.SELF,
        by=None,
    ):
        e = Enrollment(
            session=session,
            person=person,
            organization=person.organization,
            status=status,
            source=source,
            enrolled_by=by,
            waitlisted_at=datetime.now(UTC) if status is EnrollmentStatus.WAITLISTED else None,
        )
        self.db.add(e)
        return e

    def complete(self, session, person):
        """A completed enrollment, with its certification cycle earned by the usual rules."""
        e = self.enroll(session, person, EnrollmentStatus.COMPLETED)
        for meeting in session.meetings:
            self.db.add(AttendanceRecord(enrollment=e, meeting=meeting, present=True))
        completion = Completion(
            enrollment=e,
            person=person,
            course=session.course,
            session=session,
            completed_on=session.meetings[-1].starts_at.astimezone(self.tz).date(),
            credit_hours=session.course.credit_hours,
            rule_key=session.course.completion_rule,
        )
        self.db.add(completion)
        self.db.flush()
        grant_for_completions(
            [completion], session.lead_instructors[0] if session.lead_instructors else None
        )
        return completion

    # --- the department ------------------------------------------------------
    def build(self) -> None:
        D = OrganizationKind.DEPARTMENT
        P = OrganizationKind.PARTNER_AGENCY
        G = OrganizationKind.COMMUNITY_GROUP
        dept = self.department = self.org(
            DEPARTMENT_SLUG, "Missoula Police Department", D, AgencyType.POLICE
        )
        fire = self.org("mfd", "Missoula Fire Department", P, AgencyType.FIRE, dept)
        ems = self.org("ems", "Missoula Emergency Medical Services", P, AgencyType.EMS, dept)
        sheriff = self.org("mcso", "Missoula County Sheriff's Office", P, AgencyType.SHERIFF, dept)
        high = self.org("bigskyhigh", "Big Sky High School", G, AgencyType.SCHOOL)
        elementary = self.org(
            "lewisandclark", "Lewis & Clark Elementary School", G, AgencyType.SCHOOL
        )
        church = self.org("gracechurch", "Grace Community Church", G, AgencyType.CHURCH)
        business = self.org("riverfront", "Riverfront Credit Union", G, AgencyType.BUSINESS)
        self.db.flush()

        mail = lambda local, org=None: f"{local}@{(org + '.') if org else ''}{EMAIL_DOMAIN}"  # noqa: E731
        self.person(
            dept,
            "Dana Whitfield",
            mail("admin"),
            [(Role.ADMIN, None)],
            job_title="Administrative Sergeant",
        )
        self.person(
            dept,
            "Lt. Marcus Bell",
            mail("coordinator"),
            [(Role.COORDINATOR, None)],
            job_title="Training Coordinator",
        )
        hayes = self.person(
            dept,
            "Sgt. Erin Hayes",
            mail("instructor.hayes"),
            [(Role.INSTRUCTOR, dept), (Role.OFFICER, dept)],
            badge_number="MPD-0412",
            job_title="ALERRT Instructor",
        )
        okafor = self.person(
            dept,
            "Cpl. James Okafor",
            mail("instructor.okafor"),
            [(Role.INSTRUCTOR, dept), (Role.OFFICER, dept)],
            badge_number="MPD-0377",
            job_title="ALERRT Instructor",
        )
        sro_names = [
            "Ofc. Sofia Rivera",
            "Ofc. Ben Clearwater",
            "Ofc. Priya Shah",
            "Ofc. Tom Lindqvist",
            "Ofc. Grace Two Feathers",
            "Ofc. Luis Ortega",
        ]
        sros = [
            self.person(
                dept,
                name,
                mail("officer." + name.split()[-1].lower().replace(" ", "")),
                [(Role.OFFICER, dept)],
                badge_number=f"MPD-05{i:02d}",
                job_title="School Resource Officer",
            )
            for i, name in enumerate(sro_names, start=10)
        ]
        candidates = [
            self.person(
                dept,
                name,
                mail("officer." + name.split()[-1].lower()),
                [(Role.OFFICER, dept)],
                badge_number=f"MPD-06{i:02d}",
                job_title="Patrol Officer",
            )
            for i, name in enumerate(["Ofc. Minh Nguyen", "Ofc. Rachel Stone"], start=1)
        ]
        patrol = [
            self.person(
                dept,
                name,
                mail("officer." + name.split()[-1].lower()),
                [(Role.OFFICER, dept)],
                badge_number=f"MPD-07{i:02d}",
                job_title="Patrol Officer",
            )
            for i, name in enumerate(
                ["Ofc. Aaron Fisk", "Ofc. Hannah Moreau", "Ofc. Caleb Wright", "Ofc. Nora Begay"],
                start=1,
            )
        ]
        partners = []
        for org, names, title in (
            (fire, ["Capt. Ruth Alvarez", "FF Daniel Kim"], "Firefighter"),
            (ems, ["Paramedic Ivy Chen", "EMT Sam Holloway"], "Paramedic"),
            (sheriff, ["Dep. Kurt Jensen", "Dep. Maria Lopez"], "Deputy Sheriff"),
        ):
            for name in names:
                partners.append(
                    self.person(
                        org,
                        name,
                        mail(name.split()[-1].lower(), org.slug),
                        [(Role.OFFICER, org)],
                        job_title=title,
                    )
                )
        group_coordinators = {}
        for org, name in (
            (high, "Janet Brooks"),
            (elementary, "Paul Okonkwo"),
            (church, "Rev. Ana Morales"),
            (business, "Kevin Tran"),
        ):
            group_coordinators[org.slug] = self.person(
                org,
                name,
                mail("coordinator", org.slug),
                [(Role.GROUP_COORDINATOR, org)],
                job_title="Safety Coordinator",
            )
        members = {}
        for org, names in (
            (high, ["Alice Gaines", "Robert Yazzie", "Megan O'Neil", "Chris Park", "Zoë Müller"]),
            (elementary, ["Linda Frost", "Mark Sutton", "Amara Diallo"]),
            (church, ["Deacon Joe Ruiz", "Helen Marsh", "Peter Novak", "Olga Ivanova"]),
            (business, ["Tasha Greene", "Victor Hale"]),
        ):
            members[org.slug] = [
                self.person(
                    org,
                    name,
                    None,
                    [(Role.PARTICIPANT, org)],
                    login=False,
                    actor=group_coordinators[org.slug],
                )
                for name in names
            ]

        # --- tracks and courses ---------------------------------------------
        alerrt = CertificationTrack(
            code="ALERRT",
            name="ALERRT active-threat response",
            validity_months=12,
            renewal_window_days=90,
            renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
            description="Annual active-shooter response certification.",
        )
        instr = CertificationTrack(
            code="ALERRT-INSTRUCTOR",
            name="ALERRT instructor",
            validity_months=36,
            renewal_window_days=180,
            renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
            qualifies_instructors=True,
            description="Qualified to lead ALERRT classes.",
        )
        self.db.add_all([alerrt, instr])
        refresher = Course(
            organization=dept,
            code="ALERRT-REFRESH",
            title="ALERRT Active-Shooter Response Refresher",
            description="Annual refresher for sworn officers: move directly to the threat and "
            "neutralize it. Scenario-based drills with the multi-jurisdictional team.",
            audience=Audience.OFFICERS,
            credit_hours=Decimal("8"),
            course_type="certification",
            completion_rule="attendance",
            certificate_layout="officer-certification",
            grants_track=alerrt,
            instructor_track=instr,
        )
        instructor_course = Course(
            organization=dept,
            code="ALERRT-INSTR",
            title="ALERRT Instructor Certification",
            description="Prepares currently certified officers to teach ALERRT classes.",
            audience=Audience.INSTRUCTORS,
            credit_hours=Decimal("24"),
            course_type="certification",
            completion_rule="attendance",
            certificate_layout="instructor-certification",
            grants_track=instr,
            instructor_track=instr,
        )
        instructor_course.prerequisites.append(CoursePrerequisite(track=alerrt))
        crase = Course(
            organization=dept,
            code="CRASE",
            title="CRASE: Avoid, Deny, Defend",
            description="Civilian Response to Active Shooter Events, for community members, "
            "churches and businesses.",
            audience=Audience.CIVILIANS,
            credit_hours=Decimal("3"),
            course_type="civilian",
            completion_rule="attendance",
            certificate_layout="civilian-attendance",
            is_public=True,
        )
        school = Course(
            organization=dept,
            code="SCHOOL-STAFF",
            title="Active-Threat Response for School Staff",
            description="Lockdown, evacuation and Avoid-Deny-Defend for teachers and school staff.",
            audience=Audience.SCHOOL_STAFF,
            credit_hours=Decimal("4"),
            course_type="civilian",
            completion_rule="attendance",
            certificate_layout="civilian-attendance",
        )
        self.db.add_all([refresher, instructor_course, crase, school])
        self.db.flush()
        self.db.add_all(
            [
                TrackRenewalPath(
                    track=alerrt, method=RenewalMethod.COMPLETE_COURSE, course=refresher
                ),
                TrackRenewalPath(
                    track=instr, method=RenewalMethod.COMPLETE_COURSE, course=instructor_course
                ),
                TrackRenewalPath(track=instr, method=RenewalMethod.TEACH_SESSION, course=refresher),
            ]
        )

        # --- history ----------------------------------------------------------
        officers = sros + candidates + patrol
        old = self.session(refresher, -400, lead=hayes, assistant=okafor, capacity=16)
        last_year = self.session(refresher, -330, lead=hayes, assistant=okafor, capacity=16)
        for s in (old, last_year):
            s.status = SessionStatus.COMPLETED
        instr_course_past = self.session(instructor_course, -700, days=3, capacity=6)
        instr_course_past.status = SessionStatus.COMPLETED
        self.db.flush()
        for person in (hayes, okafor):
            self.complete(instr_course_past, person)
        for officer in [hayes, okafor, *officers[:8]]:
            self.complete(old, officer)
        for officer in [hayes, okafor, *officers[:6]]:
            self.complete(last_year, officer)
        crase_past = self.session(
            crase,
            -60,
            hours=(18, 21),
            capacity=40,
            public=True,
            location="Grace Community Church, Fellowship Hall",
            lead=okafor,
        )
        crase_past.status = SessionStatus.COMPLETED
        school_past = self.session(
            school,
            -35,
            hours=(13, 17),
            capacity=30,
            location="Lewis & Clark Elementary School, Gym",
            lead=hayes,
        )
        school_past.status = SessionStatus.COMPLETED
        self.db.flush()
        for member in members["gracechurch"]:
            self.complete(crase_past, member)
        for member in members["lewisandclark"]:
            self.complete(school_past, member)
        self.db.flush()
        # The instructors issue certificates for last year's refresher and the classes.
        for past in (old, last_year, instr_course_past, crase_past, school_past):
            past.roster_finalized_at = past.meetings[-1].ends_at
            lead = past.lead_instructors[0] if past.lead_instructors else None
            past.roster_finalized_by_id = lead.id if lead else None
        for past, signer in ((last_year, hayes), (crase_past, okafor), (school_past, hayes)):
            issue_certificates(signer, past.id)

        # --- coming months ------------------------------------------------------
        soon = self.session(refresher, 14, lead=hayes, assistant=okafor, capacity=12)
        later = self.session(refresher, 45, lead=okafor, capacity=12)
        instructor_class = self.session(instructor_course, 35, days=2, capacity=4, lead=hayes)
        crase_next = self.session(
            crase,
            21,
            hours=(18, 21),
            capacity=30,
            public=True,
            location="Big Sky High School, Auditorium",
            lead=okafor,
        )
        school_next = self.session(
            school,
            28,
            hours=(13, 17),
            capacity=25,
            location="Big Sky High School, Library",
            lead=hayes,
        )
        full_small = self.session(
            crase,
            70,
            hours=(9, 12),
            capacity=3,
            public=True,
            location="Riverfront Credit Union, Community Room",
            lead=okafor,
        )
        self.db.flush()
        for officer in [*sros[:4], *patrol[:3]]:
            self.enroll(soon, officer)
        for partner in partners[:3]:
            self.enroll(soon, partner)
        for officer in patrol[3:] + partners[3:]:
            self.enroll(later, officer)
        for candidate in candidates:
            self.enroll(instructor_class, candidate)
        gc = group_coordinators
        self.db.add(
            SessionGroupAllocation(
                session=crase_next,
                organization=high,
                seats_reserved=8,
                seat_cap=10,
                reserved_by_id=gc["bigskyhigh"].id,
            )
        )
        for member in members["bigskyhigh"]:
            self.enroll(crase_next, member, source=EnrollmentSource.GROUP, by=gc["bigskyhigh"])
        for member in members["riverfront"]:
            self.enroll(crase_next, member, source=EnrollmentSource.GROUP, by=gc["riverfront"])
        for member in members["bigskyhigh"][:3]:
            self.enroll(school_next, member, source=EnrollmentSource.GROUP, by=gc["bigskyhigh"])
        for member in members["riverfront"] + [gc["riverfront"]]:
            self.enroll(full_small, member, source=EnrollmentSource.GROUP, by=gc["riverfront"])
        self.enroll(
            full_small,
            members["gracechurch"][0],
            EnrollmentStatus.WAITLISTED,
            source=EnrollmentSource.GROUP,
            by=gc["gracechurch"],
        )
        self.db.flush()
