"""Writes of the organizations feature: create, edit, deactivate, reactivate; coordinators.

An organization is never deleted: deactivating one (with a reason, audited)
keeps its people, enrollments and records, and only stops new people and new
enrollments from joining it (:func:`lms.auth.operations.create_person` and
:func:`lms.enrollment.rules.organization_problem` refuse them). Slugs are made
once, from the name at creation, and stay when the name changes: other code
and file names (certificate ZIPs, logos) know an organization by its slug.
Operations flush, audit and signal; the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..auth.operations import AccountError, create_person, find_by_email, normalize_email
from ..core import audit, db_session
from ..enrollment.operations import create_claim_token
from ..enrollment.rules import PUBLIC_REGISTRANTS_SLUG
from ..models import AgencyType, Organization, OrganizationKind, Person, Role

REASON_MAX_LENGTH = 500
SLUG_MAX_LENGTH = 80
#: Slugs other code looks organizations up by: a new organization never takes one.
RESERVED_SLUGS = frozenset({"department", PUBLIC_REGISTRANTS_SLUG})


class OrganizationError(ValueError):
    """A change that cannot be made; the message says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class OrganizationDraft:
    """What a form says an organization should be."""

    name: str
    kind: OrganizationKind
    agency_type: AgencyType
    timezone: str
    contact_email: str | None = None
    parent_id: int | None = None
    default_seat_cap: int | None = None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_zone(name: str) -> bool:
    """An IANA time zone name (``America/Denver``), not a path or a made-up one."""
    return name in _known_zones()


