"""A small department with partners, groups and records, seen by each of eight roles.

The authorization matrix (``test_authorization_matrix.py``) asks every route as
each role, about an object of the role's **own** and one of **another**'s. This
module builds that world once per test and says, for every path parameter, which
object is "own" and which is "other" for each role.

The world:

- Missoula Police Department (the department) and Missoula Fire Department (a
  partner agency); two community groups, Big Sky High School (group A) and Grace
  Community Church (group B).
- Courses: ALERRT-REFRESH (the department's), CRASE (the department's, public)
  and FIRE-OPS (the fire department's).
- Four sessions, all held (begun and ended), rosters finalized, every completion
  certified: ``taught`` (a refresher the instructor leads: the officer's place),
  ``untaught`` (a refresher another instructor leads: another officer's place),
  ``crase`` (public; one member of each group) and ``fire`` (a firefighter).
- A private calendar feed token for every signed-in role, a claim link for
  each group's member (they were enrolled without a login), a booking's manage
  link for each (dead: the session is over), and a password-reset
  link for the second officer and the firefighter (who have a password).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from lms.auth import links
from lms.calendar import operations as calendar_operations
from lms.credentials import operations as credential_operations
from lms.enrollment import manage
from lms.enrollment import operations as enrollment_operations
from lms.mail.operations import Attachment, MailCategory, queue_mail
from lms.mail.preferences import unsubscribe_token
from lms.models import (
    AgencyType,
    Audience,
    Certificate,
    CourseSession,
    Enrollment,
    EnrollmentSource,
    IssuedTranscript,
    Organization,
    OutboxMessage,
    Person,
    Role,
    utcnow,
)
from lms.transcripts import operations as transcript_operations

#: The eight roles the matrix asks as, in the order of the table's columns.
ROLES = ("anon", "officer", "instr", "coord", "fire", "grp_a", "grp_b", "admin")

ROLE_NAMES = {
    "anon": "anonymous visitor",
    "officer": "officer",
    "instr": "instructor",
    "coord": "training coordinator (scoped to the police department)",
    "fire": "training coordinator scoped to the fire department",
    "grp_a": "coordinator of community group A",
    "grp_b": "coordinator of community group B",
    "admin": "administrator",
}


@dataclass
class World:
    department: Organization
    fire_department: Organization
    group_a: Organization
    group_b: Organization
    people: dict[str, Person]  # the signed-in roles (every key of ROLES but "anon")
    officer_2: Person
    firefighter: Person
    member_a: Person  # enrolled by group A, no login
    member_b: Person  # enrolled by group B, no login
    courses: dict[str, str]  # "refresher", "crase", "fire" -> course code
    sessions: dict[str, CourseSession]  # "taught", "untaught", "crase", "fire"
    enrollments: dict[str, Enrollment]  # "officer", "officer_2", "member_a", ...
    certificates: dict[str, Certificate]  # same keys as enrollments
    feed_tokens: dict[str, str] = field(default_factory=dict)  # role -> its feed token
    claim_tokens: dict[str, str] = field(default_factory=dict)  # "member_a", "member_b"
    manage_tokens: dict[str, str] = field(default_factory=dict)  # "member_a", "member_b"
    reset_tokens: dict[str, str] = field(default_factory=dict)  # "officer_2", "firefighter"
    transcripts: dict[str, IssuedTranscript] = field(default_factory=dict)  # as certificates
    track_id: int = 0  # the department's certification track (tracks are not per agency)
    #: Two messages in the outbox, each with an attachment (the Outbox is the admin's alone).
    messages: list[OutboxMessage] = field(default_factory=list)


def build_world(make) -> World:
    """Build the world through the factories and the real operations; commit it."""
    department = make.organization("Missoula Police Department", slug="mpd")
    fire_department = make.organization(
        "Missoula Fire Department", slug="mfd", agency_type=AgencyType.FIRE
    )
    group_a = make.group("Big Sky High School", slug="big-sky-high")
    group_b = make.group("Grace Community Church", slug="grace-church")

    people = {
        "officer": make.person(Role.OFFICER, organization=department, name="Ofc. Sofia Rivera"),
        "instr": make.person(
            Role.INSTRUCTOR, Role.OFFICER, organization=department, name="Sgt. Erin Hayes"
        ),
        "coord": make.person(Role.COORDINATOR, organization=department, name="Lt. Dana Cole"),
        "fire": make.person(Role.COORDINATOR, organization=fire_department, name="Capt. Ray Ortiz"),
        "grp_a": make.person(Role.GROUP_COORDINATOR, organization=group_a, name="Janet Brooks"),
        "grp_b": make.person(Role.GROUP_COORDINATOR, organization=group_b, name="Paul Marsh"),
        "admin": make.person(Role.ADMIN, organization=department, name="Chris Admin"),
    }
    other_instructor = make.person(
        Role.INSTRUCTOR, Role.OFFICER, organization=department, name="Sgt. Lee Park"
    )
    officer_2 = make.person(Role.OFFICER, organization=department, name="Ofc. Marcus Bell")
    firefighter = make.person(Role.OFFICER, organization=fire_department, name="FF Ana Ruiz")
    member_a = make.person(Role.PARTICIPANT, organization=group_a, name="Alice Gaines")
    member_b = make.person(Role.PARTICIPANT, organization=group_b, name="Helen Marsh")

    refresher = make.course(
        "ALERRT-REFRESH",
        title="ALERRT Refresher",
        organization=department,
        certificate_layout="officer-certification",
    )
    crase = make.course(
        "CRASE",
        title="CRASE: Avoid, Deny, Defend",
        organization=department,
        audience=Audience.CIVILIANS,
        is_public=True,
    )
    fire_course = make.course(
        "FIRE-OPS",
        title="Rescue Task Force Operations",
        organization=fire_department,
        certificate_layout="officer-certification",
    )

    held = date.today() - timedelta(days=10)
    sessions = {
        "taught": make.session(refresher, start=held, lead=people["instr"]),
        "untaught": make.session(refresher, start=held, lead=other_instructor),
        "crase": make.session(crase, start=held, lead=other_instructor, is_public=True),
        "fire": make.session(fire_course, start=held),
    }
    enrollments = {
        "officer": make.enrollment(sessions["taught"], people["officer"]),
        "officer_2": make.enrollment(sessions["untaught"], officer_2),
        "member_a": make.enrollment(sessions["crase"], member_a, source=EnrollmentSource.GROUP),
        "member_b": make.enrollment(sessions["crase"], member_b, source=EnrollmentSource.GROUP),
        "firefighter": make.enrollment(sessions["fire"], firefighter),
    }
    for enrollment in enrollments.values():
        make.completion(enrollment)
    signers = {
        "taught": people["instr"],
        "untaught": other_instructor,
        "crase": other_instructor,
        "fire": people["admin"],
    }
    for key, session in sessions.items():
        credential_operations.issue_certificates(signers[key], session.id)
        session.roster_finalized_at = utcnow()
        session.roster_finalized_by_id = signers[key].id
    make.db.commit()
    certificates = {
        key: make.db.scalar(select(Certificate).where(Certificate.person_id == e.person_id))
        for key, e in enrollments.items()
    }

    world = World(
        department=department,
        fire_department=fire_department,
        group_a=group_a,
        group_b=group_b,
        people=people,
        officer_2=officer_2,
        firefighter=firefighter,
        member_a=member_a,
        member_b=member_b,
        courses={"refresher": refresher.code, "crase": crase.code, "fire": fire_course.code},
        sessions=sessions,
        enrollments=enrollments,
        certificates=certificates,
    )
    world.track_id = make.track("ALERRT", name="ALERRT active-threat response").id
    for role, person in people.items():
        world.feed_tokens[role] = calendar_operations.regenerate_feed_token(person)
    world.claim_tokens["member_a"] = enrollment_operations.create_claim_token(
        member_a, people["grp_a"]
    )
    world.claim_tokens["member_b"] = enrollment_operations.create_claim_token(
        member_b, people["grp_b"]
    )
    for key in ("member_a", "member_b"):
        world.manage_tokens[key] = manage.issue_manage_link(enrollments[key])
    for key in ("officer_2", "firefighter"):
        person = getattr(world, key)
        make.set_password(person)
        world.reset_tokens[key] = links.issue_reset_link(person, people["admin"]).token
    for key, enrollment in enrollments.items():
        world.transcripts[key] = transcript_operations.issue_transcript(
            people["admin"], enrollment.person
        )
    for person in (people["officer"], firefighter):
        world.messages.append(
            queue_mail(
                person,
                "test_message",
                {"sent_by": people["admin"]},
                category=MailCategory.TRANSACTIONAL,
                attachments=[Attachment("note.txt", "text/plain; charset=utf-8", b"A note")],
            )
        )
    make.db.commit()
    return world


# --- "own" and "other", per path parameter and role -------------------------------------
#
# Each table maps a role to (own, other). "Own" is the object the role stands in a
# relation to (their place, a session they teach or coordinate, their group, their
# agency's course); "other" is the nearest object they do not. Roles for whom
# "own" means nothing (an anonymous visitor) get a public object and a private one.

#: session_id (world.sessions)
SESSION = {
    "anon": ("crase", "taught"),  # a public session / a private one
    "officer": ("taught", "untaught"),  # where they hold a place / where they don't
    "instr": ("taught", "untaught"),  # a session they lead / one another leads
    "coord": ("taught", "fire"),  # the department's session / the fire department's
    "fire": ("fire", "taught"),
    "grp_a": ("crase", "taught"),  # the class their people attend / an officers' class
    "grp_b": ("crase", "taught"),
    "admin": ("taught", "fire"),
}

#: enrollment_id (world.enrollments) and serial (world.certificates and, for the
#: transcript routes, world.transcripts: same holders)
RECORD = {
    "anon": ("officer", "officer_2"),
    "officer": ("officer", "officer_2"),  # their own / a colleague's
    "instr": ("officer", "officer_2"),  # of a session they teach / of one they don't
    "coord": ("officer", "firefighter"),  # the department's officer / a firefighter
    "fire": ("firefighter", "officer"),
    "grp_a": ("member_a", "member_b"),  # their group's member / the other group's
    "grp_b": ("member_b", "member_a"),
    "admin": ("officer", "firefighter"),
}

#: person_id ("self" is the role's own person)
PERSON = {
    "anon": ("officer", "officer_2"),
    "officer": ("self", "officer_2"),
    "instr": ("self", "officer"),
    "coord": ("officer", "firefighter"),
    "fire": ("firefighter", "officer"),
    "grp_a": ("member_a", "member_b"),
    "grp_b": ("member_b", "member_a"),
    "admin": ("officer", "firefighter"),
}

#: organization_id (path) and ?organization= (compliance reports)
ORGANIZATION = {
    "anon": ("group_a", "group_b"),
    "officer": ("department", "group_a"),  # their agency / a community group
    "instr": ("department", "group_a"),
    "coord": ("department", "fire_department"),  # the agency they coordinate / a partner
    "fire": ("fire_department", "department"),
    "grp_a": ("group_a", "group_b"),
    "grp_b": ("group_b", "group_a"),
    "admin": ("group_a", "group_b"),
}

#: code (world.courses)
COURSE = {
    "anon": ("crase", "refresher"),  # a public course / a private one
    "officer": ("refresher", "fire"),  # their department's / a partner agency's
    "instr": ("refresher", "fire"),
    "coord": ("refresher", "fire"),
    "fire": ("fire", "refresher"),
    "grp_a": ("crase", "fire"),
    "grp_b": ("crase", "fire"),
    "admin": ("refresher", "fire"),
}

#: token of a claim link (world.claim_tokens): whoever holds the link may use it
CLAIM = {role: ("member_a", "member_b") for role in ROLES} | {"grp_b": ("member_b", "member_a")}

#: token of a password-reset link (world.reset_tokens): whoever holds the link may use it
RESET = {role: ("officer_2", "firefighter") for role in ROLES}

#: the member an organization's claim link would be for
MEMBER = {
    "group_a": "member_a",
    "group_b": "member_b",
    "department": "officer",
    "fire_department": "firefighter",
}

STATIC_FILES = {"lms.static": "lms.css", "static": "lms.css"}


def _person(world: World, role: str, key: str) -> Person:
    if key == "self":
        return world.people[role]
    if key in world.people:
        return world.people[key]
    return getattr(world, key)


def _feed_token(world: World, role: str, which: int) -> str:
    """Own: the role's own feed token; other: the officer's (the officer's "other": the
    instructor's). An anonymous visitor holds the officer's link and the instructor's."""
    if role == "anon":
        return world.feed_tokens[("officer", "instr")[which]]
    if which == 0:
        return world.feed_tokens[role]
    return world.feed_tokens["instr" if role == "officer" else "officer"]


def path_values(world: World, endpoint: str, names: set[str], role: str) -> list[dict]:
    """[own values, other values] for a rule with path parameters ``names``."""
    values: list[dict] = [{}, {}]
    for which, row in enumerate(values):
        organization = getattr(world, ORGANIZATION[role][which])
        session = world.sessions[SESSION[role][which]]
        if "filename" in names:
            row["filename"] = STATIC_FILES[endpoint]
        if "token" in names:
            if endpoint == "lms.enrollment.claim":
                row["token"] = world.claim_tokens[CLAIM[role][which]]
            elif endpoint == "lms.enrollment.manage_booking":
                row["token"] = world.manage_tokens[CLAIM[role][which]]
            elif endpoint == "lms.auth.reset_password":
                row["token"] = world.reset_tokens[RESET[role][which]]
            elif endpoint == "lms.mail_preferences.unsubscribe":
                # Own: the role's own link (anon: the officer's); other: the firefighter's.
                holder = world.people.get(role, world.people["officer"])
                subscriber = holder if which == 0 else world.firefighter
                row["token"] = unsubscribe_token(subscriber, MailCategory.REMINDER)
            else:
                row["token"] = _feed_token(world, role, which)
        if "code" in names:
            row["code"] = world.courses[COURSE[role][which]]
        if "track_id" in names:
            row["track_id"] = world.track_id
        if "message_id" in names:  # an outbox message (its first part, for "number")
            row["message_id"] = world.messages[which].id
            if "number" in names:
                row["number"] = 1
        if "serial" in names:
            issued = (
                world.transcripts if endpoint.startswith("lms.transcripts.") else world.certificates
            )
            row["serial"] = issued[RECORD[role][which]].display_serial
        if "organization_id" in names:
            row["organization_id"] = organization.id
            if "session_id" in names:  # a group's page of a session: the class groups attend
                session = world.sessions["crase"]
            if "person_id" in names:  # a member of that organization
                key = MEMBER[ORGANIZATION[role][which]]
                row["person_id"] = _person(world, role, key).id
        elif "person_id" in names:
            row["person_id"] = _person(world, role, PERSON[role][which]).id
        if "session_id" in names:
            row["session_id"] = session.id
            if "meeting_id" in names:
                row["meeting_id"] = session.meetings[0].id
            if "enrollment_id" in names:  # that session's place
                places = world.enrollments.values()
                row["enrollment_id"] = next(e.id for e in places if e.session_id == session.id)
        elif "enrollment_id" in names:
            row["enrollment_id"] = world.enrollments[RECORD[role][which]].id
        missing = names - row.keys()
        assert not missing, f"no own/other value for {sorted(missing)} of {endpoint}"
    return values


def query_values(world: World, role: str) -> list[dict]:
    """[own, other] ?organization= filters of the compliance reports."""
    return [{"organization": getattr(world, key).id} for key in ORGANIZATION[role]]
