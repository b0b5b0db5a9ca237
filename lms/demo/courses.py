"""The demo's certification tracks, the four courses of DOMAIN.md, and their sessions.

The tracks are defined through the programs operations, as an administrator
does on the programs pages, so their history starts with their creation. The
sessions span the past two years (taught, rosters finalized, certificates
issued) and the coming months (enrollments, a group's reserved seats, a full
class with a waitlist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from ..credentials.operations import issue_certificates
from ..models import (
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
    RenewalBasis,
    SessionGroupAllocation,
    SessionInstructor,
    SessionStatus,
)
from ..programs.drafts import TrackDraft
from ..programs.operations import create_track
from ..status.operations import grant_for_completions
from .people import Cast
from .world import World

TRAINING_CENTER = "MPD Training Center, 101 Training Way"


@dataclass
class Catalog:
    """The tracks (with the drafts they were created from) and the courses."""

    alerrt: CertificationTrack
    alerrt_draft: TrackDraft
    instructor: CertificationTrack
    refresher: Course
    instructor_course: Course
    crase: Course
    school: Course


def _course(world: World, cast: Cast, code: str, title: str, **fields) -> Course:
    """A course of the department (a civilian class with an attendance certificate, unless)."""
    course = Course(
        organization=cast.department,
        code=code,
        title=title,
        **{
            "course_type": "civilian",
            "completion_rule": "attendance",
            "certificate_layout": "civilian-attendance",
            **fields,
        },
    )
    world.db.add(course)
    return course


def build_catalog(world: World, cast: Cast) -> Catalog:
    """The courses, then the tracks they earn and renew (created by the administrator)."""
    refresher = _course(
        world,
        cast,
        "ALERRT-REFRESH",
        "ALERRT Active-Shooter Response Refresher",
        description="Annual refresher for sworn officers: move directly to the threat and "
        "neutralize it. Scenario-based drills with the multi-jurisdictional team.",
        audience=Audience.OFFICERS,
        credit_hours=Decimal("8"),
        course_type="certification",
        certificate_layout="officer-certification",
    )
    instructor_course = _course(
        world,
        cast,
        "ALERRT-INSTR",
        "ALERRT Instructor Certification",
        description="Prepares currently certified officers to teach ALERRT classes.",
        audience=Audience.INSTRUCTORS,
        credit_hours=Decimal("24"),
        course_type="certification",
        certificate_layout="instructor-certification",
    )
    crase = _course(
        world,
        cast,
        "CRASE",
        "CRASE: Avoid, Deny, Defend",
        description="Civilian Response to Active Shooter Events, for community members, "
        "churches and businesses.",
        audience=Audience.CIVILIANS,
        credit_hours=Decimal("3"),
        is_public=True,
    )
    school = _course(
        world,
        cast,
        "SCHOOL-STAFF",
        "Active-Threat Response for School Staff",
        description="Lockdown, evacuation and Avoid-Deny-Defend for teachers and school staff.",
        audience=Audience.SCHOOL_STAFF,
        credit_hours=Decimal("4"),
    )
    world.db.flush()
    # The renewal window starts at 60 days, as does "due soon"; the records part of the
    # demo opens renewal earlier once (officers are still flagged at 60 days).
    alerrt_draft = TrackDraft(
        code="ALERRT",
        name="ALERRT active-threat response",
        description="Annual active-shooter response certification.",
        validity_months=12,
        renewal_window_days=60,
        due_soon_days=60,
        renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
        qualifies_instructors=False,
        completing_course_ids=[refresher.id],
    )
    alerrt = create_track(alerrt_draft, cast.admin)
    instructor = create_track(
        TrackDraft(
            code="ALERRT-INSTRUCTOR",
            name="ALERRT instructor",
            description="Qualified to lead ALERRT classes.",
            validity_months=36,
            renewal_window_days=180,
            due_soon_days=180,
            renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
            qualifies_instructors=True,
            completing_course_ids=[instructor_course.id],
            teaching_course_ids=[refresher.id],
        ),
        cast.admin,
    )
    refresher.grants_track, refresher.instructor_track = alerrt, instructor
    instructor_course.grants_track, instructor_course.instructor_track = instructor, instructor
    instructor_course.prerequisites.append(CoursePrerequisite(track=alerrt))
    world.db.flush()
    return Catalog(alerrt, alerrt_draft, instructor, refresher, instructor_course, crase, school)


# --- sessions and enrollments ---------------------------------------------------------


def _session(
    world: World,
    cast: Cast,
    course: Course,
    days_from_today: int,
    *,
    hours=(8, 16),
    days=1,
    capacity=12,
    location=TRAINING_CENTER,
    public=False,
    lead=None,
    assistant=None,
) -> CourseSession:
    """A session of ``course`` starting that many days from today (completed if in the past)."""
    first = world.today + timedelta(days=days_from_today)
    s = CourseSession(
        course=course,
        organization=cast.department,
        timezone=world.tz_name,
        location=location,
        capacity=capacity,
        is_public=public,
        status=SessionStatus.SCHEDULED if days_from_today > 0 else SessionStatus.COMPLETED,
    )
    for offset in range(days):
        day = first + timedelta(days=offset)
        s.meetings.append(
            Meeting(starts_at=world.at(day, time(hours[0])), ends_at=world.at(day, time(hours[1])))
        )
    if lead:
        s.instructors.append(SessionInstructor(person=lead, role=InstructorRole.LEAD))
    if assistant:
        s.instructors.append(SessionInstructor(person=assistant, role=InstructorRole.ASSISTANT))
    world.db.add(s)
    return s


def _enroll(
    world: World,
    session: CourseSession,
    person,
    status=EnrollmentStatus.ENROLLED,
    source=EnrollmentSource.SELF,
    by=None,
) -> Enrollment:
    e = Enrollment(
        session=session,
        person=person,
        organization=person.organization,
        status=status,
        source=source,
        enrolled_by=by,
        waitlisted_at=datetime.now(UTC) if status is EnrollmentStatus.WAITLISTED else None,
    )
    world.db.add(e)
    return e


def _complete(world: World, session: CourseSession, person) -> Completion:
    """A completed enrollment, with its certification cycle earned by the usual rules."""
    e = _enroll(world, session, person, EnrollmentStatus.COMPLETED)
    for meeting in session.meetings:
        world.db.add(AttendanceRecord(enrollment=e, meeting=meeting, present=True))
    completion = Completion(
        enrollment=e,
        person=person,
        course=session.course,
        session=session,
        completed_on=session.meetings[-1].starts_at.astimezone(world.tz).date(),
        credit_hours=session.course.credit_hours,
        rule_key=session.course.completion_rule,
    )
    world.db.add(completion)
    world.db.flush()
    leads = session.lead_instructors
    grant_for_completions([completion], leads[0] if leads else None)
    return completion


def teach_history(world: World, cast: Cast, catalog: Catalog) -> None:
    """The classes of the past two years: completed, rosters finalized, certificates issued."""
    hayes, okafor, officers = cast.hayes, cast.okafor, cast.officers
    old = _session(world, cast, catalog.refresher, -400, lead=hayes, assistant=okafor, capacity=16)
    last_year = _session(
        world, cast, catalog.refresher, -330, lead=hayes, assistant=okafor, capacity=16
    )
    instr_past = _session(world, cast, catalog.instructor_course, -700, days=3, capacity=6)
    crase_past = _session(
        world, cast, catalog.crase, -60, hours=(18, 21), capacity=40, public=True,
        location="Grace Community Church, Fellowship Hall", lead=okafor,
    )  # fmt: skip
    school_past = _session(
        world, cast, catalog.school, -35, hours=(13, 17), capacity=30,
        location="Lewis & Clark Elementary School, Gym", lead=hayes,
    )  # fmt: skip
    world.db.flush()
    for person in (hayes, okafor):
        _complete(world, instr_past, person)
    for officer in [hayes, okafor, *officers[:8]]:
        _complete(world, old, officer)
    for officer in [hayes, okafor, *officers[:6]]:
        _complete(world, last_year, officer)
    for member in cast.members["gracechurch"]:
        _complete(world, crase_past, member)
    for member in cast.members["lewisandclark"]:
        _complete(world, school_past, member)
    world.db.flush()
    # The instructors issue certificates for last year's refresher and the classes.
    for past in (old, last_year, instr_past, crase_past, school_past):
        past.roster_finalized_at = past.meetings[-1].ends_at
        lead = past.lead_instructors[0] if past.lead_instructors else None
        past.roster_finalized_by_id = lead.id if lead else None
    for past, signer in ((last_year, hayes), (crase_past, okafor), (school_past, hayes)):
        issue_certificates(signer, past.id)


def plan_coming_months(world: World, cast: Cast, catalog: Catalog) -> None:
    """Sessions of the coming months and who is enrolled in them."""
    hayes, okafor = cast.hayes, cast.okafor
    soon = _session(world, cast, catalog.refresher, 14, lead=hayes, assistant=okafor)
    later = _session(world, cast, catalog.refresher, 45, lead=okafor)
    instructor_class = _session(
        world, cast, catalog.instructor_course, 35, days=2, capacity=4, lead=hayes
    )
    crase_next = _session(
        world, cast, catalog.crase, 21, hours=(18, 21), capacity=30, public=True,
        location="Big Sky High School, Auditorium", lead=okafor,
    )  # fmt: skip
    school_next = _session(
        world, cast, catalog.school, 28, hours=(13, 17), capacity=25,
        location="Big Sky High School, Library", lead=hayes,
    )  # fmt: skip
    full_small = _session(
        world, cast, catalog.crase, 70, hours=(9, 12), capacity=3, public=True,
        location="Riverfront Credit Union, Community Room", lead=okafor,
    )  # fmt: skip
    world.db.flush()
    for officer in [*cast.sros[:4], *cast.patrol[:3]]:
        _enroll(world, soon, officer)
    for partner in cast.partners[:3]:
        _enroll(world, soon, partner)
    for officer in cast.patrol[3:] + cast.partners[3:]:
        _enroll(world, later, officer)
    for candidate in cast.candidates:
        _enroll(world, instructor_class, candidate)
    gc, members, group = cast.group_coordinators, cast.members, EnrollmentSource.GROUP
    world.db.add(
        SessionGroupAllocation(
            session=crase_next,
            organization=cast.groups["bigskyhigh"],
            seats_reserved=8,
            seat_cap=10,
            reserved_by_id=gc["bigskyhigh"].id,
        )
    )
    for member in members["bigskyhigh"]:
        _enroll(world, crase_next, member, source=group, by=gc["bigskyhigh"])
    for member in members["riverfront"]:
        _enroll(world, crase_next, member, source=group, by=gc["riverfront"])
    for member in members["bigskyhigh"][:3]:
        _enroll(world, school_next, member, source=group, by=gc["bigskyhigh"])
    for member in members["riverfront"] + [gc["riverfront"]]:
        _enroll(world, full_small, member, source=group, by=gc["riverfront"])
    _enroll(
        world,
        full_small,
        members["gracechurch"][0],
        EnrollmentStatus.WAITLISTED,
        source=group,
        by=gc["gracechurch"],
    )
    world.db.flush()
