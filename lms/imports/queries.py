"""Reads of the imports feature: who and what the lines of a file name.

Lookups go by the keys a whole file names at once, in chunks, never one query
per line: an HR export has thousands of lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..core import db_session
from ..models import (
    CertificationTrack,
    Course,
    Organization,
    Person,
    PriorTraining,
    RenewalMethod,
    Role,
    RoleAssignment,
    TrackRenewalPath,
)

#: Keys per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
CHUNK = 5000

#: The columns of a person an import reads and may change.
PERSON_COLUMNS = (
    Person.id,
    Person.organization_id,
    Person.full_name,
    Person.preferred_name,
    Person.email,
    Person.phone,
    Person.badge_number,
    Person.employee_number,
    Person.job_title,
    Person.unit,
    Person.active,
)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = sorted(set(values))
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _people_where(column, keys: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    for chunk in _chunks(keys):
        query = select(*PERSON_COLUMNS).where(column.in_(chunk))
        rows += [dict(r._mapping) for r in db_session().execute(query)]
    return rows


def people_by_employee_number(numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """employee number -> the person's importable columns."""
    return {r["employee_number"]: r for r in _people_where(Person.employee_number, numbers)}


def people_by_email(emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    """lower-cased email -> the person's importable columns (emails are stored lower-cased)."""
    return {r["email"]: r for r in _people_where(Person.email, emails)}


def active_people_of(organization_id: int) -> list[dict[str, Any]]:
    """The active people of one organization (those a file may leave out)."""
    return [
        dict(r._mapping)
        for r in db_session().execute(
            select(*PERSON_COLUMNS)
            .where(Person.organization_id == organization_id, Person.active.is_(True))
            .order_by(Person.full_name, Person.id)
        )
    ]


def missing_roles(role: Role, organization_of: dict[int, int]) -> list[tuple[int, int]]:
    """(person, organization) of the people who do not hold ``role`` in their organization."""
    held: set[tuple[int, int]] = set()
    for chunk in _chunks(organization_of):
        held.update(
            db_session().execute(
                select(RoleAssignment.person_id, RoleAssignment.organization_id).where(
                    RoleAssignment.person_id.in_(chunk), RoleAssignment.role == role
                )
            )
        )
    return sorted((p, o) for p, o in organization_of.items() if (p, o) not in held)


def organizations() -> list[Organization]:
    """Every organization (a department has dozens, not thousands)."""
    return list(db_session().scalars(select(Organization).order_by(Organization.name)))


def organization_by_slug(slug: str) -> Organization | None:
    return db_session().scalar(select(Organization).where(Organization.slug == slug))


def organization(organization_id: int) -> Organization | None:
    return db_session().get(Organization, organization_id)


def courses_by_code() -> dict[str, Course]:
    """Course code (case-insensitive) -> course."""
    return {c.code.casefold(): c for c in db_session().scalars(select(Course))}


def tracks_by_code() -> dict[str, CertificationTrack]:
    """Track code (case-insensitive) -> track."""
    return {t.code.casefold(): t for t in db_session().scalars(select(CertificationTrack))}


def tracks_renewed_by_completing() -> dict[int, list[CertificationTrack]]:
    """Course id -> the tracks completing it renews (their renewal paths), by track code."""
    renewed: dict[int, list[CertificationTrack]] = {}
    rows = db_session().execute(
        select(TrackRenewalPath.course_id, CertificationTrack)
        .join(CertificationTrack, CertificationTrack.id == TrackRenewalPath.track_id)
        .where(TrackRenewalPath.method == RenewalMethod.COMPLETE_COURSE)
        .order_by(CertificationTrack.code)
    )
    for course_id, track in rows:
        renewed.setdefault(course_id, []).append(track)
    return renewed


def recorded_fingerprints(person_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(person, fingerprint) of every prior-training record of these people, revoked ones too."""
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(person_ids):
        found.update(
            db_session().execute(
                select(PriorTraining.person_id, PriorTraining.fingerprint).where(
                    PriorTraining.person_id.in_(chunk)
                )
            )
        )
    return found
