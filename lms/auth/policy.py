"""Who may see or change what: every view, query and operation asks here, nowhere else.

Two layers, both written once:

- **Route access** (:func:`allow`): every LMS view declares who may reach it at
  all (:data:`PUBLIC`, :data:`SIGNED_IN`, :data:`STAFF`, ...). ``init_app``
  refuses to start when an LMS endpoint declares nothing, and the tests that
  enumerate ``app.url_map`` check every route against it.
- **Object rules** (one section per object kind below): may this person see or
  change this organization, person, session, enrollment, roster, certificate?

Roles:
- an administrator may do everything;
- a training coordinator runs the program for the organizations their role is
  scoped to (unscoped: all of them): their sessions, rosters and people;
- an instructor manages the sessions they teach;
- a community-group coordinator manages their own group's people only;
- everyone may see their own records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app

from ..core import acting_person
from ..models import Certificate, CourseSession, Enrollment, Organization, Person, Role

F = TypeVar("F", bound=Callable[..., Any])


# --- roles -------------------------------------------------------------------------


def has_any_role(person: Person, *roles: Role) -> bool:
    """Holds one of ``roles`` in any scope (admins hold every role)."""
    held = person.role_set
    return Role.ADMIN in held or any(role in held for role in roles)


def is_staff(person: Person) -> bool:
    """Admins and training coordinators of any scope: they reach the staff pages.

    What a coordinator may see or change there is scoped; ask the object rules.
    """
    return has_any_role(person, Role.COORDINATOR)


def coordinated_organization_ids(person: Person) -> set[int] | None:
    """Organizations whose program ``person`` runs as a training coordinator.

    None means all of them (an admin, or a coordinator without a scope).
    """
    if person.is_admin:
        return None
    ids: set[int] = set()
    for grant in person.roles:
        if grant.role is Role.COORDINATOR:
            if grant.organization_id is None:
                return None
            ids.add(grant.organization_id)
    return ids


def managed_organization_ids(person: Person) -> set[int] | None:
    """Organizations whose people ``person`` manages; None means all of them.

    Training coordinators manage their scope; community-group coordinators
    their own groups.
    """
    ids = coordinated_organization_ids(person)
    if ids is None:
        return None
    return ids | person.organizations_with(Role.GROUP_COORDINATOR)


# --- organizations and people ---------------------------------------------------------


def _within(scope: set[int] | None, organization: Organization | int | None) -> bool:
    """``organization`` lies in ``scope`` (None: every organization)."""
    if organization is None:
        return False
    org_id = organization if isinstance(organization, int) else organization.id
    return scope is None or org_id in scope


def can_manage_organization(person: Person, organization: Organization | int | None) -> bool:
    """Manage the people of ``organization`` (its roster of members, their records)."""
    return _within(managed_organization_ids(person), organization)


def coordinates(person: Person, organization: Organization | int | None) -> bool:
    """Runs the training program of ``organization`` (admin or scoped coordinator)."""
    return _within(coordinated_organization_ids(person), organization)


def can_administer_organizations(person: Person) -> bool:
    """Create organizations, (de)activate them, change their kind or parent: admins only.

    A training coordinator sees and edits the organizations they coordinate
    (:func:`coordinates`) but does not reshape the program's structure.
    """
    return person.is_admin


def can_view_person(viewer: Person, person: Person) -> bool:
    """Oneself, or someone whose organization ``viewer`` manages."""
    return viewer.id == person.id or can_manage_organization(viewer, person.organization_id)


# --- courses and sessions ---------------------------------------------------------------


def can_schedule(person: Person) -> bool:
    """Create courses and sessions (sessions only for organizations they coordinate)."""
    return is_staff(person)


def can_see_hidden_courses(person: Person | None) -> bool:
    """Retired courses and their sessions are shown to staff only."""
    return person is not None and is_staff(person)


def coordinates_session(person: Person, session: CourseSession) -> bool:
    """Staff of the organization running ``session``: they edit, cancel and enroll."""
    return coordinates(person, session.organization_id)


def teaches(person: Person, session: CourseSession) -> bool:
    """A current (lead or assistant) instructor of ``session``."""
    return session.is_taught_by(person.id)


def is_session_staff(person: Person, session: CourseSession) -> bool:
    """The session's staff: its organization's coordinators and its instructors.

    They see its roster and enrollments, mark attendance and record results.
    """
    return coordinates_session(person, session) or teaches(person, session)


def leads(person: Person, session: CourseSession) -> bool:
    """A lead instructor of ``session``."""
    return any(p.id == person.id for p in session.lead_instructors)


# --- enrollments ------------------------------------------------------------------------


def cancel_mode(viewer: Person, enrollment: Enrollment) -> str | None:
    """How ``viewer`` may cancel this place: "staff", "self", "group"; None: not at all.

    Staff of the session's organization cancel anyone's place (after the cut-off,
    with a reason); people cancel their own; a community group's coordinator
    cancels their group's people.
    """
    if coordinates_session(viewer, enrollment.session):
        return "staff"
    if enrollment.person_id == viewer.id:
        return "self"
    organization = enrollment.organization
    if (
        organization is not None
        and organization.is_community_group
        and organization.id in viewer.organizations_with(Role.GROUP_COORDINATOR)
    ):
        return "group"
    return None


# --- certificates -----------------------------------------------------------------------


def can_view_certificate(viewer: Person | None, certificate: Certificate) -> bool:
    """The holder, people who manage the holder, and the session's staff."""
    if viewer is None:
        return False
    if viewer.id == certificate.person_id or can_view_person(viewer, certificate.person):
        return True
    return is_session_staff(viewer, certificate.completion.session)


