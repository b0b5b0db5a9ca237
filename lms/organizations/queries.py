"""Reads of the organizations feature: the list with counts, one agency at a glance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..auth.policy import coordinated_organization_ids
from ..compliance import queries as compliance_queries
from ..core import db_session
from ..models import (
    AuditEvent,
    CertificationTrack,
    Organization,
    OrganizationKind,
    Person,
    Role,
    RoleAssignment,
)

#: The order the list shows the kinds in.
KIND_ORDER = (
    OrganizationKind.DEPARTMENT,
    OrganizationKind.PARTNER_AGENCY,
    OrganizationKind.COMMUNITY_GROUP,
)
#: Roles that coordinate an organization when scoped to it.
COORDINATING_ROLES = (Role.COORDINATOR, Role.GROUP_COORDINATOR)


@dataclass(frozen=True)
class OrganizationRow:
    organization: Organization
    people: int
    active_people: int


def _people_counts():
    return (
        select(
            Person.organization_id,
            func.count(Person.id).label("people"),
            func.count(case((Person.active.is_(True), Person.id))).label("active_people"),
        )
        .group_by(Person.organization_id)
        .subquery()
    )


def organizations_by_kind(viewer: Person) -> list[tuple[OrganizationKind, list[OrganizationRow]]]:
    """The organizations ``viewer`` coordinates with their people counts, by kind then name."""
    counts = _people_counts()
    query = (
        select(
            Organization,
            func.coalesce(counts.c.people, 0),
            func.coalesce(counts.c.active_people, 0),
        )
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .order_by(func.lower(Organization.name), Organization.id)
    )
    ids = coordinated_organization_ids(viewer)
    if ids is not None:
        query = query.where(Organization.id.in_(ids or {-1}))
    by_kind: dict[OrganizationKind, list[OrganizationRow]] = {kind: [] for kind in KIND_ORDER}
    for organization, people, active in db_session().execute(query):
        by_kind[organization.kind].append(OrganizationRow(organization, people, active))
    return [(kind, rows) for kind, rows in by_kind.items() if rows]


def organization_by_id(organization_id: int) -> Organization | None:
    return db_session().get(Organization, organization_id)


def people_counts(organization: Organization) -> OrganizationRow:
    """How many people the organization has, and how many of them are active."""
    people, active = (
        db_session()
        .execute(
            select(
                func.count(Person.id), func.count(case((Person.active.is_(True), Person.id)))
            ).where(Person.organization_id == organization.id)
        )
        .one()
    )
    return OrganizationRow(organization, people, active)


@dataclass(frozen=True)
class Coordinator:
    person: Person
    role: Role


def coordinators(organization: Organization) -> list[Coordinator]:
    """People whose coordinating role is scoped to ``organization``, by name."""
    rows = db_session().execute(
        select(Person, RoleAssignment.role)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(
            RoleAssignment.organization_id == organization.id,
            RoleAssignment.role.in_(COORDINATING_ROLES),
        )
        .order_by(func.lower(Person.full_name), Person.id)
    )
    return [Coordinator(person, role) for person, role in rows.unique()]


def parent_choices(organization: Organization | None) -> list[Organization]:
    """Organizations that may be chosen as a parent (the operation refuses cycles)."""
    query = select(Organization).order_by(func.lower(Organization.name))
    if organization is not None:
        query = query.where(Organization.id != organization.id)
    return list(db_session().scalars(query))


def last_status_change(organization: Organization) -> AuditEvent | None:
    """The latest deactivation or reactivation of ``organization`` (its reason in details)."""
    return db_session().scalar(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "Organization",
            AuditEvent.object_id == str(organization.id),
            AuditEvent.action.in_(["organization.deactivated", "organization.reactivated"]),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class TrackCompliance:
    track: CertificationTrack
    counts: Counter

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def compliance_summary(organization: Organization) -> list[TrackCompliance]:
    """Per track, how many of the organization's people are current, due soon, expired, never.

    Counted as the compliance report counts, so this page and that one never disagree.
    """
    return [
        TrackCompliance(summary.track, summary.totals)
        for summary in compliance_queries.compliance_summaries({organization.id})
        if summary.agencies
    ]
