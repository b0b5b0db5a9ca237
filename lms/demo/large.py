"""``flask lms demo --size large``: a statewide program's five years, in bulk.

A regional training center (the department) and its partner agencies, their
officers and instructors, community groups and their participants, the four
courses of the small demo, five years of sessions with enrollments, attendance,
completions, certification cycles and signed certificates, and the audit trail
such a program writes: :class:`Shape` says how many of each; ``--scale`` shrinks
(or grows) every count alike, so tests build a small world of the same shape.

Rows go in through :mod:`.bulk` (PostgreSQL ``COPY``), not the ORM: about
1.4 million rows in well under three minutes. Every account signs in with the
demo password; officer ``n`` is ``officer.n@demo.lms.test`` and their private
calendar feed answers at :func:`feed_token` ``(n)``.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from itertools import chain

from sqlalchemy import func, select

from ..auth.operations import token_hash
from ..credentials.keys import SigningKey
from ..models import Person
from . import bulk, large_history
from .world import DEMO_PASSWORD, mail

__all__ = ["DEMO_PASSWORD", "Shape", "feed_token", "load_large", "officer_email"]

DEPARTMENT_ID = 1
ADMIN_ID, COORDINATOR_ID = 1, 2
#: ids of people: the two staff, then instructors, officers, group coordinators, participants.
FIRST_INSTRUCTOR = 3
TRACKS = (
    # id, code, name, validity months, window days, qualifies instructors
    (1, "ALERRT", "ALERRT active-threat response", 12, 90, False),
    (2, "ALERRT-INSTR", "ALERRT instructor", 36, 180, True),
)
COURSES = (
    # id, code, title, audience, hours, grants track, instructor track, public, layout
    (1, "ALERRT-REFRESH", "ALERRT active-shooter response refresher", "officers", 8, 1, 2,
     False, "officer-certification"),
    (2, "ALERRT-INSTR", "ALERRT instructor certification", "instructors", 40, 2, 2,
     False, "instructor-certification"),
    (3, "CRASE", "Civilian Response to Active Shooter Events: Avoid, Deny, Defend",
     "civilians", 3, None, 2, True, "civilian-attendance"),
    (4, "SCHOOL-STAFF", "Active-threat response for school staff", "school_staff", 4, None, 2,
     False, "civilian-attendance"),
)  # fmt: skip
GROUP_KINDS = ("school", "church", "business", "civic")


@dataclass(frozen=True)
class Shape:
    """How many of each: the issue's statewide program at scale 1."""

    agencies: int = 50
    officers: int = 10_000
    instructors: int = 300
    groups: int = 200
    participants: int = 20_000
    sessions: int = 6_000
    enrollments: int = 150_000
    audit_events: int = 1_000_000
    years: int = 5

    def scaled(self, factor: float) -> Shape:
        """Every count times ``factor`` (at least 2, so every kind exists); years kept."""
        if factor <= 0:
            raise ValueError("the scale must be a positive number")
        counts = {
            f.name: max(2, round(getattr(self, f.name) * factor))
            for f in fields(self)
            if f.name != "years"
        }
        return Shape(**counts, years=self.years)


def officer_email(n: int) -> str:
    """The sign-in of the ``n``-th officer (from 1)."""
    return mail(f"officer.{n}")


