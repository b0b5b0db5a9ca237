"""People, their roles, sign-in sessions and single-use account tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .organizations import Organization


class Role(enum.StrEnum):
    """What a person may do. Roles other than admin are scoped to an organization."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    INSTRUCTOR = "instructor"
    OFFICER = "officer"
    GROUP_COORDINATOR = "group_coordinator"
    PARTICIPANT = "participant"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.COORDINATOR: "Training coordinator",
    Role.INSTRUCTOR: "Instructor",
    Role.OFFICER: "Officer",
    Role.GROUP_COORDINATOR: "Community-group coordinator",
    Role.PARTICIPANT: "Participant",
}


class Person(UserMixin, Base):
    """Anyone who trains, teaches or manages; only some have a login."""

    __tablename__ = "lms_person"
    __table_args__ = (Index("uq_lms_person_employee_number", "employee_number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("lms_organization.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name printed on certificates and transcripts when it differs (e.g. "Bob Smith").
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    # Stored lower-cased; people enrolled by a group may have none.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    badge_number: Mapped[str | None] = mapped_column(String(40))
    # The HR system's key: imports match people by it first, then by email.
    employee_number: Mapped[str | None] = mapped_column(String(40))
    job_title: Mapped[str | None] = mapped_column(String(120))  # rank or title
    unit: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    claimed_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    # sha256 of the private calendar-feed token; the token itself is never stored.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))

    organization: Mapped[Organization] = relationship(lazy="joined")
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        foreign_keys="RoleAssignment.person_id",
        order_by="RoleAssignment.id",  # in the order they were granted, on every database
        # Loaded when asked (the viewer's come with the sign-in, in one statement):
        # a page listing people or instructors does not read everyone's grants.
    )

    # Set by the user loader: the sign-in session this request belongs to.
    current_login_token = None

    @property
    def printed_name(self) -> str:
        """The name certificates and transcripts print."""
        return self.preferred_name or self.full_name

    @property
    def has_login(self) -> bool:
        return self.password_hash is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def get_id(self) -> str | None:  # Flask-Login stores this in the cookie
        return self.current_login_token

    def has_role(self, role: Role, organization_id: int | None = None) -> bool:
        """True if the person holds ``role`` (at ``organization_id`` when given)."""
        for grant in self.roles:
            if grant.role is role and (
                organization_id is None
                or grant.organization_id is None
                or grant.organization_id == organization_id
            ):
                return True
        return False

    @property
    def role_set(self) -> set[Role]:
        return {grant.role for grant in self.roles}

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.role_set

    def organizations_with(self, role: Role) -> set[int]:
        """Organization ids where the person holds ``role`` (admins: empty, see policy)."""
        return {g.organization_id for g in self.roles if g.role is role and g.organization_id}

    def __str__(self) -> str:
        return self.full_name


class RoleAssignment(Base):
    """A role granted to a person, scoped to an organization unless it is global."""

    __tablename__ = "lms_role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("lms_organization.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))

    person: Mapped[Person] = relationship(back_populates="roles", foreign_keys=[person_id])
    organization: Mapped[Organization | None] = relationship()


class LoginSession(Base):
    """One signed-in browser. The cookie carries a random token; only its hash is kept.

    Signing out revokes the row, and a password change revokes them all, so a
    replayed old cookie finds nothing to load.
    """

    __tablename__ = "lms_login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    source_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    person: Mapped[Person] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TokenPurpose(enum.StrEnum):
    """What an account link lets its holder do: both end with a password set."""

    CLAIM_ACCOUNT = "claim_account"  # an invitation: a person without a login makes one
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret


class AccountToken(Base):
    """A single-use, expiring link (claim an account, reset a password); stored hashed.

    Invitations and password resets share this table: a link is the same thing
    (a random token whose hash is kept, for one person, used once, until a time),
    and ``purpose`` says which page it opens.
    """

    __tablename__ = "lms_account_token"
    __table_args__ = (Index("ix_lms_account_token_person_purpose", "person_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"))
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        """Past its time (a replaced or voided link is expired at once)."""
        return self.expires_at <= utcnow()

    @property
    def is_live(self) -> bool:
        """Usable now: unused, unexpired, for an active person."""
        return not self.is_used and not self.is_expired and self.person.active