def can_revoke_certificate(viewer: Person, certificate: Certificate) -> bool:
    """An admin, or the instructor who issued it."""
    return viewer.is_admin or certificate.signer_id == viewer.id


# --- accounts ---------------------------------------------------------------------------


def can_manage_person(viewer: Person, person: Person) -> bool:
    """Edit, invite, deactivate or reactivate ``person``, and change their roles.

    An administrator: anyone. A training coordinator: people of an organization
    they coordinate, unless a role of the person reaches beyond that scope (an
    administrator, an unscoped coordinator, a role elsewhere): nobody changes
    someone who holds more than they do.
    """
    if viewer.is_admin:
        return True
    if not coordinates(viewer, person.organization_id):
        return False
    return all(can_grant_role(viewer, grant.role, grant.organization_id) for grant in person.roles)


def can_grant_role(viewer: Person, role: Role, organization_id: int | None) -> bool:
    """Grant or remove ``role`` scoped to ``organization_id`` (None: unscoped).

    Administrators grant everything; a training coordinator only scoped roles in
    organizations they coordinate, never administrator.
    """
    if viewer.is_admin:
        return True
    return role is not Role.ADMIN and coordinates(viewer, organization_id)


# --- route access -----------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may reach a route at all; object rules decide the rest inside the view."""

    name: str
    description: str
    needs_sign_in: bool
    allows: Callable[[Person], bool]

    def __str__(self) -> str:
        return self.name


PUBLIC = Access("public", "anyone, signed in or not", False, lambda _person: True)
SIGNED_IN = Access("signed in", "anyone signed in", True, lambda _person: True)
TEACHING = Access(
    "instructors and staff",
    "instructors, training coordinators and administrators",
    True,
    lambda person: has_any_role(person, Role.INSTRUCTOR, Role.COORDINATOR),
)
STAFF = Access("staff", "training coordinators and administrators", True, is_staff)
ADMIN = Access("admin", "administrators", True, lambda person: person.is_admin)

ACCESS_ATTRIBUTE = "lms_access"


def allow(access: Access) -> Callable[[F], F]:
    """View decorator: declare who may reach the route, and enforce it.

    Anonymous visitors to a route that needs a sign-in are sent to sign in
    (Flask-Login's ``unauthorized``); signed-in people without the access get 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if access.needs_sign_in:
                person = acting_person()
                if person is None:
                    return current_app.login_manager.unauthorized()
                if not access.allows(person):
                    abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, access)
        return wrapped  # type: ignore[return-value]

    return decorator


def access_of(view: Callable[..., Any]) -> Access | None:
    """The access a view declared with :func:`allow`, or None."""
    return getattr(view, ACCESS_ATTRIBUTE, None)


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort with 403 (or 404 when ``hide``, to not confirm the object exists)."""
    if not allowed:
        abort(404 if hide else 403)


def current_person() -> Person:
    """The signed-in person of a route declared with a signed-in access."""
    person = acting_person()
    if person is None:  # a route declared PUBLIC asked for a person
        abort(403)
    return person