def feed_token(person_id: int) -> str:
    """The private calendar feed token the generator gave a person (a published demo value)."""
    digest = hashlib.sha256(f"lms-large-demo-feed:{person_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class Cast:
    """Who the world holds, by id range (ids are given, not drawn from sequences)."""

    shape: Shape
    instructors: range
    officers: range
    coordinators: range
    participants: range
    officer_agency: dict[int, int]
    participant_group: dict[int, int]
    school_groups: list[int]

    def group_ids(self) -> range:
        return range(self.shape.agencies + 1, self.shape.agencies + self.shape.groups + 1)


def _organizations(shape: Shape, now: datetime) -> list[dict]:
    rows = [
        {
            "id": DEPARTMENT_ID,
            "name": "Big Sky Regional Training Center",
            "slug": "bsrtc",
            "kind": "department",
            "agency_type": "police",
        }
    ]
    for n in range(2, shape.agencies + 1):
        kind = ("police", "sheriff", "fire", "ems")[n % 4]
        rows.append(
            {
                "id": n,
                "name": f"Agency {n:02d} {kind.capitalize()}",
                "slug": f"agency-{n}",
                "kind": "partner_agency",
                "agency_type": kind,
            }
        )
    for n in range(1, shape.groups + 1):
        kind = GROUP_KINDS[n % len(GROUP_KINDS)]
        rows.append(
            {
                "id": shape.agencies + n,
                "name": f"{kind.capitalize()} group {n:03d}",
                "slug": f"group-{n}",
                "kind": "community_group",
                "agency_type": kind,
            }
        )
    for row in rows:
        row.update(timezone="America/Denver", active=True, created_at=now)
    return rows


def _people(shape: Shape, rng: random.Random, now: datetime, password_hash: str):
    """People and their roles; returns (people rows, role rows, cast)."""
    instructors = range(FIRST_INSTRUCTOR, FIRST_INSTRUCTOR + shape.instructors)
    officers = range(instructors.stop, instructors.stop + shape.officers)
    coordinators = range(officers.stop, officers.stop + shape.groups)
    participants = range(coordinators.stop, coordinators.stop + shape.participants)
    groups = range(shape.agencies + 1, shape.agencies + shape.groups + 1)
    people, roles = [], []

    def person(pid, org, name, email=None, signs_in=False, badge=None):
        people.append(
            {
                "id": pid,
                "organization_id": org,
                "full_name": name,
                "email": email,
                "badge_number": badge,
                "password_hash": password_hash if signs_in else None,
                "calendar_token_hash": token_hash(feed_token(pid)) if signs_in else None,
                "active": True,
                "created_at": now,
            }
        )

    def role(pid, name, org=None):
        roles.append({"person_id": pid, "role": name, "organization_id": org, "granted_at": now})

    person(ADMIN_ID, DEPARTMENT_ID, "Avery Admin", mail("admin"), True)
    role(ADMIN_ID, "admin")
    person(COORDINATOR_ID, DEPARTMENT_ID, "Casey Coordinator", mail("coordinator"), True)
    role(COORDINATOR_ID, "coordinator")
    for n, pid in enumerate(instructors, start=1):
        person(pid, DEPARTMENT_ID, f"Instructor {n:03d}", mail(f"instructor.{n}"), True, f"I{n}")
        role(pid, "officer", DEPARTMENT_ID)
        role(pid, "instructor", DEPARTMENT_ID)
    officer_agency = {}
    for n, pid in enumerate(officers, start=1):
        agency = 1 + (n % shape.agencies)
        officer_agency[pid] = agency
        person(pid, agency, f"Officer {n:05d}", officer_email(n), True, f"B{n:05d}")
        role(pid, "officer", agency)
    for n, pid in enumerate(coordinators):
        group = groups[n]
        person(pid, group, f"Coordinator {n + 1:03d}", mail("coordinator", f"group-{n + 1}"), True)
        role(pid, "group_coordinator", group)
    participant_group = {}
    for n, pid in enumerate(participants, start=1):
        group = rng.choice(groups)
        participant_group[pid] = group
        person(pid, group, f"Participant {n:05d}")
        role(pid, "participant", group)
    school_groups = [g for g in groups if GROUP_KINDS[(g - shape.agencies) % 4] == "school"]
    cast = Cast(
        shape, instructors, officers, coordinators, participants,
        officer_agency, participant_group, school_groups,
    )  # fmt: skip
    return people, roles, cast


def _catalog(now: datetime) -> dict[str, list[dict]]:
    tracks = [
        {
            "id": tid,
            "code": code,
            "name": name,
            "description": "",
            "validity_months": months,
            "renewal_window_days": window,
            "due_soon_days": window,
            "renewal_basis": "completion",
            "qualifies_instructors": qualifies,
        }
        for tid, code, name, months, window, qualifies in TRACKS
    ]
    courses = [
        {
            "id": cid,
            "organization_id": DEPARTMENT_ID,
            "code": code,
            "title": title,
            "description": "",
            "audience": audience,
            "credit_hours": hours,
            "course_type": "certification" if grants else "awareness",
            "completion_rule": "attendance",
            "completion_params": {},
            "certificate_layout": layout,
            "grants_track_id": grants,
            "instructor_track_id": teach,
            "is_public": public,
            "active": True,
            "created_at": now,
        }
        for cid, code, title, audience, hours, grants, teach, public, layout in COURSES
    ]
    return {
        "lms_certification_track": tracks,
        "lms_course": courses,
        "lms_course_prerequisite": [{"course_id": 2, "track_id": 1}],
    }


def load_large(
    engine,
    password_hash: str,
    signer: SigningKey,
    today: date,
    shape: Shape | None = None,
    seed: int = 15,
) -> dict[str, int]:
    """Build the large world into an empty, migrated database; returns rows per table.

    ``password_hash`` is the demo password hashed once (every account shares it),
    ``signer`` the key certificates are signed with, ``today`` the department's
    day the five years end on; ``shape`` the counts (:class:`Shape`'s defaults when None).
    """
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Person.__table__)):
            raise ValueError("the database already holds people; the large demo needs an empty one")
    shape = shape or Shape()
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    tables: dict[str, list[dict]] = {"lms_organization": _organizations(shape, now)}
    people, roles, cast = _people(shape, rng, now, password_hash)
    tables["lms_person"], tables["lms_role_assignment"] = people, roles
    tables.update(_catalog(now))
    history = large_history.build(cast, rng, today, now, COURSES, signer)
    counts = {}
    with engine.begin() as conn:
        for name, rows in chain(tables.items(), history):
            counts[name] = bulk.load(conn, name, rows)
        bulk.advance_sequences(conn)
    bulk.analyze(engine)
    return counts
