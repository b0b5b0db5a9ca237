"""Who may see or change what: every view asks here, nowhere else.

Rules:
- an administrator may do everything;
- a training coordinator manages the catalog and schedule, and the people of
  the organizations they are scoped to (unscoped: every organization);
- an instructor manages the sessions they teach;
- a community-group coordinator manages their own group's people only;
- everyone may see their own records.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..models import CourseSession, Organization, Person, Role

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = (Role.ADMIN, Role.COORDINATOR)


def has_any_role(person: Person, *roles: Role) -> bool:
    held = person.role_set
    return Role.ADMIN in held or any(role in held for role in roles)


def is_staff(person: Person) -> bool:
    """Admins and training coordinators: they run the program."""
    return has_any_role(person, Role.COORDINATOR)


def managed_organization_ids(person: Person) -> set[int] | None:
    """Organizations whose people ``person`` manages; None means all of them."""
    if person.is_admin:
        return None
    ids: set[int] = set()
    for grant in person.roles:
        if grant.role is Role.COORDINATOR:
            if grant.organization_id is None:
                return None
            ids.add(grant.organization_id)
        elif grant.role is Role.GROUP_COORDINATOR and grant.organization_id:
            ids.add(grant.organization_id)
    return ids


def can_manage_organization(person: Person, organization: Organization | int) -> bool:
    org_id = organization if isinstance(organization, int) else organization.id
    ids = managed_organization_ids(person)
    return ids is None or org_id in ids


def can_view_person(viewer: Person, person: Person) -> bool:
    return viewer.id == person.id or can_manage_organization(viewer, person.organization_id)


def can_schedule(person: Person) -> bool:
    """Create and edit courses and sessions."""
    return is_staff(person)


def can_manage_session(person: Person, session: CourseSession) -> bool:
    """Change a session or its roster: staff, or an instructor of that session."""
    return is_staff(person) or session.is_taught_by(person.id)


def can_manage_accounts(person: Person) -> bool:
    """Deactivate and reactivate accounts: administrators only (for now)."""
    return person.is_admin


def roles_required(*roles: Role) -> Callable[[F], F]:
    """View decorator: signed in and holding one of ``roles`` (admins always pass)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def require(allowed: bool, *, hide: bool = False) -> None:
    """Abort with 403 (or 404 when ``hide``, to not confirm the object exists)."""
    if not allowed:
        abort(404 if hide else 403)