def slugify(name: str) -> str:
    """A URL-safe, lower-case ASCII form of ``name`` ("St. Mary's School" -> "st-marys-school")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return slug[:SLUG_MAX_LENGTH].strip("-") or "organization"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db_session().scalars(
            select(Organization.slug).where(
                (Organization.slug == base) | Organization.slug.like(f"{base}-%")
            )
        )
    )
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _program_department_id() -> int | None:
    """The department that runs the program (see :func:`lms.auth.operations.department`)."""
    return db_session().scalar(
        select(Organization.id)
        .where(Organization.kind == OrganizationKind.DEPARTMENT)
        .order_by(Organization.id)
        .limit(1)
    )


def _fixed_role(organization: Organization) -> str | None:
    """Why ``organization`` must keep its kind and stay active (None: it need not)."""
    if organization.slug == PUBLIC_REGISTRANTS_SLUG:
        return "it is where public registrations go"
    if organization.id is not None and organization.id == _program_department_id():
        return "it is the department that runs the program"
    return None


def _descendant_ids(organization: Organization) -> set[int]:
    """Ids of the organizations below ``organization`` (children, their children...)."""
    rows = db_session().execute(select(Organization.id, Organization.parent_id)).all()
    children: dict[int, list[int]] = {}
    for org_id, parent_id in rows:
        children.setdefault(parent_id, []).append(org_id)
    found, stack = set(), [organization.id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _check(draft: OrganizationDraft, organization: Organization | None) -> None:
    name = " ".join(draft.name.split())
    if not name:
        raise OrganizationError("Give the organization's name.", field="name")
    draft.name = name
    same_name = select(Organization.id).where(func.lower(Organization.name) == name.lower())
    if organization is not None:
        same_name = same_name.where(Organization.id != organization.id)
    if db_session().scalar(same_name.limit(1)) is not None:
        raise OrganizationError(f"An organization named {name} already exists.", field="name")
    if not is_known_zone(draft.timezone):
        raise OrganizationError("Not a known IANA time zone.", field="timezone")
    draft.contact_email = normalize_email(draft.contact_email) if draft.contact_email else None
    if draft.default_seat_cap is not None:
        if draft.kind is not OrganizationKind.COMMUNITY_GROUP:
            raise OrganizationError(
                "Only community groups have a default seat cap; leave it empty.",
                field="default_seat_cap",
            )
        if draft.default_seat_cap < 0:
            raise OrganizationError("The cap cannot be below zero.", field="default_seat_cap")
    if draft.parent_id is not None:
        parent = db_session().get(Organization, draft.parent_id)
        if parent is None:
            raise OrganizationError("That organization does not exist.", field="parent_id")
        if organization is not None and (
            parent.id == organization.id or parent.id in _descendant_ids(organization)
        ):
            raise OrganizationError(
                f"{organization.name} cannot be part of itself or of one of its own parts.",
                field="parent_id",
            )
    if organization is not None and draft.kind is not organization.kind:
        fixed = _fixed_role(organization)
        if fixed:
            raise OrganizationError(
                f"{organization.name} stays a {organization.kind.label.lower()}: {fixed}.",
                field="kind",
            )


def _snapshot(organization: Organization) -> dict:
    return {f.name: _plain(getattr(organization, f.name)) for f in fields(OrganizationDraft)}


def _plain(value):
    return value.value if isinstance(value, AgencyType | OrganizationKind) else value


def _send(organization: Organization, actor: Person | None, change: str, reason=None) -> None:
    signals.organization_changed.send(
        current_app._get_current_object(),
        organization=organization,
        actor=actor,
        change=change,
        reason=reason,
    )


def create_organization(draft: OrganizationDraft, actor: Person) -> Organization:
    """A new organization, its slug made from its name."""
    _check(draft, None)
    organization = Organization(
        slug=_unique_slug(draft.name),
        active=True,
        **{f.name: getattr(draft, f.name) for f in fields(OrganizationDraft)},
    )
    try:
        with db_session().begin_nested():
            db_session().add(organization)
    except IntegrityError:  # the same slug taken by a request at the same moment
        raise OrganizationError(
            f"{draft.name} was just created by someone else; look for it in the list.",
            field="name",
        ) from None
    audit(
        "organization.created",
        organization,
        actor=actor,
        organization_id=organization.id,
        details={"slug": organization.slug, **_snapshot(organization)},
    )
    _send(organization, actor, "created")
    return organization


def update_organization(
    organization: Organization, draft: OrganizationDraft, actor: Person
) -> dict[str, list]:
    """Apply ``draft``; returns (and audits) what changed, field -> [before, after]."""
    _check(draft, organization)
    before = _snapshot(organization)
    for f in fields(OrganizationDraft):
        setattr(organization, f.name, getattr(draft, f.name))
    db_session().flush()
    after = _snapshot(organization)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit(
            "organization.edited",
            organization,
            actor=actor,
            organization_id=organization.id,
            details={"changes": changes},
        )
        _send(organization, actor, "edited")
    return changes


def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise OrganizationError("Give a reason.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise OrganizationError(
            f"Keep the reason under {REASON_MAX_LENGTH} characters.", field="reason"
        )
    return reason


def deactivate_organization(organization: Organization, reason: str, actor: Person) -> None:
    """Take no new people or enrollments for ``organization``; everything it has stays."""
    reason = _reason(reason)
    if not organization.active:
        raise OrganizationError(f"{organization.name} is already inactive.", field="reason")
    fixed = _fixed_role(organization)
    if fixed:
        raise OrganizationError(f"{organization.name} stays active: {fixed}.", field="reason")
    organization.active = False
    db_session().flush()
    audit("organization.deactivated", organization, actor=actor, details={"reason": reason})
    _send(organization, actor, "deactivated", reason)


def reactivate_organization(organization: Organization, reason: str, actor: Person) -> None:
    """Let ``organization`` take new people and enrollments again."""
    reason = _reason(reason)
    if organization.active:
        raise OrganizationError(f"{organization.name} is already active.", field="reason")
    organization.active = True
    db_session().flush()
    audit("organization.reactivated", organization, actor=actor, details={"reason": reason})
    _send(organization, actor, "reactivated", reason)


def takes_group_coordinators(organization: Organization) -> bool:
    """A community group of its own (not the public registrants) gets coordinators here."""
    return organization.is_community_group and organization.slug != PUBLIC_REGISTRANTS_SLUG


def create_group_coordinator(
    group: Organization, actor: Person, *, full_name: str, email: str, phone: str | None = None
) -> tuple[Person, str]:
    """A new person of ``group`` who coordinates it, and a claim-link token to pass on.

    An address that already belongs to someone is refused: that person is not
    moved or given the role behind anyone's back.
    """
    if not takes_group_coordinators(group):
        raise OrganizationError(
            f"{group.name} is not a community group; give its coordinators their role "
            "on their own page."
        )
    email = normalize_email(email)
    taken = OrganizationError(
        f"Someone already has the email {email}; nobody was changed. Use another address, "
        "or give that person the role from their own page.",
        field="email",
    )
    if find_by_email(email) is not None:
        raise taken
    try:
        with db_session().begin_nested():
            person = create_person(
                full_name=full_name,
                organization=group,
                email=email,
                roles=[(Role.GROUP_COORDINATOR, group)],
                actor=actor,
                phone=phone,
            )
    except IntegrityError:  # the same address registered at the same moment
        raise taken from None
    except AccountError as exc:
        field = exc.field if exc.field in ("full_name", "email") else None
        raise OrganizationError(str(exc), field=field) from None
    audit(
        "organization.coordinator_created",
        group,
        actor=actor,
        organization_id=group.id,
        details={"person_id": person.id, "role": Role.GROUP_COORDINATOR.value},
    )
    # A new person with an email and no password: the link can always be made.
    return person, create_claim_token(person, actor)
