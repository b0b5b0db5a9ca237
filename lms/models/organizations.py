"""Organizations: the department, partner agencies and community groups."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow


class OrganizationKind(enum.StrEnum):
    """What part an organization plays in the program."""

    DEPARTMENT = "department"
    PARTNER_AGENCY = "partner_agency"
    COMMUNITY_GROUP = "community_group"

    @property
    def label(self) -> str:
        return {
            OrganizationKind.DEPARTMENT: "Department",
            OrganizationKind.PARTNER_AGENCY: "Partner agency",
            OrganizationKind.COMMUNITY_GROUP: "Community group",
        }[self]


class AgencyType(enum.StrEnum):
    """The line of work of an organization, used in compliance reports."""

    POLICE = "police"
    SHERIFF = "sheriff"
    FIRE = "fire"
    EMS = "ems"
    SCHOOL = "school"
    CHURCH = "church"
    BUSINESS = "business"
    CIVIC = "civic"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {AgencyType.EMS: "EMS"}.get(self, self.value.capitalize())


class Organization(Base):
    """An agency or group whose people train; records are kept per organization."""

    __tablename__ = "lms_organization"
    __table_args__ = (
        CheckConstraint(
            "default_seat_cap IS NULL OR default_seat_cap >= 0",
            name="default_seat_cap_non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(str_enum(OrganizationKind, "org_kind"))
    agency_type: Mapped[AgencyType] = mapped_column(str_enum(AgencyType, "agency_type"))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Denver")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("lms_organization.id"))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    logo_path: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Community groups: the most seats the group may hold in a session that sets
    # no cap of its own (see lms.enrollment.queries.SeatCount.cap_for). None: no cap.
    default_seat_cap: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id])

    @property
    def is_community_group(self) -> bool:
        return self.kind is OrganizationKind.COMMUNITY_GROUP

    def __str__(self) -> str:
        return self.name
